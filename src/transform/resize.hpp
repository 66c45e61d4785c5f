#pragma once

#include "decode/image.hpp"
#include "transform/view.hpp"

#include <cstdint>
#include <vector>

namespace imgbatch::detail {

/// Scratch reused across calls by one thread.
struct resize_scratch {
  image horizontal;
  std::vector<int> bounds;
  std::vector<std::int32_t> coeffs;
  std::vector<std::int16_t> pair_coeffs;  // coeffs split for the AVX2 RGB pass
  std::vector<int> vbounds;
  std::vector<std::int32_t> vcoeffs;
  std::vector<std::int32_t> acc;
  std::vector<double> weights;  // one output pixel's filter taps while computing coefficients
  image flipped;                // a flip that could not be folded into the resize
};

/// Bilinear resize of 8-bit samples with Pillow's arithmetic (Resample.c): half-pixel centres, filter
/// support widened by the shrink factor (antialias), 22-bit fixed-point coefficients, horizontal pass
/// first. Equals Pillow's Image.resize(..., BILINEAR) on the same input. mirror_x / mirror_y resize the
/// source flipped left-right / top-bottom, with the same bytes as flipping first: the flip is folded
/// into the filter windows (each sum takes the same integer terms in another order).
void resize_bilinear(const image_view& src, int out_h, int out_w, image& out, resize_scratch& scratch,
                     bool mirror_x = false, bool mirror_y = false);

/// Nearest neighbour with source index floor((dst + 0.5) * in / out), computed as Pillow's NEAREST does
/// (a running double sum) so results equal Pillow's; any sample size (masks, 16-bit depth). Never blends.
/// mirror_x / mirror_y read the source flipped (the mirrored source index).
void resize_nearest(const image_view& src, int out_h, int out_w, image& out, std::vector<int>& xmap,
                    bool mirror_x = false, bool mirror_y = false);

/// Validity-aware area average of one-channel float32 samples where NaN means "no value" (depth): each
/// output pixel is the mean of the non-NaN source pixels whose centres lie in its footprint
/// [dst * in / out, (dst + 1) * in / out) on both axes, NaN when all of them are NaN. Where no centre
/// lies in the footprint (enlarging), the source pixel floor((dst + 0.5) * in / out) is taken as it is.
void resize_valid_average(const image_view& src, int out_h, int out_w, image& out, std::vector<int>& spans);

}  // namespace imgbatch::detail
