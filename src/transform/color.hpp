#pragma once

#include "decode/image.hpp"
#include "transform/view.hpp"

#include <cstdint>

namespace imgbatch::detail {

// torchvision's colour ops on PIL images, with Pillow's 8-bit arithmetic (ImageEnhance, Image.blend,
// convert("L"), convert("HSV")), on RGB8 rasters: `in` → `out` (out is resized; it must not alias in).

/// Pillow's L: (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
inline std::uint8_t grey_of(const std::uint8_t* rgb) noexcept {
  return static_cast<std::uint8_t>((rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 0x8000u) >> 16);
}

/// Image.blend(black, img, f): ImageEnhance.Brightness.
void adjust_brightness(const image_view& in, float factor, image& out);
/// Image.blend(grey mean, img, f), the mean of the grey image rounded to a whole level: ImageEnhance.Contrast.
void adjust_contrast(const image_view& in, float factor, image& out);
/// Image.blend(grey image, img, f): ImageEnhance.Color.
void adjust_saturation(const image_view& in, float factor, image& out);
/// H of Pillow's 8-bit HSV plus `shift` (mod 256), back to RGB: torchvision's adjust_hue with
/// shift = uint8(hue_factor * 255).
void adjust_hue(const image_view& in, std::uint8_t shift, image& out);
/// Pillow's L replicated to three channels.
void to_grayscale(const image_view& in, image& out);

}  // namespace imgbatch::detail
