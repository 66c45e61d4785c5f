#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include "dataset/dataset.hpp"
#include "decode/decode_options.hpp"
#include "transform/execute.hpp"
#include "transform/plan.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace imgbatch::detail {

class decoder;
class sample_source;

/// The shape every tensor of one batch takes, fixed once every sample of the batch is planned.
struct batch_shape {
  std::size_t n = 0;          ///< samples
  int height = 0, width = 0;  ///< of the (padded) image tensor
  std::size_t max_boxes = 0;  ///< M of the N×M box tensors
};

/// The pixel grid a sample's annotations are drawn on: its size, and whether the EXIF orientation must
/// then move them into the decoded image's frame (annotation_frame::stored with orientation applied).
struct annotation_space {
  int width = 0, height = 0;
  bool orient = false;
};
inline annotation_space annotation_space_of(const image_header& h, const decode_options& d,
                                            annotation_frame f) noexcept {
  const bool orient = f == annotation_frame::stored && d.apply_exif && h.orientation != 1;
  const bool stored_grid = orient || !d.apply_exif;
  return {stored_grid ? h.width : h.oriented_width(), stored_grid ? h.height : h.oriented_height(), orient};
}

/// How many of a sample's planned boxes make it into the batch: all of them, or the first `max_boxes`
/// when that is set (boxes.max_boxes; 0 = no cap). Shared by every target that writes one row per box.
inline std::size_t kept_boxes(const box_set& boxes, int max_boxes) noexcept {
  return max_boxes > 0 ? std::min(boxes.size(), static_cast<std::size_t>(max_boxes)) : boxes.size();
}

/// What a target sees of one sample.
struct sample_view {
  const sample_record& record;
  const dataset_index& index;
  const image_header& header;  ///< of the image: stored size and EXIF orientation
  const sample_plan& plan;     ///< its geometry, boxes already moved
  const decode_options& decode;
  annotation_frame frame = annotation_frame::decoded;
  std::atomic<std::size_t>* largest_file = nullptr;  ///< shared growth size of file buffers (read_file)
  const sample_source& source;                       ///< where its files are read from
  annotation_space annotations() const noexcept { return annotation_space_of(header, decode, frame); }
};

/// A target's per-thread working memory for one sample (decoded rasters, file bytes). Borrowed with
/// the sample's workspace during decode and write, so it costs memory per sample in flight.
struct target_scratch {
  virtual ~target_scratch() = default;
};

/// A sample's target could not be loaded: the file at fault and the reason.
class target_failure : public std::runtime_error {
 public:
  target_failure(std::string file, const std::string& reason) : std::runtime_error(reason), file_(std::move(file)) {}
  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
};

/// One kind of target (mask, boxes, instance masks, ...): what it reads, how the plan moves it, how it
/// is written into its batch tensors. Stateless and shared by all workers; per-sample memory lives in
/// its scratch. Every method may throw target_failure (or any exception) for one sample.
class target {
 public:
  virtual ~target() = default;
  /// The target's name, as in the spec's `targets` section.
  virtual std::string_view name() const noexcept = 0;
  /// Adds this target's tensors to an empty batch buffer, in output order.
  virtual void add_tensors(batch_data& b) const = 0;
  virtual std::unique_ptr<target_scratch> make_scratch() const { return nullptr; }
  /// The sample's file for this target, if it reads one (shown in sample_info and messages).
  virtual const std::string* file(const sample_record&) const { return nullptr; }
  /// Boxes this sample contributes to the batch's M (after planning).
  virtual std::size_t box_count(const sample_view&) const { return 0; }
  /// Shapes its tensors for a batch (storage grows only when needed).
  virtual void shape(batch_data& b, const batch_shape& shape) const = 0;
  /// Reads and decodes what needs pixels, after the image is decoded; checks it against the image.
  virtual void decode(const sample_view&, target_scratch*, decoder&, int /*image_height*/, int /*image_width*/) const {}
  /// Moves the sample's data by its plan and writes it into slot `slot`; padding gets the fill value.
  virtual void write(const sample_view& s, target_scratch* scratch, exec_scratch& ex, batch_data& b, std::size_t slot,
                     const batch_shape& shape) const = 0;
  /// After every sample of the batch is written (failed samples included).
  virtual void finish(batch_data&, const batch_shape&) const {}
};

/// The targets a pipeline produces, in output order after the image.
struct target_set {
  std::vector<std::unique_ptr<target>> list;
  /// Whether samples carry boxes through the plan (a boxes or instance-masks target).
  bool wants_boxes = false;
  /// The boxes target's options, when it is there.
  const boxes_target* boxes = nullptr;
};

/// Builds the targets the spec asks for.
target_set make_targets(const pipeline_spec& spec);

}  // namespace imgbatch::detail
