#pragma once

#include "decode/image.hpp"

#include <string>

namespace imgbatch::detail {

/// Writes an 8-bit RGB image as a baseline 4:2:0 JPEG. Throws imgbatch::error naming the file.
void write_jpeg(const std::string& path, const image& img, int quality);

}  // namespace imgbatch::detail
