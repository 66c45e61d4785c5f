#include <imgbatch/spec.hpp>

#include "util/json_text.hpp"

#include <sstream>
#include <type_traits>

namespace imgbatch {

namespace {
template <class>
inline constexpr bool always_false = false;
}  // namespace

std::string_view op_name(const transform& t) noexcept {
  return std::visit(
      [](const auto& op) -> std::string_view {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, resize_op>) return "resize";
        else if constexpr (std::is_same_v<T, letterbox_op>) return "letterbox";
        else if constexpr (std::is_same_v<T, center_crop_op>) return "center_crop";
        else if constexpr (std::is_same_v<T, random_crop_op>) return "random_crop";
        else if constexpr (std::is_same_v<T, random_resized_crop_op>) return "random_resized_crop";
        else if constexpr (std::is_same_v<T, random_iou_crop_op>) return "random_iou_crop";
        else if constexpr (std::is_same_v<T, random_affine_op>) return "random_affine";
        else if constexpr (std::is_same_v<T, hflip_op>) return "hflip";
        else if constexpr (std::is_same_v<T, vflip_op>) return "vflip";
        else if constexpr (std::is_same_v<T, color_jitter_op>) return "color_jitter";
        else if constexpr (std::is_same_v<T, random_grayscale_op>) return "random_grayscale";
        else if constexpr (std::is_same_v<T, gaussian_blur_op>) return "gaussian_blur";
        else if constexpr (std::is_same_v<T, random_erasing_op>) return "random_erasing";
        else if constexpr (std::is_same_v<T, normalize_op>) return "normalize";
        else if constexpr (std::is_same_v<T, to_float_op>) return "to_float";
        else static_assert(always_false<T>, "op_name: an op is not handled");
      },
      t);
}

namespace {

// Numbers are written with + 0.0: a -0 (which JSON would read back as the integer 0) becomes 0, so a
// spec read back writes the same text (found by fuzz_spec).
std::string num(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v + 0.0;
  return os.str();
}

std::string pair_json(const std::array<double, 2>& a) {
  std::ostringstream os;
  os.precision(17);
  os << "[" << a[0] + 0.0 << ", " << a[1] + 0.0 << "]";
  return os.str();
}

std::string size_json(const size2& s) {
  std::string out = "[";
  out += std::to_string(s[0]);
  out += ", ";
  out += std::to_string(s[1]);
  out += ']';
  return out;
}

std::string triple_json(const std::array<float, 3>& a) {
  std::ostringstream os;
  os.precision(9);
  os << "[" << a[0] + 0.0f << ", " << a[1] + 0.0f << ", " << a[2] + 0.0f << "]";
  return os.str();
}

std::string op_json(const transform& t) {
  std::ostringstream os;
  os << "{\"op\": \"" << op_name(t) << "\"";
  std::visit(
      [&](const auto& op) {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, resize_op>) {
          if (op.size) os << ", \"size\": " << size_json(*op.size);
          if (!op.shorter.empty()) {
            os << ", \"shorter\": [";
            for (std::size_t i = 0; i < op.shorter.size(); ++i) os << (i ? ", " : "") << op.shorter[i];
            os << "]";
          }
          if (op.max_longer) os << ", \"max_longer\": " << op.max_longer;
        } else if constexpr (std::is_same_v<T, letterbox_op>) {
          os << ", \"size\": " << size_json(op.size) << ", \"fill\": [" << int(op.fill[0]) << ", " << int(op.fill[1])
             << ", " << int(op.fill[2]) << "]";
        } else if constexpr (std::is_same_v<T, center_crop_op>) {
          os << ", \"size\": " << size_json(op.size);
        } else if constexpr (std::is_same_v<T, random_crop_op>) {
          os << ", \"size\": " << size_json(op.size)
             << ", \"pad_if_needed\": " << (op.pad_if_needed ? "true" : "false");
        } else if constexpr (std::is_same_v<T, random_resized_crop_op>) {
          os << ", \"size\": " << size_json(op.size) << ", \"scale\": " << pair_json(op.scale)
             << ", \"ratio\": " << pair_json(op.ratio);
        } else if constexpr (std::is_same_v<T, random_iou_crop_op>) {
          os << ", \"min_scale\": " << num(op.min_scale) << ", \"max_scale\": " << num(op.max_scale)
             << ", \"min_aspect_ratio\": " << num(op.min_aspect_ratio)
             << ", \"max_aspect_ratio\": " << num(op.max_aspect_ratio) << ", \"options\": [";
          for (std::size_t i = 0; i < op.options.size(); ++i) os << (i ? ", " : "") << num(op.options[i]);
          os << "], \"trials\": " << op.trials;
        } else if constexpr (std::is_same_v<T, hflip_op> || std::is_same_v<T, vflip_op> ||
                             std::is_same_v<T, random_grayscale_op>) {
          os << ", \"p\": " << num(op.p);
        } else if constexpr (std::is_same_v<T, random_affine_op>) {
          os << ", \"degrees\": " << pair_json(op.degrees);
          if (op.translate) os << ", \"translate\": " << pair_json(*op.translate);
          if (op.scale) os << ", \"scale\": " << pair_json(*op.scale);
          os << ", \"shear\": [" << num(op.shear[0]) << ", " << num(op.shear[1]) << ", " << num(op.shear[2]) << ", "
             << num(op.shear[3]) << "], \"fill\": [" << int(op.fill[0]) << ", " << int(op.fill[1]) << ", "
             << int(op.fill[2]) << "], \"interpolation\": \"" << (op.nearest ? "nearest" : "bilinear") << "\"";
        } else if constexpr (std::is_same_v<T, color_jitter_op>) {
          if (op.brightness) os << ", \"brightness\": " << pair_json(*op.brightness);
          if (op.contrast) os << ", \"contrast\": " << pair_json(*op.contrast);
          if (op.saturation) os << ", \"saturation\": " << pair_json(*op.saturation);
          if (op.hue) os << ", \"hue\": " << pair_json(*op.hue);
        } else if constexpr (std::is_same_v<T, gaussian_blur_op>) {
          os << ", \"kernel_size\": " << size_json(op.kernel_size) << ", \"sigma\": " << pair_json(op.sigma);
        } else if constexpr (std::is_same_v<T, random_erasing_op>) {
          os << ", \"p\": " << num(op.p) << ", \"scale\": " << pair_json(op.scale)
             << ", \"ratio\": " << pair_json(op.ratio) << ", \"value\": ";
          if (op.random) os << "\"random\"";
          else os << triple_json(op.value);
        } else if constexpr (std::is_same_v<T, normalize_op>) {
          os << ", \"mean\": " << triple_json(op.mean) << ", \"std\": " << triple_json(op.std);
        } else if constexpr (std::is_same_v<T, to_float_op>) {
        } else {
          static_assert(always_false<T>, "op_json: an op is not handled");
        }
      },
      t);
  os << "}";
  return os.str();
}

}  // namespace

std::string pipeline_spec::to_json() const {
  std::ostringstream os;
  os << "{\n  \"version\": 1,\n";
  static const char* const formats[] = {"folder", "list", "coco", "voc", "yolo", "webdataset"};
  os << "  \"dataset\": {\"format\": \"" << formats[static_cast<int>(dataset.format)]
     << "\", \"root\": " << detail::json_quote(dataset.root.string())
     << ", \"images\": " << detail::json_quote(dataset.images.string());
  if (!dataset.masks.empty()) os << ", \"masks\": " << detail::json_quote(dataset.masks.string());
  if (!dataset.depth.empty()) os << ", \"depth\": " << detail::json_quote(dataset.depth.string());
  if (!dataset.manifest.empty()) os << ", \"manifest\": " << detail::json_quote(dataset.manifest.string());
  if (!dataset.annotations.empty()) os << ", \"annotations\": " << detail::json_quote(dataset.annotations.string());
  if (!dataset.labels.empty()) os << ", \"labels\": " << detail::json_quote(dataset.labels.string());
  if (!dataset.classes_file.empty()) {
    os << ", \"classes\": " << detail::json_quote(dataset.classes_file.string());
  } else if (!dataset.classes.empty()) {
    os << ", \"classes\": [";
    for (std::size_t i = 0; i < dataset.classes.size(); ++i)
      os << (i ? ", " : "") << detail::json_quote(dataset.classes[i]);
    os << "]";
  }
  if (dataset.format == dataset_format::coco) {
    static const char* const crowds[] = {"flag", "drop", "ignore_region"};
    static const char* const labels[] = {"category_id", "contiguous", "contiguous_from_1"};
    os << ", \"crowd\": \"" << crowds[static_cast<int>(dataset.crowd)] << "\", \"category_labels\": \""
       << labels[static_cast<int>(dataset.category_labels)] << "\", \"missing_images\": \""
       << (dataset.skip_missing ? "skip" : "error") << "\"";
  }
  os << ", \"empty_images\": \"" << (dataset.keep_empty ? "keep" : "drop") << "\", \"annotation_frame\": \""
     << (dataset.frame == annotation_frame::decoded ? "decoded" : "stored")
     << "\", \"allow_outside_images\": " << (dataset.allow_outside_images ? "true" : "false")
     << ", \"max_annotations\": " << dataset.max_annotations
     << ", \"max_metadata_bytes\": " << dataset.max_metadata_bytes;
  if (dataset.format == dataset_format::webdataset) {
    auto list = [&](const std::vector<std::string>& v) {
      os << "[";
      for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << detail::json_quote(v[i]);
      os << "]";
    };
    os << ", \"urls\": ";
    list(dataset.urls);
    if (!dataset.categories.empty()) os << ", \"categories\": " << detail::json_quote(dataset.categories.string());
    const member_extensions& m = dataset.members;
    os << ", \"members\": {\"image\": ";
    list(m.image);
    os << ", \"mask\": ";
    list(m.mask);
    os << ", \"depth\": ";
    list(m.depth);
    os << ", \"annotations\": ";
    list(m.annotations);
    os << ", \"text\": ";
    list(m.text);
    os << "}";
  }
  os << "},\n";
  os << "  \"targets\": {";
  const char* sep = "";
  if (targets.mask) {
    const auto& m = *targets.mask;
    os << "\"mask\": {\"num_classes\": " << m.num_classes << ", \"ignore_index\": ";
    if (m.ignore_index < 0) os << "null";
    else os << m.ignore_index;
    os << ", \"encoding\": \"" << (m.encoding == mask_encoding::index ? "index" : "one_hot") << "\"";
    if (m.type) os << ", \"dtype\": \"" << dtype_name(*m.type) << "\"";
    os << "}";
    sep = ", ";
  }
  if (targets.boxes) {
    static const char* const fmts[] = {"xyxy", "xywh", "cxcywh"};
    const auto& b = *targets.boxes;
    os << sep << "\"boxes\": {\"format\": \"" << fmts[static_cast<int>(b.format)]
       << "\", \"normalized\": " << (b.normalized ? "true" : "false") << ", \"min_size\": " << num(b.min_size)
       << ", \"min_visibility\": " << num(b.min_visibility) << ", \"max_boxes\": " << b.max_boxes << "}";
    sep = ", ";
  } else if (dataset.format == dataset_format::coco || dataset.format == dataset_format::voc ||
             dataset.format == dataset_format::yolo) {
    os << sep << "\"boxes\": false";
    sep = ", ";
  }
  if (targets.depth) {
    const auto& d = *targets.depth;
    os << sep << "\"depth\": {\"scale\": " << num(d.scale) << ", \"invalid\": " << d.invalid << ", \"resample\": \""
       << (d.resample == depth_resample::nearest ? "nearest" : "valid_average") << "\"}";
    sep = ", ";
  }
  if (targets.instance_masks) os << sep << "\"instance_masks\": true";
  os << "},\n";
  os << "  \"sampler\": {\"shuffle\": " << (sampler.shuffle ? "true" : "false")
     << ", \"replacement\": " << (sampler.replacement ? "true" : "false") << ", \"seed\": " << sampler.seed
     << ", \"drop_last\": " << (sampler.drop_last ? "true" : "false") << ", \"rank\": ";
  if (sampler.rank == from_environment) os << "\"auto\"";
  else os << sampler.rank;
  os << ", \"world_size\": ";
  if (sampler.world_size == from_environment) os << "\"auto\"";
  else os << sampler.world_size;
  os << ", \"group_by_aspect\": " << sampler.group_by_aspect << "},\n";
  os << "  \"transforms\": [";
  for (std::size_t i = 0; i < transforms.size(); ++i) os << (i ? ", " : "") << op_json(transforms[i]);
  os << "],\n";
  os << "  \"batch\": {\"size\": " << batch.size << ", \"layout\": \""
     << (batch.image_layout == layout::nchw ? "NCHW" : "NHWC") << "\", \"dtype\": \"" << dtype_name(batch.image_type)
     << "\"";
  if (batch.pad) {
    os << ", \"pad\": {\"to\": " << (batch.pad->to ? size_json(*batch.pad->to) : std::string("\"max\""))
       << ", \"divisor\": " << batch.pad->divisor << ", \"value\": " << triple_json(batch.pad->value) << "}";
  }
  os << "},\n";
  os << "  \"decode\": {\"exif\": \"" << (decode.apply_exif ? "apply" : "ignore")
     << "\", \"max_pixels\": " << decode.max_pixels << ", \"max_scans\": " << decode.max_scans
     << ", \"max_file_bytes\": " << decode.max_file_bytes << ", \"max_png_chunk_bytes\": " << decode.max_png_chunk_bytes
     << ", \"strict\": " << (decode.strict ? "true" : "false") << ", \"plan\": \""
     << (decode.plan == decode_plan::exact ? "exact" : "fast") << "\"},\n";
  os << "  \"loader\": {\"threads\": " << loader.threads << ", \"prefetch_batches\": " << loader.prefetch_batches
     << ", \"on_error\": \""
     << (loader.on_error == error_policy::fail   ? "fail"
         : loader.on_error == error_policy::skip ? "skip"
                                                 : "substitute")
     << "\", \"substitute_attempts\": " << loader.substitute_attempts;
  if (!loader.quarantine.empty()) os << ", \"quarantine\": " << detail::json_quote(loader.quarantine.string());
  if (loader.max_memory) os << ", \"max_memory\": " << *loader.max_memory;
  os << "},\n";
  os << "  \"io\": {";
  if (!io.cache_dir.empty()) os << "\"cache_dir\": " << detail::json_quote(io.cache_dir.string()) << ", ";
  os << "\"retries\": " << io.retries << ", \"timeout_s\": " << num(io.timeout_s)
     << ", \"backoff_s\": " << num(io.backoff_s) << ", \"read_ahead_bytes\": " << io.read_ahead_bytes
     << ", \"max_requests\": " << io.max_requests << "}\n}\n";
  return os.str();
}

}  // namespace imgbatch
