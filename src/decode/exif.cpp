#include "decode/exif.hpp"

#include <cstring>

namespace imgbatch::detail {

int exif_orientation(const std::uint8_t* p, std::size_t n) noexcept {
  if (n < 6 + 8 || std::memcmp(p, "Exif\0\0", 6) != 0) return 1;
  const std::uint8_t* t = p + 6;  // TIFF header
  std::size_t len = n - 6;
  bool le;
  if (t[0] == 'I' && t[1] == 'I') le = true;
  else if (t[0] == 'M' && t[1] == 'M') le = false;
  else return 1;
  auto u16 = [&](std::size_t off) -> unsigned { return le ? t[off] | (t[off + 1] << 8) : (t[off] << 8) | t[off + 1]; };
  auto u32 = [&](std::size_t off) -> std::uint32_t {
    return le ? std::uint32_t(t[off]) | std::uint32_t(t[off + 1]) << 8 | std::uint32_t(t[off + 2]) << 16 |
                    std::uint32_t(t[off + 3]) << 24
              : std::uint32_t(t[off]) << 24 | std::uint32_t(t[off + 1]) << 16 | std::uint32_t(t[off + 2]) << 8 |
                    std::uint32_t(t[off + 3]);
  };
  if (u16(2) != 42) return 1;
  std::uint32_t ifd = u32(4);
  if (ifd > len || len - ifd < 2) return 1;
  unsigned count = u16(ifd);
  for (unsigned i = 0; i < count; ++i) {
    std::size_t e = ifd + 2 + std::size_t(i) * 12;
    if (e + 12 > len) return 1;
    if (u16(e) != 0x0112) continue;
    unsigned type = u16(e + 2);
    unsigned value;
    if (type == 3) value = u16(e + 8);       // SHORT, stored left-justified in the value field
    else if (type == 4) value = u32(e + 8);  // LONG, tolerated
    else return 1;
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

}  // namespace imgbatch::detail
