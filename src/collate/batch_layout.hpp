#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include "transform/execute.hpp"
#include "transform/normalize.hpp"

#include <cstddef>
#include <optional>

namespace imgbatch::detail {

/// How samples are laid out in a batch's tensors, fixed from the spec: names, dtypes, layout.
/// Writers put one sample straight into its slot (write once), folding in trailing flips.
class batch_layout {
 public:
  explicit batch_layout(const pipeline_spec& spec);

  /// Creates the tensors of an empty batch buffer (names in output order).
  void init(detail::batch_data& b) const;
  /// Shapes every tensor for `n` samples of h×w. Grows storage only when needed.
  void shape(detail::batch_data& b, std::size_t n, int h, int w) const;

  void write_image(detail::batch_data& b, std::size_t slot, const exec_result& px, const pixel_lut& lut) const;
  void write_mask(detail::batch_data& b, std::size_t slot, const exec_result& px) const;

  bool has_mask() const noexcept { return mask_.has_value(); }
  const std::optional<mask_target>& mask() const noexcept { return mask_; }
  dtype mask_type() const noexcept { return mask_type_; }

 private:
  layout layout_;
  dtype image_type_;
  std::optional<mask_target> mask_;
  dtype mask_type_ = dtype::int64;
};

}  // namespace imgbatch::detail
