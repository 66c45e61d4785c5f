#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include <string>
#include <vector>

namespace imgbatch::detail {

/// Writes a batch as one PNG grid, ceil(sqrt(N)) tiles a row, 4-pixel gaps: each image with the final
/// normalize/to_float undone, its class mask blended on top in the VOC colours (0.55 image + 0.45 colour;
/// ignore pixels whitened), instance masks tinted, boxes drawn 2 pixels wide in the colour of label + 1
/// with their class names; padding (output pixels whose centre maps outside the source image) hatched:
/// where ((x + y) / 4) is even, halved. With a depth target, each tile is the image and, 4 pixels to its
/// right, the depth map in viridis (within 6 levels of matplotlib's), linear in 1/depth over the batch's measured
/// range: nearest yellow (253, 231, 37),
/// farthest purple (68, 1, 84), no measurement black. Throws imgbatch::error on failure.
void write_preview(const batch& b, const pipeline_spec& spec, const std::vector<class_info>& classes,
                   const std::string& path);

}  // namespace imgbatch::detail
