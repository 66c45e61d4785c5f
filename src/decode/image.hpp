#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imgbatch::detail {

/// A decoded raster: interleaved channels, rows packed, samples of 1 byte or 2 bytes (host order).
/// The pixel vector keeps its capacity across reuse, so a worker's images stop allocating once warm.
/// A rectangle of pixels [x0, x1) × [y0, y1).
struct pixel_rect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool operator==(const pixel_rect&) const = default;
};

struct image {
  int width = 0;
  int height = 0;
  int channels = 0;
  int sample_bytes = 1;
  std::vector<std::uint8_t> pixels;

  void reset(int w, int h, int c, int bytes = 1) {
    width = w;
    height = h;
    channels = c;
    sample_bytes = bytes;
    pixels.resize(static_cast<std::size_t>(w) * h * c * bytes);
  }
  std::size_t row_bytes() const noexcept { return static_cast<std::size_t>(width) * channels * sample_bytes; }
  std::uint8_t* row(int y) noexcept { return pixels.data() + row_bytes() * y; }
  const std::uint8_t* row(int y) const noexcept { return pixels.data() + row_bytes() * y; }
  std::size_t pixel_count() const noexcept { return static_cast<std::size_t>(width) * height; }
};

}  // namespace imgbatch::detail
