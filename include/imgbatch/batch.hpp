#pragma once

#include <imgbatch/export.hpp>
#include <imgbatch/tensor.hpp>

#include <array>
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
/// top-left pixel: output = matrix · (x, y, 1). Without random_affine the map is axis-aligned,
/// output = source * scale + offset per axis (scale negative on a flipped axis), and `scale_*`,
/// `offset_*` hold it; with a rotation or shear only `matrix` describes it.
struct IMGBATCH_API sample_geometry {
  int source_height = 0;  ///< decoded height, after EXIF orientation
  /// Decoded width, after EXIF orientation.
  int source_width = 0;
  int exif_orientation = 1;  ///< 1..8 as stored in the file; 1 when ignored or absent
  int output_height = 0;     ///< height after the transforms, before batch padding
  int output_width = 0;      ///< width after the transforms, before batch padding
  /// x' = m[0] x + m[1] y + m[2], y' = m[3] x + m[4] y + m[5].
  std::array<double, 6> matrix{1, 0, 0, 0, 1, 0};
  /// matrix[0]: the x scale of the axis-aligned map, negative when mirrored left-right.
  double scale_x = 1, scale_y = 1;  ///< matrix[4]: the y scale, negative when mirrored top-bottom
  /// matrix[2]: the x offset of the axis-aligned map, in output pixels.
  double offset_x = 0, offset_y = 0;  ///< matrix[5]: the y offset, in output pixels
  /// Mirrored left-right: the net of the horizontal flips applied.
  bool hflip = false, vflip = false;  ///< mirrored top-bottom: the net of the vertical flips applied
  /// The source rectangle that is visible in the output (x, y, width, height), in source pixels; after
  /// a rotation or shear, the rectangle enclosing the visible part.
  double crop_x = 0, crop_y = 0, crop_width = 0, crop_height = 0;
  /// \var crop_y
  /// Top edge of the visible source rectangle, in source pixels.
  /// \var crop_width
  /// Width of the visible source rectangle, in source pixels.
  /// \var crop_height
  /// Height of the visible source rectangle, in source pixels.

  /// A point in output pixels mapped back to the source image (decoded frame): the exact inverse of
  /// `matrix`. Points outside the visible crop map outside it too.
  std::array<double, 2> point_to_source(double x, double y) const noexcept;
  /// A box (x1, y1, x2, y2) in output pixels mapped back to the source image (decoded frame): the box
  /// enclosing its four corners mapped back.
  std::array<double, 4> box_to_source(const std::array<double, 4>& xyxy) const noexcept;
  /// A box in the decoded frame mapped to the file's stored pixel grid (undoing EXIF orientation).
  std::array<double, 4> box_to_stored(const std::array<double, 4>& xyxy) const noexcept;
  /// A label map predicted at output size (rows of `width` values, `height` rows, padding included)
  /// resampled to the source size by nearest neighbour: source pixel (x, y) takes the output pixel
  /// under its centre; pixels outside the visible crop, or mapped outside the output, get `fill`.
  /// `out` holds source_height × source_width values.
  void mask_to_source(const std::uint8_t* mask, int height, int width, std::uint8_t fill,
                      std::uint8_t* out) const noexcept;
};

/// One sample of a batch: its dataset index, its files and its geometry.
struct sample_info {
  std::uint64_t id = 0;  ///< position in the dataset index
  /// Position of this draw in the epoch's global order (all ranks, padding included). Random ops are
  /// keyed by (seed, epoch, position), so the same sample drawn twice is augmented independently.
  std::uint64_t position = 0;
  std::int64_t source_id = -1;  ///< the dataset's own image id (COCO `image_id`), -1 where it has none
  std::string image_path;       ///< the image file read for this sample, as the loader opened it
  /// The files read for this sample's targets, as {target name, path} ("mask", later "depth").
  std::vector<std::pair<std::string, std::string>> files;
  sample_geometry geometry;  ///< how the output pixels map back to the source image
  /// The sample's caption, as its text file holds it (`x.txt` beside `x.jpg` in a folder dataset, the
  /// `.txt` member of a WebDataset sample); empty when it has none.
  std::string text;
  /// The file read for the named target, or an empty view.
  std::string_view file(std::string_view target) const noexcept {
    for (const auto& [t, p] : files)
      if (t == target) return p;
    return {};
  }
};

/// A class of an annotated dataset: the label written to tensors, the dataset's own id and its name.
struct class_info {
  /// The label written to tensors: for COCO as `dataset.category_labels` says, for VOC and YOLO the
  /// class's position in the class list.
  std::int32_t label = 0;
  std::int64_t category_id = 0;  ///< COCO category id; for VOC and YOLO the label itself
  std::string name;              ///< COCO category `name`; for VOC and YOLO the name from `dataset.classes`
};

/// Every sample's boxes as flat arrays: sample i owns rows offsets[i] .. offsets[i+1] (no padding).
struct ragged_boxes {
  std::span<const std::int64_t> offsets;  ///< N + 1 entries
  std::span<const float> boxes;           ///< 4 per box, in the `boxes` tensor's format
  std::span<const std::int32_t> labels;   ///< 1 per box, as in the `labels` tensor
  std::span<const std::uint8_t> flags;    ///< 1 per box: box_flag_* bits, as in the `box_flags` tensor
};

/// Bits of `box_flags`.
inline constexpr std::uint8_t box_flag_crowd = 1;      ///< COCO iscrowd
inline constexpr std::uint8_t box_flag_difficult = 2;  ///< VOC difficult

namespace detail {
/// The storage behind a batch. Internal: reach it through `batch`.
struct batch_data {
  std::uint64_t epoch = 0;
  std::uint64_t index = 0;  ///< batch index within the epoch
  std::size_t size = 0;     ///< samples in this batch
  std::vector<std::pair<std::string, tensor>> tensors;
  std::vector<sample_info> samples;
  // The ragged view of the boxes; capacity kept across batches.
  std::vector<std::int64_t> box_offsets;
  std::vector<float> flat_boxes;
  std::vector<std::int32_t> flat_labels;
  std::vector<std::uint8_t> flat_flags;

  tensor* find(std::string_view name) noexcept {
    for (auto& [n, t] : tensors)
      if (n == name) return &t;
    return nullptr;
  }
};
}  // namespace detail

/// A ready batch: named tensors (`image`, `mask`, ...) plus per-sample information.
/// A cheap, copyable handle: the buffer returns to the loader's pool when the last copy is dropped,
/// so hold a batch only as long as needed (the loader keeps at most `prefetch_batches` buffers).
/// Reading is thread-safe. A batch may outlive its loader.
class IMGBATCH_API batch {
 public:
  batch() = default;
  /// Used by the loader: the storage behind a batch is internal.
  explicit batch(std::shared_ptr<const detail::batch_data> data) : data_(std::move(data)) {}

  /// Samples in this batch (the leading dimension of every tensor).
  std::size_t size() const noexcept { return data_ ? data_->size : 0; }
  /// Position of this batch in its epoch (this rank's batches, from 0); 0 for an empty handle.
  std::uint64_t index() const noexcept { return data_ ? data_->index : 0; }
  /// The epoch this batch belongs to; 0 for an empty handle.
  std::uint64_t epoch() const noexcept { return data_ ? data_->epoch : 0; }
  /// The named tensor; throws std::out_of_range listing the tensors this batch has.
  const tensor& operator[](std::string_view name) const;
  /// The named tensor, or nullptr.
  const tensor* find(std::string_view name) const noexcept;
  /// Names of the tensors, in output order.
  std::vector<std::string_view> names() const;
  /// One entry per sample, in the order of the tensors' leading dimension; empty for an empty handle.
  std::span<const sample_info> samples() const noexcept {
    return data_ ? std::span<const sample_info>(data_->samples.data(), data_->size) : std::span<const sample_info>{};
  }
  /// The boxes without padding; empty spans when the pipeline has no boxes target.
  ragged_boxes boxes() const noexcept;
  /// False for an empty handle (default-constructed).
  explicit operator bool() const noexcept { return data_ != nullptr; }

 private:
  std::shared_ptr<const detail::batch_data> data_;
};

}  // namespace imgbatch
