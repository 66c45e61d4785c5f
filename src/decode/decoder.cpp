#include "decode/decoder.hpp"

#include "decode/orientation.hpp"
#include "decode/sniff.hpp"

#include <utility>

namespace imgbatch::detail {

image_header decoder::read_header(const std::uint8_t* data, std::size_t size, const decode_options& opt) {
  switch (sniff_format(data, size)) {
    case image_format::jpeg:
      return jpeg_.read_header(data, size, opt);
    case image_format::png:
      return png_.read_header(data, size, opt);
    case image_format::webp:
      return webp_.read_header(data, size, opt);
    default:
      throw decode_failure(describe_unknown(data, size));
  }
}

void decoder::decode(const std::uint8_t* data, std::size_t size, const image_header& hdr, pixel_kind kind,
                     const decode_options& opt, image& out, int jpeg_denominator, const pixel_rect* region) {
  const bool upright = hdr.orientation == 1;  // the region is in the decoded frame
  if (hdr.format == image_format::jpeg) {
    if (kind != pixel_kind::rgb8) throw decode_failure("a mask or depth map must be a PNG, not a JPEG");
    jpeg_.decode_rgb(out, opt, jpeg_denominator, upright ? region : nullptr);
    decoded_pixels_ = jpeg_.decoded_pixels();
  } else if (hdr.format == image_format::webp) {
    webp_.decode(data, size, kind, out);  // whole: the pixels in any region are a full decode's
    decoded_pixels_ = webp_.decoded_pixels();
  } else {
    png_.decode(data, size, kind, opt, out, upright && region ? region->y1 : -1);
    decoded_pixels_ = png_.decoded_pixels();
  }
  if (hdr.orientation != 1) {
    apply_orientation(out, hdr.orientation, oriented_);
    std::swap(out, oriented_);
  }
}

image_header decoder::decode(const std::uint8_t* data, std::size_t size, pixel_kind kind, const decode_options& opt,
                             image& out, const pixel_rect* region) {
  image_header h = read_header(data, size, opt);
  decode(data, size, h, kind, opt, out, 1, region);
  return h;
}

}  // namespace imgbatch::detail
