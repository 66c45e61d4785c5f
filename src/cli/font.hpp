#pragma once

#include "decode/image.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace imgbatch::detail {

/// Width and height of one glyph of the preview font, in pixels at scale 1 (plus one column of space).
inline constexpr int glyph_width = 5, glyph_height = 7;

/// Draws `text` with its top-left corner at (x, y) into an RGB image, clipped to it. Upper- and
/// lower-case letters, digits and - _ . : / # ( ) are drawn; other characters leave a gap.
void draw_text(image& im, int x, int y, std::string_view text, std::array<std::uint8_t, 3> colour);

}  // namespace imgbatch::detail
