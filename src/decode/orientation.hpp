#pragma once

#include "decode/image.hpp"

namespace imgbatch::detail {

/// Applies EXIF orientation 2..8 (Pillow's ImageOps.exif_transpose) from `in` into `out`.
/// Orientation 1 copies. Works for any channel count and sample size.
void apply_orientation(const image& in, int orientation, image& out);

}  // namespace imgbatch::detail
