#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace imgbatch::detail {

/// What a sample's file is to it. The image is every record's first file; a new file-based target adds
/// one value here and one folder or column to the readers; nothing else in the dataset layer knows
/// about targets.
enum class file_role : std::uint8_t { image, mask, depth, annotations, text };
std::string_view role_name(file_role r) noexcept;

/// Where a file's bytes are in its source: a whole file of its own, or `size` bytes at `offset` in
/// container `container` (a shard the source lists).
struct file_location {
  static constexpr std::uint32_t whole_file = 0xffffffffu;
  std::uint32_t container = whole_file;
  std::uint64_t offset = 0, size = 0;
};

/// One file of a sample: its role, the name every message, `stats().bad_files` and the quarantine show
/// (its display id: a path, or a shard and the member in it), and where its bytes are.
struct sample_file {
  file_role role = file_role::image;
  std::string name;
  file_location at;
};

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

/// One record of the index: the sample's files and what its targets need. The id is the record's
/// position in the index, stable for a given dataset.
struct sample_record {
  std::uint64_t id = 0;
  std::int64_t source_id = -1;                               ///< the dataset's own id for the image (COCO image id)
  std::vector<sample_file> files;                            ///< the image first, then the files its targets read
  std::uint32_t first_annotation = 0, annotation_count = 0;  ///< into dataset_index::annotations
  int width = 0, height = 0;                                 ///< size the annotations declare (0 = not declared)
  /// The image's header as stored (before EXIF orientation), when indexing read it (0 = not read):
  /// the sampler's aspect bins come from here, never from opening the file.
  int stored_width = 0, stored_height = 0;
  std::uint8_t orientation = 0;  ///< its EXIF orientation, 1-8 (0 = not read)
  bool normalized = false;       ///< annotation coordinates are fractions of the decoded size (YOLO)
  std::string annotation_file;   ///< where the annotations came from, for messages (may be empty)

  /// The image's display id.
  const std::string& image() const noexcept { return files.front().name; }
  const sample_file* find(file_role r) const noexcept {
    for (const sample_file& f : files)
      if (f.role == r) return &f;
    return nullptr;
  }
  /// The display id of its file of role `r`, if it has one.
  const std::string* file(file_role r) const noexcept {
    const sample_file* f = find(r);
    return f ? &f->name : nullptr;
  }
  void add(file_role r, std::string name, file_location at = {}) { files.push_back({r, std::move(name), at}); }
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

/// Lists the samples the spec describes (open_dataset's index). Problems in annotations are collected in `problems`;
/// with `throw_on_problems` the first few are thrown as one dataset_error (the loader), otherwise the caller reports
/// them (`imgbatch check`). Missing folders and unreadable files always throw dataset_error.
dataset_index build_index(const pipeline_spec& spec, bool throw_on_problems = true);

class sample_source;

/// A dataset: the index of its samples and the source their bytes come from.
struct dataset {
  dataset_index index;
  std::unique_ptr<sample_source> source;
  dataset();
  dataset(dataset&&) noexcept;
  dataset& operator=(dataset&&) noexcept;
  ~dataset();
};

/// Indexes the spec's dataset (build_index) and opens its source. When the sampler groups by aspect
/// ratio, the header of every image whose size the annotations do not give is read here, once, into
/// its record (stored_width, stored_height, orientation).
dataset open_dataset(const pipeline_spec& spec, bool throw_on_problems = true);

/// Reads the image headers open_dataset needs for sampler.group_by_aspect. A header that cannot be
/// read leaves the record's size at 0: the sample fails with its real reason when it is loaded.
void read_image_sizes(const pipeline_spec& spec, dataset_index& index, const sample_source& source);

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
/// Indexes WebDataset shards; returns the source that reads their members.
std::unique_ptr<sample_source> read_webdataset(const pipeline_spec& spec, dataset_index& out);

}  // namespace imgbatch::detail
