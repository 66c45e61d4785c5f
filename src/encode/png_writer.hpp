#pragma once

#include "decode/image.hpp"

#include <array>
#include <string>
#include <vector>

namespace imgbatch::detail {

/// Writes an 8-bit grey/RGB or 16-bit grey image as PNG. With a palette (up to 256 RGB entries) a
/// 1-channel 8-bit image is written as a palette PNG whose indices are the pixel values.
/// Throws imgbatch::error naming the file.
void write_png(const std::string& path, const image& img, const std::vector<std::array<std::uint8_t, 3>>& palette = {});

}  // namespace imgbatch::detail
