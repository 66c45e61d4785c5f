#include "transform/crop_flip.hpp"

#include <algorithm>
#include <cstring>

namespace imgbatch::detail {

bool crop_inside(const image_view& src, int y0, int x0, int h, int w) noexcept {
  return y0 >= 0 && x0 >= 0 && y0 + h <= src.height && x0 + w <= src.width;
}

void crop_pad(const image_view& src, int y0, int x0, int h, int w, const std::uint8_t* fill, image& out) {
  out.reset(w, h, src.channels, src.sample_bytes);
  const std::size_t pb = src.pixel_bytes();
  const int xs = std::max(0, -x0), xe = std::min(w, src.width - x0);  // columns taken from src
  for (int y = 0; y < h; ++y) {
    std::uint8_t* o = out.row(y);
    const int sy = y0 + y;
    if (sy < 0 || sy >= src.height || xs >= xe) {
      for (int x = 0; x < w; ++x) std::memcpy(o + x * pb, fill, pb);
      continue;
    }
    for (int x = 0; x < xs; ++x) std::memcpy(o + x * pb, fill, pb);
    std::memcpy(o + xs * pb, src.row(sy) + (x0 + xs) * pb, (xe - xs) * pb);
    for (int x = xe; x < w; ++x) std::memcpy(o + x * pb, fill, pb);
  }
}

void flip(const image_view& src, bool fx, bool fy, image& out) {
  out.reset(src.width, src.height, src.channels, src.sample_bytes);
  const std::size_t pb = src.pixel_bytes();
  for (int y = 0; y < src.height; ++y) {
    const std::uint8_t* in = src.row(fy ? src.height - 1 - y : y);
    std::uint8_t* o = out.row(y);
    if (!fx) {
      std::memcpy(o, in, out.row_bytes());
      continue;
    }
    const int w = src.width;
    if (pb == 3) {  // RGB images: whole pixels moved byte by byte, no call per pixel
      for (int x = 0; x < w; ++x) {
        const std::uint8_t* p = in + 3 * (w - 1 - x);
        o[3 * x] = p[0];
        o[3 * x + 1] = p[1];
        o[3 * x + 2] = p[2];
      }
    } else if (pb == 1) {  // 8-bit masks
      for (int x = 0; x < w; ++x) o[x] = in[w - 1 - x];
    } else {
      for (int x = 0; x < w; ++x) std::memcpy(o + x * pb, in + (w - 1 - x) * pb, pb);
    }
  }
}

}  // namespace imgbatch::detail
