#include "decode/sniff.hpp"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace imgbatch::detail {

image_format sniff_format(const std::uint8_t* data, std::size_t size) noexcept {
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return image_format::jpeg;
  // A damaged PNG signature (bit 7 cleared, CR/LF mangled) still goes to libpng, which names the damage.
  if (size >= 4 && std::memcmp(data + 1, "PNG", 3) == 0) return image_format::png;
  if (size >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0)
    return image_format::webp;
  return image_format::unknown;
}

std::string describe_unknown(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return "empty file";
  // Named by its signature, never by its bytes: an error message must not show a file's content (a
  // path that leads to /etc/passwd would print its first line).
  using namespace std::string_view_literals;  // "..."sv keeps embedded zero bytes
  auto starts = [&](std::size_t at, std::string_view sig) {
    return size >= at + sig.size() && std::memcmp(data + at, sig.data(), sig.size()) == 0;
  };
  const char* kind = starts(0, "GIF8"sv)                                                ? "GIF"
                     : starts(0, "BM"sv)                                                ? "BMP"
                     : starts(0, "II*"sv) || starts(0, "MM\0*"sv)                       ? "TIFF"
                     : starts(4, "ftypavif"sv) || starts(4, "ftypavis"sv)               ? "AVIF"
                     : starts(4, "ftyphei"sv) || starts(4, "ftypmif1"sv)                ? "HEIF"
                     : starts(0, "\0\0\0\x0cjP  "sv) || starts(0, "\xff\x4f\xff\x51"sv) ? "JPEG 2000"
                     : starts(0, "%PDF"sv)                                              ? "PDF"
                     : starts(0, "\x1f\x8b"sv)                                          ? "gzip"
                     : starts(0, "PK\x03\x04"sv)                                        ? "ZIP"
                                                                                        : nullptr;
  if (kind) return std::string("a ") + kind + " file, not a JPEG, PNG or WebP";
  return "not a JPEG, PNG or WebP file (an unknown format)";
}

}  // namespace imgbatch::detail
