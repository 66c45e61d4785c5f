// libFuzzer target: the EXIF orientation reader on arbitrary APP1 payloads. It is noexcept and must
// return 1..8 for any input.
#include "decode/exif.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int o = imgbatch::detail::exif_orientation(data, size);
  if (o < 1 || o > 8) std::abort();
  return 0;
}
