#pragma once

#include "decode/image.hpp"
#include "transform/view.hpp"

#include <vector>

namespace imgbatch::detail {

/// torchvision's gaussian_blur on 8-bit pixels: the float32 kernel exp(-0.5 (x / sigma)^2) over
/// x = linspace(-(k-1)/2, (k-1)/2, k), normalised; reflect padding (-1 reads 1); applied separably in
/// float32, rows then columns, rounded half to even. `out` must not alias `in`.
void gaussian_blur(const image_view& in, int kernel_h, int kernel_w, double sigma, image& out,
                   std::vector<float>& scratch);

/// The normalised float32 kernel torchvision builds (_get_gaussian_kernel1d).
std::vector<float> gaussian_kernel(int size, double sigma);

}  // namespace imgbatch::detail
