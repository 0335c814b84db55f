#pragma once
// Files named by a sequence number, as the write-ahead logs and segment
// stores keep them: eight decimal digits and a fixed suffix
// ("00000001", "00000042.seg"), so that names sort as numbers do.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fw {

// "dir/00000042" followed by `suffix`.
std::string NumberedFile(const std::string& dir, uint32_t n, std::string_view suffix = "");

// The numbers of the files in `dir` named as above with exactly `suffix`,
// ascending. A directory that cannot be read has none.
std::vector<uint32_t> ListNumberedFiles(const std::string& dir, std::string_view suffix = "");

}  // namespace fw
