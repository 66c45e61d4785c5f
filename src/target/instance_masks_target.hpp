#pragma once

#include "target/target.hpp"

namespace imgbatch::detail {

/// `instance_masks`: N×M×H×W uint8, one binary mask per box row of `boxes` (COCO polygons or RLE,
/// rasterised as the COCO API does at the annotation's size), moved by nearest neighbour with the
/// same plan as the image. Rows past a sample's box count and padding are 0.
class instance_masks_target_kind final : public target {
 public:
  explicit instance_masks_target_kind(const pipeline_spec& spec);
  std::string_view name() const noexcept override { return "instance_masks"; }
  void add_tensors(batch_data& b) const override;
  std::unique_ptr<target_scratch> make_scratch() const override;
  std::size_t box_count(const sample_view& s) const override;
  void shape(batch_data& b, const batch_shape& s) const override;
  void write(const sample_view& s, target_scratch* scratch, exec_scratch& ex, batch_data& b, std::size_t slot,
             const batch_shape& shape) const override;

 private:
  int max_boxes_;
};

}  // namespace imgbatch::detail
