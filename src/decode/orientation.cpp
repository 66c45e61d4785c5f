#include "decode/orientation.hpp"

#include <cstring>

namespace imgbatch::detail {

void apply_orientation(const image& in, int orientation, image& out) {
  const int w = in.width, h = in.height;
  const bool swap = orientation >= 5;
  out.reset(swap ? h : w, swap ? w : h, in.channels, in.sample_bytes);
  const std::size_t px = static_cast<std::size_t>(in.channels) * in.sample_bytes;
  for (int y = 0; y < out.height; ++y) {
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      int sx, sy;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          sy = y;
          break;
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;
        case 4:
          sx = x;
          sy = h - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;  // transpose
        case 6:
          sx = y;
          sy = h - 1 - x;
          break;  // rotate 90 clockwise
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break;  // transverse
        case 8:
          sx = w - 1 - y;
          sy = x;
          break;  // rotate 90 counter-clockwise
        default:
          sx = x;
          sy = y;
          break;
      }
      std::memcpy(dst + x * px, in.row(sy) + sx * px, px);
    }
  }
}

}  // namespace imgbatch::detail
