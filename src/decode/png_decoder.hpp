#pragma once

#include "decode/decode_options.hpp"
#include "decode/image.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imgbatch::detail {

/// libpng decoding of every colour type and bit depth, from memory. Stateless between files; the row
/// pointer table is reused. Not thread-safe: one per worker thread.
class png_decoder {
 public:
  /// IHDR only (size). Throws decode_failure.
  image_header read_header(const std::uint8_t* data, std::size_t size, const decode_options& opt);
  /// Full decode. rgb8: palette expanded, grey replicated, 16-bit reduced by taking the high byte and
  /// alpha dropped, as Pillow's convert("RGB"). index: one channel as stored (palette indices,
  /// grey values at their bit depth, 16-bit kept); RGB files are refused. Palette entries an index
  /// points past read as grey (i, i, i), as in Pillow. Throws decode_failure.
  /// With max_rows >= 0, a non-interlaced image is read only down to row max_rows (exclusive): `out` has
  /// the full size, its later rows are left as they were, and the rest of the file is not read (so not
  /// checked). Interlaced images are always read whole.
  void decode(const std::uint8_t* data, std::size_t size, pixel_kind kind, const decode_options& opt, image& out,
              int max_rows = -1);
  /// Pixels the last decode produced (rows read times the width).
  std::size_t decoded_pixels() const noexcept { return decoded_pixels_; }

 private:
  std::size_t decoded_pixels_ = 0;
  std::vector<std::uint8_t*> rows_;
  image indices_;  // palette images: indices before expansion
};

}  // namespace imgbatch::detail
