#include "decode/webp_decoder.hpp"

#include "decode/exif.hpp"

#include <webp/decode.h>

#include <cstring>
#include <string>

namespace imgbatch::detail {
namespace {

std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// The payload of the RIFF container's EXIF chunk, if any (an extended WebP: VP8X, then chunks).
bool find_exif(const std::uint8_t* data, std::size_t size, const std::uint8_t*& exif, std::size_t& n) {
  std::size_t at = 12;  // "RIFF" size "WEBP"
  while (at + 8 <= size) {
    const std::uint32_t len = le32(data + at + 4);
    if (len > size - at - 8) return false;
    if (std::memcmp(data + at, "EXIF", 4) == 0) {
      exif = data + at + 8;
      n = len;
      return true;
    }
    at += 8 + len + (len & 1);
  }
  return false;
}

const char* status_text(VP8StatusCode s) {
  switch (s) {
    case VP8_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_STATUS_INVALID_PARAM:
      return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR:
      return "corrupt WebP data";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "a WebP feature libwebp does not support";
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "truncated WebP data";
    default:
      return "a WebP file libwebp cannot read";
  }
}

}  // namespace

image_header webp_decoder::read_header(const std::uint8_t* data, std::size_t size, const decode_options& opt) {
  WebPBitstreamFeatures f;
  if (const VP8StatusCode s = WebPGetFeatures(data, size, &f); s != VP8_STATUS_OK) throw decode_failure(status_text(s));
  if (f.has_animation) throw decode_failure("an animated WebP: imgbatch decodes still images");
  image_header h;
  h.format = image_format::webp;
  h.width = f.width;
  h.height = f.height;
  check_pixel_limit(h.width, h.height, opt);
  const std::uint8_t* exif = nullptr;
  std::size_t n = 0;
  if (opt.apply_exif && find_exif(data, size, exif, n)) {
    // exif_orientation reads an APP1 payload: "Exif\0\0" then the TIFF data the chunk holds.
    static constexpr std::uint8_t prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (n >= 6 && std::memcmp(exif, prefix, 6) == 0) {
      h.orientation = exif_orientation(exif, n);
    } else {
      exif_.assign(prefix, prefix + 6);
      exif_.insert(exif_.end(), exif, exif + n);
      h.orientation = exif_orientation(exif_.data(), exif_.size());
    }
  }
  return h;
}

void webp_decoder::decode(const std::uint8_t* data, std::size_t size, pixel_kind kind, image& out) {
  if (kind != pixel_kind::rgb8) throw decode_failure("a mask or depth map must be a PNG, not a WebP");
  int w = 0, h = 0;
  if (!WebPGetInfo(data, size, &w, &h)) throw decode_failure("corrupt WebP header");
  out.reset(w, h, 3);
  if (!WebPDecodeRGBInto(data, size, out.pixels.data(), out.pixels.size(), static_cast<int>(out.row_bytes())))
    throw decode_failure("corrupt or truncated WebP data");
  decoded_pixels_ = out.pixel_count();
}

}  // namespace imgbatch::detail
