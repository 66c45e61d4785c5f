#pragma once

#include "decode/decode_options.hpp"
#include "decode/image.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace imgbatch::detail {

/// libjpeg-turbo decompressor, reused across files: one per worker thread (not thread-safe).
/// Accurate integer IDCT and smooth upsampling (libjpeg defaults, as Pillow), so a full-size decode
/// equals Pillow's pixels. Grey becomes RGB by replication; CMYK/YCCK by Pillow's formula.
class jpeg_decoder {
 public:
  jpeg_decoder();
  ~jpeg_decoder();
  jpeg_decoder(const jpeg_decoder&) = delete;
  jpeg_decoder& operator=(const jpeg_decoder&) = delete;

  /// Reads markers up to the first scan; keeps the file open for `decode`. `data` must outlive decode.
  /// Throws decode_failure.
  image_header read_header(const std::uint8_t* data, std::size_t size, const decode_options& opt);
  /// Decodes the file opened by read_header to RGB8 (orientation not applied), at 1/`denominator`
  /// scale (1, 2, 4 or 8: libjpeg-turbo's scaled IDCT). Throws decode_failure.
  /// With `region` (full scale, stored frame, not CMYK) `out` still has the full size but only the
  /// pixels of the region are decoded: rows above it are skipped (jpeg_skip_scanlines), rows below it
  /// never read, and columns cropped (jpeg_crop_scanline) to the region widened by two iMCUs on each
  /// side, so that smooth upsampling at the cropped edges does not reach it. The region's pixels equal
  /// a full decode's (tested on every JPEG of the conformance data). The rest of `out` is left as it was.
  void decode_rgb(image& out, const decode_options& opt, int denominator = 1, const pixel_rect* region = nullptr);

  /// Pixels the last decode_rgb produced (a region decode: its rows times its cropped width).
  std::size_t decoded_pixels() const noexcept { return decoded_pixels_; }

  struct context;

 private:
  std::size_t decoded_pixels_ = 0;
  void point_rows(image& out, std::size_t offset);  // ctx_->rows[y] = out.row(y) + offset
  std::unique_ptr<context> ctx_;
  std::vector<std::uint8_t> cmyk_row_;
};

}  // namespace imgbatch::detail
