// Entry point for AFL++ builds of the fuzz targets (`make fuzz`): reads one
// input from the file named on the command line, or stdin, and hands it to
// LLVMFuzzerTestOneInput. (Debian's AFL++ GCC plugin does not load into
// Debian's GCC 12, and clang 14 cannot compile std::expected, so the classic
// afl-g++ instrumentation with this main is what works here.)

#include <cstdint>
#include <cstdio>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::FILE* f = argc > 1 ? std::fopen(argv[1], "rb") : stdin;
  if (!f) return 1;
  std::vector<uint8_t> input;
  for (int c; (c = std::fgetc(f)) != EOF;) input.push_back(static_cast<uint8_t>(c));
  return LLVMFuzzerTestOneInput(input.data(), input.size());
}
