#pragma once

#include <imgbatch/tensor.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imgbatch {

/// How the dataset is laid out on disk (DESIGN.md §3, `dataset`).
enum class dataset_format {
  folder,  ///< `images` folder, plus `masks` matched by relative path without extension
  list,    ///< a tab-separated manifest: image path, then mask path when a mask target is set
};

struct dataset_spec {
  dataset_format format = dataset_format::folder;
  std::filesystem::path root;               ///< relative paths resolve against the spec's folder
  std::filesystem::path images = "images";  ///< folder format: under root
  std::filesystem::path masks;              ///< folder format: under root; empty for none
  std::filesystem::path manifest;           ///< list format: the manifest file, under root
};

enum class mask_encoding { index, one_hot };

/// A class mask per image: palette indices or grey values, never colours.
struct mask_target {
  int num_classes = 0;
  int ignore_index = 255;  ///< -1 for none
  mask_encoding encoding = mask_encoding::index;
  /// Element type of the output; default int64 for `index`, uint8 for `one_hot`.
  std::optional<dtype> type;
};

struct targets_spec {
  std::optional<mask_target> mask;
};

struct sampler_spec {
  bool shuffle = false;
  bool replacement = false;  ///< draw with replacement (epoch length = dataset size)
  std::uint64_t seed = 0;
  bool drop_last = false;
  int rank = 0;        ///< this process's shard
  int world_size = 1;  ///< shards; every shard gets the same number of samples
};

/// Sizes are [height, width].
using size2 = std::array<int, 2>;

/// Resize: to a fixed `size`, or so the shorter side is `shorter` (aspect kept; the longer side is then
/// capped at `max_longer` when set). Image: bilinear with antialias (Pillow BILINEAR); masks: nearest.
struct resize_op {
  std::optional<size2> size;
  int shorter = 0;
  int max_longer = 0;
};
/// Centre crop to `size`; a side larger than the image is padded (image 0, mask ignore_index).
struct center_crop_op {
  size2 size{0, 0};
};
/// Random crop to `size`; with `pad_if_needed` a smaller image is padded first, otherwise it is an error.
struct random_crop_op {
  size2 size{0, 0};
  bool pad_if_needed = false;
};
struct hflip_op {
  double p = 0.5;
};
struct vflip_op {
  double p = 0.5;
};
/// (pixel / 255 - mean) / std per channel, to float. Must be the last op.
struct normalize_op {
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};
/// pixel / 255, to float. Must be the last op.
struct to_float_op {};

using transform =
    std::variant<resize_op, center_crop_op, random_crop_op, hflip_op, vflip_op, normalize_op, to_float_op>;

/// The `op` name of a transform as written in the spec.
std::string_view op_name(const transform& t) noexcept;

enum class layout { nchw, nhwc };

struct batch_spec {
  int size = 1;
  layout image_layout = layout::nchw;
  dtype image_type = dtype::float32;  ///< float32 or uint8
};

enum class error_policy {
  fail,  ///< the iterator throws a sample_error naming the file
};

struct decode_spec {
  bool apply_exif = true;                 ///< `"exif": "apply" | "ignore"`
  std::uint64_t max_pixels = 89'478'485;  ///< declared width*height above this is rejected before allocation
  int max_scans = 500;                    ///< progressive JPEG scan limit
  bool strict = true;                     ///< a corrupt-data warning is an error
};

struct loader_spec {
  int threads = 0;           ///< worker threads; 0 = hardware concurrency
  int prefetch_batches = 4;  ///< batch buffers in flight (bounds memory)
  error_policy on_error = error_policy::fail;
};

/// Everything a loader needs: built in code or read from JSON (DESIGN.md §3). A plain aggregate;
/// `loader`'s constructor validates it once.
struct pipeline_spec {
  dataset_spec dataset;
  targets_spec targets;
  sampler_spec sampler;
  std::vector<transform> transforms;
  batch_spec batch;
  decode_spec decode;
  loader_spec loader;
  /// Folder that relative paths resolve against (the spec file's folder; current directory if empty).
  std::filesystem::path base_dir;

  /// Reads and validates a JSON spec; throws config_error naming the key path on any problem.
  static pipeline_spec from_file(const std::filesystem::path& path);
  /// Parses JSON text; relative paths resolve against `base_dir`.
  static pipeline_spec from_json(std::string_view json, const std::filesystem::path& base_dir = {});
  /// Throws config_error on the first inconsistency (also called by the loader).
  void validate() const;
  /// The spec as JSON, version 1, readable by `from_json`.
  std::string to_json() const;
};

}  // namespace imgbatch
