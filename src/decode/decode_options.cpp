#include "decode/decode_options.hpp"

#include <string>

namespace imgbatch::detail {

void check_pixel_limit(int width, int height, const decode_options& opt) {
  if (width <= 0 || height <= 0)
    throw decode_failure("invalid image size " + std::to_string(width) + "x" + std::to_string(height));
  auto pixels = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
  if (pixels > opt.max_pixels)
    throw decode_failure("image is " + std::to_string(width) + "x" + std::to_string(height) + " = " +
                         std::to_string(pixels) + " pixels, above the limit of " + std::to_string(opt.max_pixels) +
                         " (decode.max_pixels)");
}

}  // namespace imgbatch::detail
