#pragma once

#include <cstddef>
#include <cstdint>

namespace imgbatch::detail {

/// The Orientation tag (0x0112) of an APP1 "Exif\0\0" payload, 1..8; 1 when absent or unreadable.
/// Bounds-checked against truncated and malformed IFDs.
int exif_orientation(const std::uint8_t* app1, std::size_t size) noexcept;

}  // namespace imgbatch::detail
