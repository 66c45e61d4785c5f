#pragma once

#include "decode/image.hpp"
#include "transform/view.hpp"

#include <cstdint>

namespace imgbatch::detail {

/// True when the crop window lies inside the image (then it is a view, no copy).
bool crop_inside(const image_view& src, int y0, int x0, int h, int w) noexcept;
/// Copies the window (y0, x0, h, w) of src into out; parts outside src get `fill` (one pixel's bytes).
void crop_pad(const image_view& src, int y0, int x0, int h, int w, const std::uint8_t* fill, image& out);
/// Mirrors src into out: left-right when fx, top-bottom when fy.
void flip(const image_view& src, bool fx, bool fy, image& out);

}  // namespace imgbatch::detail
