"""Decodes the PNGs Chromium's screenshots are (8-bit RGB/RGBA, not
interlaced) into rows of pixels, with the standard library alone."""
import struct
import zlib


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def decode(data):
    """Returns (width, height, channels, rows), rows a list of bytearrays."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = head
    assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG"
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[f]) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def count_colour(data, rgb, tolerance=40):
    """Pixels within `tolerance` (per channel) of `rgb`."""
    width, _, bpp, rows = decode(data)
    n = 0
    for line in rows:
        for x in range(width):
            p = line[x * bpp:x * bpp + 3]
            if all(abs(p[i] - rgb[i]) <= tolerance for i in range(3)):
                n += 1
    return n
