#include "web/assets.h"

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <map>

namespace fw::web {
namespace {

std::string Fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

// A gzip member of `bytes` at the best level, or "" when zlib fails.
std::string Gzip(std::string_view bytes) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return "";
  }
  std::string out(deflateBound(&z, bytes.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

std::map<std::string, Asset, std::less<>> Build() {
  std::map<std::string, Asset, std::less<>> out;
  for (const EmbeddedAsset& e : EmbeddedAssets()) {
    Asset a{std::string(e.name), ContentTypeFor(e.name), Fnv1a(e.bytes), e.bytes, ""};
    if (e.bytes.size() > 1024 && a.content_type.find("png") == std::string::npos) {
      a.gzipped = Gzip(e.bytes);
      if (a.gzipped.size() * 10 > e.bytes.size() * 9) a.gzipped.clear();
    }
    out.emplace(a.name, std::move(a));
  }
  return out;
}

}  // namespace

std::string ContentTypeFor(std::string_view name) {
  const size_t dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "json" || ext == "webmanifest") return "application/json";
  return "application/octet-stream";
}

const Asset* FindAsset(std::string_view name) {
  static const std::map<std::string, Asset, std::less<>> kAssets = Build();
  auto it = kAssets.find(name);
  return it == kAssets.end() ? nullptr : &it->second;
}

}  // namespace fw::web
