#pragma once

#include "decode/decode_options.hpp"
#include "decode/image.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imgbatch::detail {

/// libwebp decoding of still WebP images (lossy, lossless, with or without alpha), from memory, under
/// the same pixel limit as JPEG and PNG. The EXIF orientation comes from the file's EXIF chunk.
class webp_decoder {
 public:
  /// Size and orientation. An animated WebP is refused. Throws decode_failure.
  image_header read_header(const std::uint8_t* data, std::size_t size, const decode_options& opt);
  /// rgb8 only, alpha dropped as Pillow's convert("RGB") drops it (masks and depth maps are PNG).
  /// Throws decode_failure for data libwebp cannot decode.
  void decode(const std::uint8_t* data, std::size_t size, pixel_kind kind, image& out);
  std::size_t decoded_pixels() const noexcept { return decoded_pixels_; }

 private:
  std::size_t decoded_pixels_ = 0;
  std::vector<std::uint8_t> exif_;
};

}  // namespace imgbatch::detail
