#include "decode/sniff.hpp"

#include <cstdio>
#include <cstring>

namespace imgbatch::detail {

image_format sniff_format(const std::uint8_t* data, std::size_t size) noexcept {
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return image_format::jpeg;
  // A damaged PNG signature (bit 7 cleared, CR/LF mangled) still goes to libpng, which names the damage.
  if (size >= 4 && std::memcmp(data + 1, "PNG", 3) == 0) return image_format::png;
  return image_format::unknown;
}

std::string describe_unknown(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return "empty file";
  std::string s = "not a JPEG or PNG file (first bytes";
  for (std::size_t i = 0; i < size && i < 8; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, " %02x", data[i]);
    s += hex;
  }
  s += ")";
  return s;
}

}  // namespace imgbatch::detail
