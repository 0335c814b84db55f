#pragma once
// The web console's static files, compiled into the binary by
// cmake/embed_assets.cmake (src/web/assets/* and uPlot's dist files).
//
// FindAsset("console.js") gives the bytes with their Content-Type, a strong
// ETag (a hash of the bytes) and, for text that shrinks, a gzip copy made
// once at first use. Thread-safe; the table lives for the whole process.

#include <string>
#include <string_view>
#include <vector>

namespace fw::web {

struct EmbeddedAsset {
  std::string_view name;  // file name, e.g. "console.js"
  std::string_view bytes;
};

// Defined in the generated web_assets_data.cpp.
const std::vector<EmbeddedAsset>& EmbeddedAssets();

struct Asset {
  std::string name, content_type, etag;  // etag quoted, as sent
  std::string_view bytes;
  std::string gzipped;  // empty when gzip would not help
};

// The asset named `name`, or null.
const Asset* FindAsset(std::string_view name);

// "text/html; charset=utf-8" for "x.html", ...; application/octet-stream
// for an unknown extension.
std::string ContentTypeFor(std::string_view name);

}  // namespace fw::web
