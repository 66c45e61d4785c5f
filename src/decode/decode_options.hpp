#pragma once

#include <imgbatch/spec.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace imgbatch::detail {

enum class image_format { unknown, jpeg, png, webp };

/// What the caller wants out of the file.
enum class pixel_kind {
  rgb8,   ///< 3 channels, 8 bits: grey replicated, CMYK converted, palette expanded, alpha dropped
  index,  ///< 1 channel as stored: palette indices or grey values, 8 or 16 bits (masks, depth)
};

/// Limits and choices for decoding: the spec's `decode` section, used as is.
using decode_options = decode_spec;

/// What a header says before any pixel is decoded.
struct image_header {
  image_format format = image_format::unknown;
  int width = 0;  ///< as stored, before orientation
  int height = 0;
  int orientation = 1;  ///< EXIF orientation 1..8 (JPEG only)
  int oriented_width() const noexcept { return orientation >= 5 ? height : width; }
  int oriented_height() const noexcept { return orientation >= 5 ? width : height; }
  /// The size the decoder produces: oriented when EXIF orientation is applied, as stored otherwise.
  int decoded_width(bool apply_exif) const noexcept { return apply_exif ? oriented_width() : width; }
  int decoded_height(bool apply_exif) const noexcept { return apply_exif ? oriented_height() : height; }
};

/// A file that cannot be decoded; the message is the reason only (the caller adds the file name).
class decode_failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Rejects a declared size over the limit; called before any pixel buffer is allocated.
void check_pixel_limit(int width, int height, const decode_options& opt);

}  // namespace imgbatch::detail
