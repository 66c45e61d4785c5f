#pragma once

#include "decode/image.hpp"

#include <cstddef>
#include <cstdint>

namespace imgbatch::detail {

/// A read-only window on an image: crops are views, not copies.
struct image_view {
  const std::uint8_t* data = nullptr;  ///< first pixel of the window
  int width = 0;
  int height = 0;
  int channels = 0;
  int sample_bytes = 1;
  std::size_t stride = 0;  ///< bytes between rows

  static image_view of(const image& im) noexcept {
    return {im.pixels.data(), im.width, im.height, im.channels, im.sample_bytes, im.row_bytes()};
  }
  std::size_t pixel_bytes() const noexcept { return static_cast<std::size_t>(channels) * sample_bytes; }
  const std::uint8_t* row(int y) const noexcept { return data + stride * static_cast<std::size_t>(y); }
  image_view sub(int x, int y, int w, int h) const noexcept {
    return {data + stride * static_cast<std::size_t>(y) + pixel_bytes() * static_cast<std::size_t>(x),
            w,
            h,
            channels,
            sample_bytes,
            stride};
  }
};

}  // namespace imgbatch::detail
