#include "target/instance_masks_target.hpp"

#include "dataset/rle.hpp"
#include "decode/orientation.hpp"
#include "target/raster_write.hpp"

#include <algorithm>
#include <cstring>

namespace imgbatch::detail {
namespace {
struct instance_scratch : target_scratch {
  image raster, oriented;
  std::vector<std::uint32_t> counts;
};
}  // namespace

instance_masks_target_kind::instance_masks_target_kind(const pipeline_spec& spec)
    : max_boxes_(spec.targets.boxes ? spec.targets.boxes->max_boxes : 0) {}

void instance_masks_target_kind::add_tensors(batch_data& b) const {
  b.tensors.emplace_back("instance_masks", tensor{});
}

std::unique_ptr<target_scratch> instance_masks_target_kind::make_scratch() const {
  return std::make_unique<instance_scratch>();
}

std::size_t instance_masks_target_kind::box_count(const sample_view& s) const {
  return kept_boxes(s.plan.boxes, max_boxes_);
}

void instance_masks_target_kind::shape(batch_data& b, const batch_shape& s) const {
  b.find("instance_masks")
      ->reshape(dtype::uint8,
                {static_cast<std::int64_t>(s.n), static_cast<std::int64_t>(s.max_boxes), s.height, s.width});
}

void instance_masks_target_kind::write(const sample_view& s, target_scratch* scratch, exec_scratch& ex, batch_data& b,
                                       std::size_t slot, const batch_shape& shape) const {
  auto& m = static_cast<instance_scratch&>(*scratch);
  const std::size_t plane = static_cast<std::size_t>(shape.height) * shape.width, M = shape.max_boxes;
  std::uint8_t* dst = b.find("instance_masks")->data<std::uint8_t>() + slot * M * plane;
  const box_set& boxes = s.plan.boxes;
  const std::size_t n = std::min(box_count(s), M);
  const annotation_space space = s.annotations();
  const bool orient = space.orient;
  const int h = space.height, w = space.width;
  const auto annotations = s.index.annotations_of(s.record);
  const std::uint8_t zero = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const annotation& a = annotations[boxes.source[i]];
    image& r = orient ? m.oriented : m.raster;
    r.reset(w, h, 1, 1);
    std::fill(r.pixels.begin(), r.pixels.end(), std::uint8_t{0});
    if (a.segm != annotation::no_segmentation)
      paint_segmentation(s.index.segmentations[a.segm], h, w, 1, r.pixels.data(), m.counts);
    if (orient) apply_orientation(m.oriented, s.header.orientation, m.raster);
    const exec_result px = run_plan(s.plan, image_view::of(m.raster), resample::nearest, &zero, ex);
    write_plane<std::uint8_t, std::uint8_t>(px, dst + i * plane, shape.height, shape.width, 0,
                                            [](std::uint8_t v) { return v; });
  }
  std::memset(dst + n * plane, 0, (M - n) * plane);
}

}  // namespace imgbatch::detail
