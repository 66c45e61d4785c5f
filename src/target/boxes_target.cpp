#include "target/boxes_target.hpp"

#include <algorithm>

namespace imgbatch::detail {

void boxes_target_kind::add_tensors(batch_data& b) const {
  b.tensors.emplace_back("boxes", tensor{});
  b.tensors.emplace_back("labels", tensor{});
  b.tensors.emplace_back("box_count", tensor{});
  b.tensors.emplace_back("box_flags", tensor{});
}

std::size_t boxes_target_kind::box_count(const sample_view& s) const {
  return kept_boxes(s.plan.boxes, spec_.max_boxes);
}

void boxes_target_kind::shape(batch_data& b, const batch_shape& s) const {
  const auto N = static_cast<std::int64_t>(s.n), M = static_cast<std::int64_t>(s.max_boxes);
  b.find("boxes")->reshape(dtype::float32, {N, M, 4});
  b.find("labels")->reshape(dtype::int32, {N, M});
  b.find("box_count")->reshape(dtype::int32, {N});
  b.find("box_flags")->reshape(dtype::uint8, {N, M});
}

void boxes_target_kind::write(const sample_view& s, target_scratch*, exec_scratch&, batch_data& b, std::size_t slot,
                              const batch_shape& shape) const {
  const std::size_t M = shape.max_boxes;
  const box_set& set = s.plan.boxes;
  const std::size_t n = std::min(box_count(s), M);
  if (set.size() > n) truncated_.fetch_add(set.size() - n, std::memory_order_relaxed);
  float* boxes = b.find("boxes")->data<float>() + slot * M * 4;
  std::int32_t* labels = b.find("labels")->data<std::int32_t>() + slot * M;
  std::uint8_t* flags = b.find("box_flags")->data<std::uint8_t>() + slot * M;
  const double kx = spec_.normalized ? 1.0 / s.plan.out_w : 1.0, ky = spec_.normalized ? 1.0 / s.plan.out_h : 1.0;
  const auto annotations = s.index.annotations_of(s.record);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = set.box[i];
    const double x1 = r[0] * kx, y1 = r[1] * ky, x2 = r[2] * kx, y2 = r[3] * ky;
    double v[4] = {x1, y1, x2, y2};
    switch (spec_.format) {
      case box_format::xyxy:
        v[0] = x1, v[1] = y1, v[2] = x2, v[3] = y2;
        break;
      case box_format::xywh:
        v[0] = x1, v[1] = y1, v[2] = x2 - x1, v[3] = y2 - y1;
        break;
      case box_format::cxcywh:
        v[0] = 0.5 * (x1 + x2), v[1] = 0.5 * (y1 + y2), v[2] = x2 - x1, v[3] = y2 - y1;
        break;
    }
    for (int k = 0; k < 4; ++k) boxes[i * 4 + k] = static_cast<float>(v[k]);
    const annotation& a = annotations[set.source[i]];
    labels[i] = a.label;
    flags[i] = a.flags & (box_flag_crowd | box_flag_difficult);
  }
  std::fill(boxes + n * 4, boxes + M * 4, 0.0f);
  std::fill(labels + n, labels + M, -1);
  std::fill(flags + n, flags + M, std::uint8_t{0});
  b.find("box_count")->data<std::int32_t>()[slot] = static_cast<std::int32_t>(n);
}

void boxes_target_kind::finish(batch_data& b, const batch_shape& shape) const {
  const std::size_t M = shape.max_boxes;
  const std::int32_t* count = b.find("box_count")->data<std::int32_t>();
  const float* boxes = b.find("boxes")->data<float>();
  const std::int32_t* labels = b.find("labels")->data<std::int32_t>();
  const std::uint8_t* flags = b.find("box_flags")->data<std::uint8_t>();
  b.box_offsets.assign(1, 0);
  b.flat_boxes.clear();
  b.flat_labels.clear();
  b.flat_flags.clear();
  for (std::size_t i = 0; i < shape.n; ++i) {
    const auto n = std::min(static_cast<std::size_t>(std::max(count[i], 0)), M);  // a failed slot may hold stale values
    b.flat_boxes.insert(b.flat_boxes.end(), boxes + i * M * 4, boxes + i * M * 4 + n * 4);
    b.flat_labels.insert(b.flat_labels.end(), labels + i * M, labels + i * M + n);
    b.flat_flags.insert(b.flat_flags.end(), flags + i * M, flags + i * M + n);
    b.box_offsets.push_back(b.box_offsets.back() + static_cast<std::int64_t>(n));
  }
}

}  // namespace imgbatch::detail
