#pragma once

#include "decode/image.hpp"
#include "transform/view.hpp"

#include <array>
#include <cstdint>

namespace imgbatch::detail {

// torchvision's colour ops on PIL images, with Pillow's 8-bit arithmetic (ImageEnhance, Image.blend,
// convert("L"), convert("HSV")), on RGB8 rasters: `in` → `out` (out is resized; it must not alias in).

/// Pillow's L: (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
inline std::uint8_t grey_of(const std::uint8_t* rgb) noexcept {
  return static_cast<std::uint8_t>((rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 0x8000u) >> 16);
}

/// Pillow's L replicated to three channels.
void to_grayscale(const image_view& in, image& out);

/// When `order` holds brightness and contrast only: the one per-value table the step applies to every
/// channel (contrast's mean taken from the whole of `stats_of`), and true; else false.
bool color_table(const image_view& stats_of, const std::array<std::int8_t, 4>& order,
                 const std::array<float, 4>& factor, std::array<std::uint8_t, 256>& table);

/// One color_jitter step, fused: the adjustments `order[k]` (0 brightness, 1 contrast, 2 saturation,
/// 3 hue; -1 ends) with `factor[k]` (hue: `hue_shift`) run pixel by pixel in one pass, each rounding as
/// when run alone. The contrast mean is that of the whole of `stats_of` at that point of the chain;
/// the pixels written are those of `in`, which may be a window of `stats_of` (a crop that follows), so
/// the result equals the adjustments on the whole image, then the crop.
void color_chain(const image_view& stats_of, const image_view& in, const std::array<std::int8_t, 4>& order,
                 const std::array<float, 4>& factor, std::uint8_t hue_shift, image& out);

}  // namespace imgbatch::detail
