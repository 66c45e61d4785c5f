#include "target/boxes_target.hpp"
#include "target/depth_target.hpp"
#include "target/instance_masks_target.hpp"
#include "target/mask_target.hpp"
#include "target/target.hpp"

namespace imgbatch::detail {

target_set make_targets(const pipeline_spec& spec) {
  target_set set;
  if (spec.targets.mask) set.list.push_back(std::make_unique<mask_target_kind>(spec));
  if (spec.targets.depth) set.list.push_back(std::make_unique<depth_target_kind>(*spec.targets.depth));
  if (spec.targets.boxes) {
    set.list.push_back(std::make_unique<boxes_target_kind>(*spec.targets.boxes));
    set.boxes = &*spec.targets.boxes;
    set.wants_boxes = true;
  }
  if (spec.targets.instance_masks) {
    set.list.push_back(std::make_unique<instance_masks_target_kind>(spec));
    set.wants_boxes = true;
  }
  return set;
}

}  // namespace imgbatch::detail
