#include "common/numbered_files.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>

namespace fw {

std::string NumberedFile(const std::string& dir, uint32_t n, std::string_view suffix) {
  char name[16];
  std::snprintf(name, sizeof name, "%08u", n);
  return dir + "/" + name + std::string(suffix);
}

std::vector<uint32_t> ListNumberedFiles(const std::string& dir, std::string_view suffix) {
  std::vector<uint32_t> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.size() != 8 + suffix.size() || !name.ends_with(suffix)) continue;
    const std::string_view digits = name.substr(0, 8);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    out.push_back(static_cast<uint32_t>(std::stoul(std::string(digits))));
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace fw
