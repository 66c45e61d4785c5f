#pragma once

#include <cstdint>
#include <filesystem>

namespace imgbatch::detail {

/// Writes a small segmentation dataset made by imgbatch itself, so the demo needs no download:
/// OUT/seg/images/NNNN.jpg (procedural scenes: textured sky and ground, shaded overlapping objects,
/// sensor grain; 320–640 px a side), OUT/seg/masks/NNNN.png (8-bit palette, class per object,
/// 0 = background, 255 = ignore band along object borders, as Pascal VOC), and OUT/seg.json; the same
/// scenes as COCO instances in OUT/seg/annotations.json (box of each object's visible pixels, its
/// outline as a polygon, VOC class names) with OUT/det.json; OUT/seg/depth/NNNN.png (16-bit, metres *
/// 256 as KITTI, 0 where nothing was measured: the sky and 2% dropouts) with OUT/depth.json; and
/// OUT/gen.json (unlabelled generation pipeline on the same images).
/// Deterministic for a given seed. Throws imgbatch::error on a write failure.
void make_sample_dataset(const std::filesystem::path& out, int count, std::uint64_t seed);

}  // namespace imgbatch::detail
