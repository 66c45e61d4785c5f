#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace imgbatch::detail {

/// Which target a per-sample file feeds. A new file-based target adds one value here and one folder or
/// column to the readers; nothing else in the dataset layer knows about targets.
enum class file_role : std::uint8_t { mask, depth };
std::string_view role_name(file_role r) noexcept;

/// A COCO segmentation: polygons (x0 y0 x1 y1 ... per ring) or a run-length encoding (counts,
/// column-major as in the COCO API, over h × w).
struct segmentation {
  std::vector<std::vector<double>> polygons;
  std::vector<std::uint32_t> rle_counts;
  int rle_height = 0, rle_width = 0;
  bool is_rle() const noexcept { return rle_height > 0; }
};

/// One annotated object. Coordinates are x1, y1, x2, y2 in the annotation's frame (pixels), or in
/// 0..1 of the image size when the record says `normalized`.
struct annotation {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  std::int32_t label = 0;
  std::uint8_t flags = 0;  ///< box_flag_crowd, box_flag_difficult, region_only
  /// Internal flag: a crowd region painted as ignore_index in masks, never output as a box.
  static constexpr std::uint8_t region_only = 0x80;
  std::uint32_t segm = no_segmentation;
  static constexpr std::uint32_t no_segmentation = 0xffffffffu;
};

/// One record of the index: the image and what its targets need. The id is the record's position in
/// the index, stable for a given dataset.
struct sample_record {
  std::uint64_t id = 0;
  std::int64_t source_id = -1;  ///< the dataset's own id for the image (COCO image id)
  std::string image;
  std::vector<std::pair<file_role, std::string>> files;
  std::uint32_t first_annotation = 0, annotation_count = 0;  ///< into dataset_index::annotations
  int width = 0, height = 0;                                 ///< size the annotations declare (0 = not declared)
  bool normalized = false;      ///< annotation coordinates are fractions of the decoded size (YOLO)
  std::string annotation_file;  ///< where the annotations came from, for messages (may be empty)

  const std::string* file(file_role r) const noexcept {
    for (const auto& [role, path] : files)
      if (role == r) return &path;
    return nullptr;
  }
};

/// Something wrong in the dataset, found while indexing: `file` is the file at fault, `entry` the
/// element inside it (an annotation id, a line number), `reason` what is wrong.
struct index_problem {
  std::string file;
  std::string entry;
  std::string reason;
  /// The loader refuses a dataset with a fatal problem; the others it mends as the reason says
  /// (a box clipped to its image, a degenerate box dropped) and `imgbatch check` still lists them.
  bool fatal = true;
  std::string text() const { return file + (entry.empty() ? "" : ": " + entry) + ": " + reason; }
};

/// The dataset as the loader sees it: records plus annotation storage and the class table.
struct dataset_index {
  std::vector<sample_record> records;
  std::vector<annotation> annotations;
  std::vector<segmentation> segmentations;
  std::vector<class_info> classes;  ///< empty for datasets without classes (folder, list)
  std::vector<index_problem> problems;
  std::size_t dropped_crowd = 0, dropped_empty = 0, skipped_missing = 0;

  std::span<const annotation> annotations_of(const sample_record& r) const noexcept {
    return {annotations.data() + r.first_annotation, r.annotation_count};
  }
};

/// Lists the samples the spec describes. Problems in annotations are collected in `problems`; with
/// `throw_on_problems` the first few are thrown as one dataset_error (the loader), otherwise the caller
/// reports them (`imgbatch check`). Missing folders and unreadable files always throw dataset_error.
dataset_index build_index(const pipeline_spec& spec, bool throw_on_problems = true);

/// The longest path a dataset file may name (Linux's PATH_MAX); a longer name is a problem, reported
/// clipped, never read.
inline constexpr std::size_t max_path_bytes = 4096;

/// Reads an annotation, label, manifest or class names file whole, within dataset.max_metadata_bytes
/// (regular files only: a FIFO never blocks), with `padding` bytes of capacity beyond its size. Returns
/// the reason it cannot be read, without the path, or an empty string.
std::string read_dataset_file(const pipeline_spec& spec, const std::filesystem::path& file, std::string& out,
                              std::size_t padding = 0);

/// base_dir / root / p, or p itself when absolute.
std::filesystem::path resolve(const pipeline_spec& spec, const std::filesystem::path& p);

void read_folder(const pipeline_spec& spec, dataset_index& out);
void read_list(const pipeline_spec& spec, dataset_index& out);
void read_coco(const pipeline_spec& spec, dataset_index& out);
void read_voc(const pipeline_spec& spec, dataset_index& out);
void read_yolo(const pipeline_spec& spec, dataset_index& out);

}  // namespace imgbatch::detail
