#pragma once

#include "decode/decode_options.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace imgbatch::detail {

/// The format from the magic bytes (never the file name).
image_format sniff_format(const std::uint8_t* data, std::size_t size) noexcept;
/// "a GIF file, not a JPEG, PNG or WebP" style text for files that are neither: the format named by its
/// signature when known, never the file's bytes.
std::string describe_unknown(const std::uint8_t* data, std::size_t size);

}  // namespace imgbatch::detail
