#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include "target/target.hpp"
#include "transform/execute.hpp"
#include "transform/normalize.hpp"

#include <array>
#include <cstddef>

namespace imgbatch::detail {

/// The image tensor (and `valid`, when batches are padded): names, dtype, layout, padding. The
/// targets' tensors follow, each target laying out its own. Writers put one sample straight into its
/// slot (write once), folding in trailing flips.
class batch_layout {
 public:
  batch_layout(const pipeline_spec& spec, const target_set& targets);

  /// Creates the tensors of an empty batch buffer (names in output order).
  void init(batch_data& b) const;
  /// Shapes every tensor (image, valid, targets). Grows storage only when needed.
  void shape(batch_data& b, const batch_shape& s) const;

  /// Writes the image of slot `slot` (out_h × out_w at the top-left; the rest is the pad value) and,
  /// when padded, its valid mask: 1 inside `visible` (x1, y1, x2, y2), 0 elsewhere.
  void write_image(batch_data& b, std::size_t slot, const exec_result& px, const pixel_lut& lut,
                   const batch_shape& s) const;
  void write_valid(batch_data& b, std::size_t slot, const std::array<int, 4>& visible, const batch_shape& s) const;
  /// The same from a plane of 0/1 (a plane of ones run through the sample's plan), for footprints that
  /// are no rectangle.
  void write_valid(batch_data& b, std::size_t slot, const exec_result& ones, const batch_shape& s) const;
  /// random_erasing: sets the rectangle of slot `slot`'s image to its value (output units) or to
  /// standard normal noise drawn channel by channel, row by row.
  void erase(batch_data& b, std::size_t slot, const erase_box& e, const batch_shape& s) const;
  bool has_valid() const noexcept { return valid_; }

 private:
  layout layout_;
  dtype image_type_;
  bool valid_;
  std::array<float, 3> pad_value_{0, 0, 0};
  const target_set* targets_;
};

}  // namespace imgbatch::detail
