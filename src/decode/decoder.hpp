#pragma once

#include "decode/decode_options.hpp"
#include "decode/image.hpp"
#include "decode/jpeg_decoder.hpp"
#include "decode/png_decoder.hpp"
#include "decode/webp_decoder.hpp"

#include <cstddef>
#include <cstdint>

namespace imgbatch::detail {

/// Format dispatch by magic bytes plus EXIF orientation. One per worker thread (not thread-safe):
/// it holds the libjpeg handle and scratch buffers that stay warm across files.
class decoder {
 public:
  /// Header of any supported file: format, stored size, orientation. Throws decode_failure.
  /// For JPEG the file stays open for the following `decode` of the same bytes.
  image_header read_header(const std::uint8_t* data, std::size_t size, const decode_options& opt);
  /// Decodes to `out` with orientation applied (when opt.apply_exif). `hdr` must come from read_header
  /// on the same bytes, just before. A JPEG is decoded at 1/`jpeg_denominator` scale (1, 2, 4, 8).
  /// With `region` (in the decoded frame), only what covers it need be decoded: the pixels inside equal
  /// a full decode's, the others are unspecified (JPEG: region decode when the orientation is 1 and the
  /// scale full; PNG: rows below the region not read). Throws decode_failure.
  void decode(const std::uint8_t* data, std::size_t size, const image_header& hdr, pixel_kind kind,
              const decode_options& opt, image& out, int jpeg_denominator = 1, const pixel_rect* region = nullptr);
  /// Source pixels the last decode produced: fewer than the image's with a region (a JPEG's region rows
  /// times its cropped width, a PNG's rows down to the region's bottom), at the decode's scale.
  std::size_t decoded_pixels() const noexcept { return decoded_pixels_; }
  /// read_header then decode.
  image_header decode(const std::uint8_t* data, std::size_t size, pixel_kind kind, const decode_options& opt,
                      image& out, const pixel_rect* region = nullptr);

 private:
  jpeg_decoder jpeg_;
  png_decoder png_;
  webp_decoder webp_;
  image oriented_;
  std::size_t decoded_pixels_ = 0;
};

}  // namespace imgbatch::detail
