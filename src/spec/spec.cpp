#include <imgbatch/spec.hpp>

#include "util/json_text.hpp"

#include <sstream>
#include <type_traits>

namespace imgbatch {

std::string_view op_name(const transform& t) noexcept {
  return std::visit(
      [](const auto& op) -> std::string_view {
        using T = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<T, resize_op>) return "resize";
        else if constexpr (std::is_same_v<T, center_crop_op>) return "center_crop";
        else if constexpr (std::is_same_v<T, random_crop_op>) return "random_crop";
        else if constexpr (std::is_same_v<T, hflip_op>) return "hflip";
        else if constexpr (std::is_same_v<T, vflip_op>) return "vflip";
        else if constexpr (std::is_same_v<T, normalize_op>) return "normalize";
        else return "to_float";
      },
      t);
}

namespace {

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
  os << "[" << a[0] << ", " << a[1] << ", " << a[2] << "]";
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
          if (op.shorter) os << ", \"shorter\": " << op.shorter;
          if (op.max_longer) os << ", \"max_longer\": " << op.max_longer;
        } else if constexpr (std::is_same_v<T, center_crop_op>) {
          os << ", \"size\": " << size_json(op.size);
        } else if constexpr (std::is_same_v<T, random_crop_op>) {
          os << ", \"size\": " << size_json(op.size)
             << ", \"pad_if_needed\": " << (op.pad_if_needed ? "true" : "false");
        } else if constexpr (std::is_same_v<T, hflip_op> || std::is_same_v<T, vflip_op>) {
          os << ", \"p\": " << op.p;
        } else if constexpr (std::is_same_v<T, normalize_op>) {
          os << ", \"mean\": " << triple_json(op.mean) << ", \"std\": " << triple_json(op.std);
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
  os << "  \"dataset\": {\"format\": \"" << (dataset.format == dataset_format::folder ? "folder" : "list")
     << "\", \"root\": " << detail::json_quote(dataset.root.string())
     << ", \"images\": " << detail::json_quote(dataset.images.string());
  if (!dataset.masks.empty()) os << ", \"masks\": " << detail::json_quote(dataset.masks.string());
  if (!dataset.manifest.empty()) os << ", \"manifest\": " << detail::json_quote(dataset.manifest.string());
  os << "},\n";
  if (targets.mask) {
    const auto& m = *targets.mask;
    os << "  \"targets\": {\"mask\": {\"num_classes\": " << m.num_classes << ", \"ignore_index\": ";
    if (m.ignore_index < 0) os << "null";
    else os << m.ignore_index;
    os << ", \"encoding\": \"" << (m.encoding == mask_encoding::index ? "index" : "one_hot") << "\"";
    if (m.type) os << ", \"dtype\": \"" << dtype_name(*m.type) << "\"";
    os << "}},\n";
  }
  os << "  \"sampler\": {\"shuffle\": " << (sampler.shuffle ? "true" : "false")
     << ", \"replacement\": " << (sampler.replacement ? "true" : "false") << ", \"seed\": " << sampler.seed
     << ", \"drop_last\": " << (sampler.drop_last ? "true" : "false") << ", \"rank\": " << sampler.rank
     << ", \"world_size\": " << sampler.world_size << "},\n";
  os << "  \"transforms\": [";
  for (std::size_t i = 0; i < transforms.size(); ++i) os << (i ? ", " : "") << op_json(transforms[i]);
  os << "],\n";
  os << "  \"batch\": {\"size\": " << batch.size << ", \"layout\": \""
     << (batch.image_layout == layout::nchw ? "NCHW" : "NHWC") << "\", \"dtype\": \"" << dtype_name(batch.image_type)
     << "\"},\n";
  os << "  \"decode\": {\"exif\": \"" << (decode.apply_exif ? "apply" : "ignore")
     << "\", \"max_pixels\": " << decode.max_pixels << ", \"max_scans\": " << decode.max_scans
     << ", \"strict\": " << (decode.strict ? "true" : "false") << "},\n";
  os << "  \"loader\": {\"threads\": " << loader.threads << ", \"prefetch_batches\": " << loader.prefetch_batches
     << ", \"on_error\": \"fail\"}\n}\n";
  return os.str();
}

}  // namespace imgbatch
