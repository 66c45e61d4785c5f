#pragma once

#include <imgbatch/export.hpp>
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

/// How the dataset is laid out on disk (`dataset.format` in JSON).
enum class dataset_format {
  folder,  ///< `images` folder, plus `masks` and `depth` folders matched by relative path without extension
  list,  ///< a tab-separated manifest: image path, then the mask path (mask target), then the depth path (depth target)
  coco,  ///< COCO instances JSON (`annotations`) plus an `images` folder
  voc,   ///< Pascal VOC: `images` plus an `annotations` folder of XML files matched by name
  yolo,  ///< `images` plus a `labels` folder of `class cx cy w h` text files matched by name
  /// WebDataset tar shards (`urls`): members grouped into samples by key (the name up to the first dot
  /// of its base name), each member's role given by its extension (`members`)
  webdataset,
};

/// Which member extensions (everything after the first dot of a member's base name, compared in lower
/// case) play which role in a WebDataset sample (`dataset.members`); WebDataset's usual names by default.
struct member_extensions {
  std::vector<std::string> image{"jpg", "jpeg", "png", "webp"};  ///< the image (required in every sample)
  std::vector<std::string> mask{"seg.png"};                      ///< the class mask (targets.mask)
  std::vector<std::string> depth{"depth.png"};                   ///< the depth map (targets.depth)
  /// `{"width", "height", "annotations": [COCO objects]}`: boxes, labels, segmentations; a JSON without
  /// `annotations` (img2dataset's) means no objects
  std::vector<std::string> annotations{"json"};
  std::vector<std::string> text{"txt"};  ///< the caption (`sample_info::text`)
};

/// COCO `iscrowd` annotations: kept as boxes with the crowd flag, dropped, or dropped from the boxes
/// and painted as `ignore_index` in a mask target.
enum class crowd_policy { flag, drop, ignore_region };

/// How COCO category ids become labels.
enum class label_mapping {
  category_id,        ///< the category id itself
  contiguous,         ///< 0..K-1 in ascending category id order (detectron2, YOLO)
  contiguous_from_1,  ///< 1..K, leaving 0 for background (torchvision detection models)
};

/// In which frame annotation coordinates are given. `decoded`: the frame of the decoded image (after
/// EXIF orientation when `decode.exif` applies it), as annotation tools that show photos upright
/// write them. `stored`: the file's stored pixel grid; the EXIF orientation then moves the boxes
/// together with the image.
enum class annotation_frame { decoded, stored };

/// Where the samples come from: `"dataset"` in JSON (required).
struct dataset_spec {
  /// The layout on disk (`"format"`).
  dataset_format format = dataset_format::folder;
  std::filesystem::path root;               ///< relative paths resolve against the spec's folder
  std::filesystem::path images = "images";  ///< folder of images, under root (all formats but list)
  std::filesystem::path masks;              ///< folder format: under root; empty for none
  std::filesystem::path depth;              ///< folder format: 16-bit PNG depth maps, under root; empty for none
  std::filesystem::path manifest;           ///< list format: the manifest file, under root
  std::filesystem::path annotations;        ///< coco: the instances JSON file; voc: the folder of XML files
  std::filesystem::path labels;             ///< yolo: the folder of label .txt files
  /// voc (required) and yolo (optional): class names in label order, given inline ...
  std::vector<std::string> classes;
  /// ... or as a names file, one name per line.
  std::filesystem::path classes_file;
  crowd_policy crowd = crowd_policy::flag;                     ///< coco
  label_mapping category_labels = label_mapping::category_id;  ///< coco: how category ids become labels
  bool keep_empty = true;     ///< keep images that have no annotation (`"empty_images": "keep" | "drop"`)
  bool skip_missing = false;  ///< coco: images listed but absent on disk are dropped (`"missing_images": "skip"`)
  /// coco: a `file_name` that is an absolute path or climbs out of the images folder through `..` is a
  /// dataset problem unless this is set (checked on the text: symbolic links inside the folder are followed).
  bool allow_outside_images = false;
  /// The frame of annotation coordinates (`"annotation_frame": "decoded" | "stored"`).
  annotation_frame frame = annotation_frame::decoded;
  /// The most annotations one image may have (COCO annotations, VOC objects, YOLO lines); an image with
  /// more is a dataset problem naming it, found when indexing, before any per-sample storage is sized
  /// by the largest count. At least 1.
  int max_annotations = 10'000;
  /// The largest annotation file read whole (a COCO JSON, a VOC XML, a YOLO label file, a list manifest,
  /// a class names file), in bytes; a larger one is refused before it is read. Default 8 GiB (the LVIS
  /// and Objects365 files pass 1 GiB); at least 1.
  std::uint64_t max_metadata_bytes = std::uint64_t{8} << 30;
  /// webdataset: the shards, in order; each a path (relative ones under root). A brace pattern as
  /// WebDataset writes it (`"shard-{000000..000127}.tar"`, `"{a,b}.tar"`) stands for every name it
  /// expands to. `"urls"` in JSON: one pattern or a list of them.
  std::vector<std::string> urls;
  /// webdataset: the roles of member extensions (`"members": {"image": [...], "mask": [...], ...}`).
  member_extensions members;
  /// webdataset: a JSON file with COCO's `categories` (ids and names), for the boxes of the per-sample
  /// annotations; under root.
  std::filesystem::path categories;
};

/// How a class mask is written to the `mask` tensor (`"encoding"`).
enum class mask_encoding {
  index,   ///< N×H×W class ids (ignore_index kept)
  one_hot  ///< N×C×H×W, C = num_classes: 1 in the pixel's class channel; pixels of no class all 0
};

/// A class mask per image: palette indices or grey values, never colours.
struct mask_target {
  /// Class ids are 0..num_classes-1; a mask value that is neither a class id nor ignore_index fails the
  /// sample. `"num_classes"`, required, 1..65536.
  int num_classes = 0;
  int ignore_index = 255;  ///< -1 for none
  /// `"encoding": "index" | "one_hot"`.
  mask_encoding encoding = mask_encoding::index;
  /// Element type of the output; default int64 for `index`, uint8 for `one_hot`.
  std::optional<dtype> type;
};

/// How a depth map is resampled when a resize changes its size. Neither ever blends a measured value
/// with an invalid one. Crops, flips and letterbox padding move pixels exactly; `random_affine` always
/// uses nearest.
enum class depth_resample {
  nearest,        ///< the source pixel under the output pixel's centre, as masks (floor((dst + 0.5) * in / out))
  valid_average,  ///< the mean of the measured source pixels whose centres lie in the output pixel's
                  ///< footprint, invalid when none is measured; when none lies in it (enlarging), nearest
};

/// A dense depth map per image: 16-bit (or 8-bit) grey PNG, read at full precision, delivered as
/// N×1×H×W float32 metres = stored / scale; pixels with the stored value `invalid` (no measurement)
/// and padding are 0. KITTI: scale 256; NYU and Redwood: 1000 (millimetres); TUM: 5000.
struct depth_target {
  /// Metres = stored / scale; `"scale"`, required in JSON, greater than 0.
  double scale = 1.0;
  int invalid = 0;  ///< stored value meaning "no measurement"
  /// `"resample": "nearest" | "valid_average"`.
  depth_resample resample = depth_resample::nearest;
};

/// How boxes are written to the `boxes` tensor.
enum class box_format {
  xyxy,    ///< x1, y1, x2, y2
  xywh,    ///< x1, y1, width, height (COCO)
  cxcywh,  ///< centre x, centre y, width, height (YOLO, DETR)
};

/// Boxes with their labels and flags (COCO, VOC, YOLO datasets). Every geometric op moves them with the
/// image; after a crop they are clipped to it and dropped when empty, when a side is shorter than
/// `min_size` output pixels, or when less than `min_visibility` of their area is still visible.
struct boxes_target {
  /// `"format": "xyxy" | "xywh" | "cxcywh"`.
  box_format format = box_format::xyxy;
  bool normalized = false;    ///< divide x by the sample's output width and y by its output height
  double min_size = 0;        ///< output pixels, both sides
  double min_visibility = 0;  ///< fraction of the box's area (at output scale) that must stay visible
  int max_boxes = 0;          ///< M of the N×M tensors; 0 = the batch's largest count. Excess is dropped.
};

/// One binary mask per box (COCO polygons or RLE), N×M×H×W uint8, moved like the mask target.
struct instance_masks_target {};

/// What a sample delivers besides the image: `"targets"` in JSON. Each target set adds its tensors.
struct targets_spec {
  /// `"mask"`: folder and list datasets (mask files) or coco (painted from the segmentations).
  std::optional<mask_target> mask;
  std::optional<depth_target> depth;  ///< `"depth"`: folder and list datasets
  /// Set by `from_json` for coco/voc/yolo datasets unless `"boxes": false`; in code, set it yourself.
  std::optional<boxes_target> boxes;
  std::optional<instance_masks_target> instance_masks;  ///< `"instance_masks": true` (or `{}`); coco datasets
};

/// `rank` and `world_size` value meaning: read them from the launcher's environment when the loader is
/// built (`RANK`/`WORLD_SIZE` of torchrun, Open MPI's `OMPI_COMM_WORLD_RANK`/`OMPI_COMM_WORLD_SIZE`,
/// `PMI_RANK`/`PMI_SIZE`, Slurm's `SLURM_PROCID`/`SLURM_NTASKS`, first found wins; rank 0 of 1 when
/// none is set). `"auto"` in JSON. Both or neither.
inline constexpr int from_environment = -1;

/// The epoch's order and this process's share of it, as torch's DistributedSampler: one permutation of
/// the dataset per (seed, epoch), the same on every rank; padded by wrapping to a multiple of
/// world_size (cut to one with drop_last); rank r takes global positions r, r + world_size, ...
struct sampler_spec {
  bool shuffle = false;  ///< a new permutation per (seed, epoch); off: index order (ignored with replacement)
  /// Draw with replacement (epoch length = dataset size, as the seed's random.choice); with several
  /// ranks each draws its own stream, keyed by (seed, epoch, rank).
  bool replacement = false;
  std::uint64_t seed = 0;  ///< keys the shuffle, the draws with replacement and every random op
  /// Drop the samples that do not fill the last batch, and with world_size > 1 the tail that does not
  /// divide evenly among the ranks instead of padding it.
  bool drop_last = false;
  int rank = 0;        ///< this process's shard, 0..world_size-1, or from_environment
  int world_size = 1;  ///< shards; every shard gets the same number of samples; or from_environment
  /// Aspect-ratio bins (0 = off, else at least 2): every batch holds images of one bin only, so padding
  /// stays small (torchvision's GroupedBatchSampler, detectron2's AspectRatioGroupedDataset). N bins
  /// have the N-1 edges 2^linspace(-1, 1, N-1) of width/height (2 bins: below 1 and from 1 up), so
  /// torchvision's create_aspect_ratio_groups(k) is N = 2k + 2.
  int group_by_aspect = 0;
};

/// Sizes are [height, width].
using size2 = std::array<int, 2>;

/// Resize: to a fixed `size`, or so the shorter side is `shorter` (aspect kept; the longer side is then
/// capped at `max_longer` when set). With several `shorter` values one is drawn per sample (multi-scale
/// training). Image: bilinear with antialias (Pillow BILINEAR); masks: nearest; boxes: scaled exactly.
struct resize_op {
  std::optional<size2> size;  ///< fixed [height, width]; or `shorter`, not both
  std::vector<int> shorter;   ///< shorter-side lengths (JSON: one number or a list), one drawn per sample
  int max_longer = 0;         ///< cap on the longer side with `shorter`, at least every `shorter`; 0 = none
};
/// Scale to fit `size` keeping aspect (scale = min(H/h, W/w), new side = round(side * scale)), centre
/// ((size - new) // 2 on each axis) and fill the border with `fill` (image) or the target's fill value.
struct letterbox_op {
  size2 size{0, 0};                           ///< output [height, width] (required)
  std::array<std::uint8_t, 3> fill{0, 0, 0};  ///< image border, RGB 0..255 (JSON: one number or [r, g, b])
};
/// torchvision's RandomResizedCrop: a crop of `scale` (fraction of the area) and `ratio` (width/height,
/// drawn log-uniformly), 10 tries, then its centre-crop fallback; then a resize to `size`.
struct random_resized_crop_op {
  size2 size{0, 0};                                   ///< output [height, width] (required)
  std::array<double, 2> scale{0.08, 1.0};             ///< [low, high], 0 < low <= high <= 1
  std::array<double, 2> ratio{3.0 / 4.0, 4.0 / 3.0};  ///< [low, high], 0 < low <= high
};
/// The SSD crop, as torchvision v2's RandomIoUCrop: draw a minimum IoU from `options` (1 or more means
/// no crop), then up to `trials` crops of `min_scale`..`max_scale` of each side with an aspect ratio in
/// [min_aspect_ratio, max_aspect_ratio] until one has a box centre inside it and IoU >= the minimum with
/// one of those boxes; boxes whose centre falls outside the crop are dropped.
struct random_iou_crop_op {
  /// Smallest fraction of each side a crop keeps; 0 < min_scale <= max_scale <= 1.
  double min_scale = 0.3, max_scale = 1.0;  ///< largest fraction of each side a crop keeps
  /// Smallest width / height of a crop; 0 < min_aspect_ratio <= max_aspect_ratio.
  double min_aspect_ratio = 0.5, max_aspect_ratio = 2.0;           ///< largest width / height of a crop
  std::vector<double> options{0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0};  ///< minimum IoUs to draw from, each 0 or more
  int trials = 40;  ///< crops tried per drawn minimum IoU, at least 1 (JSON: up to 65536)
};
/// Centre crop to `size`; a side larger than the image is padded (image 0, mask ignore_index).
struct center_crop_op {
  size2 size{0, 0};  ///< [height, width] (required)
};
/// Random crop to `size`; with `pad_if_needed` a smaller image is padded first, otherwise it is an error.
struct random_crop_op {
  size2 size{0, 0};            ///< [height, width] (required)
  bool pad_if_needed = false;  ///< pad a short side by the shortfall on both ends, then crop (torchvision)
};
/// torchvision's RandomAffine about the image centre, output the same size: angle from `degrees`
/// (JSON: d means [-d, d]), translation of up to `translate` (fractions of width, height; whole pixels),
/// a scale from `scale`, shears in degrees from `shear` (x range, and with 4 values a y range; JSON: s
/// means x in [-s, s]). The image is resampled as Pillow's AFFINE transform (bilinear, or nearest
/// when `nearest` is set; torchvision's default is nearest); masks and depth nearest; points outside
/// the source get `fill` (image) or the target's fill. Boxes become the box enclosing their four
/// transformed corners, then are clipped and filtered as after a crop.
struct random_affine_op {
  std::array<double, 2> degrees{0, 0};  ///< rotation range [low, high] in degrees (required in JSON)
  /// Largest shifts as fractions of width and height, each 0..1; unset: no translation.
  std::optional<std::array<double, 2>> translate;
  /// Scale range [low, high], 0 < low <= high; unset: scale 1.
  std::optional<std::array<double, 2>> scale;
  std::array<double, 4> shear{0, 0, 0, 0};  ///< x: [0, 1], y: [2, 3]
  /// Image colour for points outside the source, RGB 0..255 (JSON: one number or [r, g, b]).
  std::array<std::uint8_t, 3> fill{0, 0, 0};
  bool nearest = false;  ///< `"interpolation": "nearest"`; default `"bilinear"`
};
/// Mirrors the image and its targets left-right with probability p.
struct hflip_op {
  double p = 0.5;  ///< probability, 0..1
};
/// Mirrors the image and its targets top-bottom with probability p.
struct vflip_op {
  double p = 0.5;  ///< probability, 0..1
};
/// torchvision's ColorJitter on the image only (photometric), on 8-bit pixels at its place in the chain:
/// a factor is drawn uniformly from each range that is set, then the four adjustments run in a random
/// order, each rounding to 8 bits as torchvision does on PIL images (Pillow's ImageEnhance):
/// brightness blends with black; contrast with the mean of the grey image at that point of the chain
/// (the whole image as it is there, before any later crop), rounded to a whole level; saturation with
/// the grey image; hue rotates H in Pillow's 8-bit HSV by the factor (in turns, within [-0.5, 0.5]).
/// In JSON a single number b means [max(0, 1 - b), 1 + b] (hue h: [-h, h]), as torchvision.
struct color_jitter_op {
  std::optional<std::array<double, 2>> brightness, contrast, saturation, hue;
  /// \var brightness
  /// Brightness factor range [low, high], 0 <= low <= high; unset: no brightness change.
  /// \var contrast
  /// Contrast factor range [low, high], 0 <= low <= high; unset: no contrast change.
  /// \var saturation
  /// Saturation factor range [low, high], 0 <= low <= high; unset: no saturation change.
  /// \var hue
  /// Hue shift range [low, high] in turns, -0.5 <= low <= high <= 0.5; unset: no hue change.
};
/// With probability p the image becomes grey (Pillow's L, replicated to 3 channels).
struct random_grayscale_op {
  double p = 0.1;  ///< probability, 0..1
};
/// torchvision's GaussianBlur: sigma drawn uniformly from `sigma` per sample, kernel
/// exp(-x^2 / (2 sigma^2)) over x = -(k-1)/2 .. (k-1)/2, normalised; reflect padding; separable in
/// float32, rounded half to even (within 1 level of torchvision's 2-D float32 convolution).
struct gaussian_blur_op {
  std::array<int, 2> kernel_size{3, 3};  ///< [height, width], odd
  /// Sigma range [low, high], 0 < low <= high (JSON: one number or [low, high]).
  std::array<double, 2> sigma{0.1, 2.0};
};
/// torchvision's RandomErasing on the output tensor (put it after normalize, as torchvision's after
/// Normalize): with probability p a rectangle of `scale` (fraction of the area) and `ratio` (h/w, drawn
/// log-uniformly) is set to `value` in output units, or to standard normal noise when `random`; 10
/// tries, else nothing. Geometric ops may not follow it; only normalize/to_float may.
struct random_erasing_op {
  double p = 0.5;                           ///< probability, 0..1
  std::array<double, 2> scale{0.02, 0.33};  ///< [low, high], 0 < low <= high <= 1
  std::array<double, 2> ratio{0.3, 3.3};    ///< [low, high], 0 < low <= high
  std::array<float, 3> value{0, 0, 0};      ///< per channel (JSON: one number or [r, g, b])
  bool random = false;                      ///< `"value": "random"`; needs a float32 batch
};

/// (pixel / 255 - mean) / std per channel, to float. Must be the last op.
struct normalize_op {
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  ///< per channel, on the 0..1 scale; default ImageNet's
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};   ///< per channel, finite and non-zero; default ImageNet's
};
/// pixel / 255, to float. Must be the last op.
struct to_float_op {};

/// One op of `"transforms"` (`{"op": "<name>", ...}`); a pipeline runs its ops in list order.
using transform = std::variant<resize_op, letterbox_op, center_crop_op, random_crop_op, random_resized_crop_op,
                               random_iou_crop_op, random_affine_op, hflip_op, vflip_op, color_jitter_op,
                               random_grayscale_op, gaussian_blur_op, random_erasing_op, normalize_op, to_float_op>;

/// The `op` name of a transform as written in the spec.
IMGBATCH_API std::string_view op_name(const transform& t) noexcept;

/// Element order of the `image` tensor (`"batch": {"layout": ...}`).
enum class layout {
  nchw,  ///< `"NCHW"`: N×3×H×W
  nhwc   ///< `"NHWC"`: N×H×W×3
};

/// Padding for batches whose samples end at different sizes. Samples sit at the top-left corner; the
/// rest is `value` in the image tensor (after normalize, per channel), `ignore_index` in masks, 0 in
/// instance masks; the `valid` tensor (N×H×W uint8) is 1 exactly where a pixel came from the image.
struct pad_spec {
  std::optional<size2> to;  ///< fixed [H, W]; empty = the batch's largest height and width
  int divisor = 1;          ///< H and W are rounded up to a multiple of this
  /// Image padding value per channel (JSON: one number or three).
  std::array<float, 3> value{0, 0, 0};
};

/// How samples become batches: `"batch"` in JSON.
struct batch_spec {
  /// Samples per batch, at least 1 (JSON: up to 2^20).
  int size = 1;
  /// `"layout": "NCHW" | "NHWC"`.
  layout image_layout = layout::nchw;
  dtype image_type = dtype::float32;  ///< float32 or uint8
  /// Unset: the samples of a batch must end at the same size.
  std::optional<pad_spec> pad;
};

/// What the loader does when a sample fails (`"loader": {"on_error": ...}`). Whatever the policy, every
/// bad file is logged once (a warning), listed in `loader::stats().bad_files` and, when
/// `loader.quarantine` is set, appended to that file.
enum class error_policy {
  /// The iterator throws a sample_error naming the file, the stage and the reason; the pass is over.
  fail,
  /// The sample is dropped and counted (`loader_stats::skipped`): its batch comes out short, the other
  /// samples in their order. With `sampler.drop_last` a short batch is dropped whole, so every batch
  /// handed out is full; a batch with no sample left is always dropped (`loader_stats::batches_dropped`).
  skip,
  /// Another sample takes its place, drawn by a key of (seed, epoch, position, attempt), so the batch
  /// stays full and a rerun gives the same batch: from the whole dataset, or from the failed sample's
  /// aspect bin when `sampler.group_by_aspect` is set. It must fit the batch (the size its transforms
  /// give, the batch's boxes); one that fails or does not fit is replaced again (never by a sample this
  /// place tried already), up to `loader.substitute_attempts` times, then the batch fails with a
  /// sample_error naming every file tried.
  substitute,
};

/// How much of a JPEG is decoded. `exact` (default): every pixel at full size, so every result equals
/// Pillow on the full image. `fast`: when the first op that sets the size (after flips)
/// is a resize that at least halves both sides, the JPEG is decoded at 1/2, 1/4 or 1/8 scale by
/// libjpeg-turbo's scaled IDCT, as Pillow's `Image.draft("RGB", size)` picks it (the largest 1/a with
/// a <= min(width // out_w, height // out_h)), then resized; the image equals Pillow's
/// draft + resize, not Pillow's full-size resize. Masks, depth and boxes are unaffected.
enum class decode_plan { exact, fast };

/// How images are decoded: `"decode"` in JSON.
struct decode_spec {
  bool apply_exif = true;                 ///< `"exif": "apply" | "ignore"`
  decode_plan plan = decode_plan::exact;  ///< `"plan": "exact" | "fast"`
  /// Declared width × height above this is rejected before any allocation, and so is a sample whose
  /// transforms would produce more (a `shorter` resize of an extreme aspect ratio); at least 1.
  std::uint64_t max_pixels = 89'478'485;
  int max_scans = 500;  ///< progressive JPEG scan limit
  bool strict = true;   ///< a corrupt-data warning is an error
  /// A file (image, mask, depth map) larger than this is rejected before it is read; at least 1.
  std::uint64_t max_file_bytes = std::uint64_t{1} << 30;
  /// The largest PNG ancillary chunk (text, ICC profile, ...) and decompressed text libpng may allocate;
  /// larger is a decode error (libpng's own default, 8,000,000). At least 1.
  std::uint64_t max_png_chunk_bytes = 8'000'000;
};

/// How the loader runs: `"loader"` in JSON. A cursor's spec hash leaves it out.
struct loader_spec {
  /// Worker threads; 0 = hardware concurrency. More than 4 per core is lowered to that, with a warning:
  /// past it threads only contend (1024 threads ran ten times slower than 2 on 2 cores).
  int threads = 0;
  int prefetch_batches = 4;  ///< batch buffers in flight (bounds memory)
  /// The most bytes the loader's batch buffers may take (`prefetch_batches` of them), checked when the
  /// loader is built whenever every batch has a known size (a fixed resize, crop or letterbox last, or
  /// `batch.pad.to`): a spec over it is refused with the figures, before anything is allocated. Unset:
  /// half of the machine's memory. At least 1.
  std::optional<std::uint64_t> max_memory;
  /// `"on_error": "fail" | "skip" | "substitute"`.
  error_policy on_error = error_policy::fail;
  /// Under `substitute`: how many replacements one sample may take before its batch fails (1 to 1000).
  int substitute_attempts = 8;
  /// A file that lists bad files, one per line: `<id>\t<stage>\t<reason>` (a tab, newline or backslash
  /// in a field written as `\t`, `\n`, `\\`), the id being the file's path from the dataset's root
  /// (`images/0002.png`), whatever the working directory. Read when the loader is built (a regular file
  /// of at most 256 MiB): every sample whose image or target file it lists keeps its place and fails
  /// unread in its turn, handled by `on_error`, so the dataset (its hash, its length) does not change.
  /// The loader then appends each new bad file it meets; `imgbatch check --quarantine` writes the same
  /// format. Empty: none. Relative to the spec's folder.
  std::filesystem::path quarantine;
};

/// Where shards are read from and what is kept of them: `"io"` in JSON. A cursor's spec hash leaves it
/// out.
struct io_spec {
  /// Where shard indexes are kept. Empty: `$IMGBATCH_CACHE_DIR`, else `$XDG_CACHE_HOME/imgbatch`, else
  /// `~/.cache/imgbatch`. Relative to the spec's folder.
  std::filesystem::path cache_dir;
  /// Attempts after the first for a request that fails with a 5xx status, a dropped connection or a
  /// timeout (0 to 100); a 4xx is not retried.
  int retries = 5;
  /// A request fails when it cannot connect within this many seconds, or receives nothing for this
  /// long (more than 0).
  double timeout_s = 30;
  /// The wait before the first retry, doubled before each next one (0 or more, seconds).
  double backoff_s = 0.2;
  /// Remote shards: the bytes the loader may hold of members it requested ahead of the workers (in
  /// flight or arrived, not yet taken); at least 1. Each sample's files come in one range request.
  std::uint64_t read_ahead_bytes = std::uint64_t{256} << 20;
  /// Remote shards: requests in flight at once (1 to 1024).
  int max_requests = 32;
};

/// Everything a loader needs: built in code or read from JSON (README: the pipeline spec). A plain aggregate;
/// `loader`'s constructor validates it once.
struct IMGBATCH_API pipeline_spec {
  dataset_spec dataset;               ///< `"dataset"` (required in JSON)
  targets_spec targets;               ///< `"targets"`
  sampler_spec sampler;               ///< `"sampler"`
  std::vector<transform> transforms;  ///< `"transforms"`, in order
  batch_spec batch;                   ///< `"batch"`
  decode_spec decode;                 ///< `"decode"`
  loader_spec loader;                 ///< `"loader"`
  io_spec io;                         ///< `"io"`
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
