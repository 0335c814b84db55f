#pragma once
// Plain-text tables for the CLI: left-aligned columns two spaces apart, the
// last column not padded (so lines carry no trailing blanks).

#include <iosfwd>
#include <string>
#include <vector>

namespace fw::cli {

void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

}  // namespace fw::cli
