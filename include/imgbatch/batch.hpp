#pragma once

#include <imgbatch/tensor.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgbatch {

/// Where a sample's output pixels came from, so a prediction can be mapped back to the source image.
/// Coordinates are continuous pixel coordinates with the origin at the top-left corner of the
/// top-left pixel: output = source * scale + offset, per axis (scale is negative on a flipped axis).
struct sample_geometry {
  int source_height = 0;  ///< decoded height, after EXIF orientation
  int source_width = 0;
  int exif_orientation = 1;  ///< 1..8 as stored in the file; 1 when ignored or absent
  int output_height = 0;
  int output_width = 0;
  double scale_x = 1, scale_y = 1;
  double offset_x = 0, offset_y = 0;
  bool hflip = false, vflip = false;  ///< net flips applied
  /// The source rectangle that is visible in the output (x, y, width, height), in source pixels.
  double crop_x = 0, crop_y = 0, crop_width = 0, crop_height = 0;
};

/// One sample of a batch: its dataset index, its files and its geometry.
struct sample_info {
  std::uint64_t id = 0;
  std::string image_path;
  std::string mask_path;  ///< empty when the pipeline has no mask target
  sample_geometry geometry;
};

namespace detail {
/// The storage behind a batch. Internal: reach it through `batch`.
struct batch_data {
  std::uint64_t epoch = 0;
  std::uint64_t index = 0;  ///< batch index within the epoch
  std::size_t size = 0;     ///< samples in this batch
  std::vector<std::pair<std::string, tensor>> tensors;
  std::vector<sample_info> samples;
};
}  // namespace detail

/// A ready batch: named tensors (`image`, `mask`, ...) plus per-sample information.
/// A cheap, copyable handle: the buffer returns to the loader's pool when the last copy is dropped,
/// so hold a batch only as long as needed (the loader keeps at most `prefetch_batches` buffers).
/// Reading is thread-safe. A batch may outlive its loader.
class batch {
 public:
  batch() = default;
  explicit batch(std::shared_ptr<const detail::batch_data> data) : data_(std::move(data)) {}

  /// Samples in this batch (the leading dimension of every tensor).
  std::size_t size() const noexcept { return data_ ? data_->size : 0; }
  std::uint64_t index() const noexcept { return data_ ? data_->index : 0; }
  std::uint64_t epoch() const noexcept { return data_ ? data_->epoch : 0; }
  /// The named tensor; throws std::out_of_range listing the tensors this batch has.
  const tensor& operator[](std::string_view name) const;
  /// The named tensor, or nullptr.
  const tensor* find(std::string_view name) const noexcept;
  /// Names of the tensors, in output order.
  std::vector<std::string_view> names() const;
  std::span<const sample_info> samples() const noexcept {
    return data_ ? std::span<const sample_info>(data_->samples.data(), data_->size) : std::span<const sample_info>{};
  }
  explicit operator bool() const noexcept { return data_ != nullptr; }

 private:
  std::shared_ptr<const detail::batch_data> data_;
};

}  // namespace imgbatch
