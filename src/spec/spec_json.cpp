#include <imgbatch/error.hpp>
#include <imgbatch/spec.hpp>

#include "util/clip.hpp"
#include "util/file.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace imgbatch {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

[[noreturn]] void expected(const std::string& path, const std::string& what, element e) {
  throw config_error(path, "expected " + what + ", got " + type_name(e.type()));
}

/// Reads one JSON object, tracking which keys were used so unknown ones (typos) are reported.
class object_reader {
 public:
  object_reader(element e, std::string path) : path_(std::move(path)) {
    if (e.type() != element_type::OBJECT) expected(path_.empty() ? "(top level)" : path_, "an object", e);
    obj_ = e.get_object().value_unsafe();
    // A key given twice is an error: a lookup would silently take one of them.
    std::vector<std::string_view> keys;
    for (auto field : obj_) {
      if (std::find(keys.begin(), keys.end(), field.key) != keys.end())
        throw config_error(sub(field.key), "given twice");
      keys.push_back(field.key);
    }
  }

  std::optional<element> get(std::string_view key) {
    known_.emplace_back(key);
    element e;
    if (obj_.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
    return e;
  }
  /// The key path of `key` (a key longer than 100 bytes clipped, so an error line stays short).
  std::string sub(std::string_view key) const {
    return path_.empty() ? detail::clipped(key, 100) : path_ + "." + detail::clipped(key, 100);
  }

  void finish() const {
    for (auto field : obj_) {
      std::string_view k = field.key;
      if (std::find(known_.begin(), known_.end(), k) == known_.end()) {
        std::string list;
        for (auto& n : known_) list += (list.empty() ? "" : ", ") + n;
        throw config_error(sub(k), "unknown key (expected one of: " + list + ")");
      }
    }
  }

  std::optional<std::string> string(std::string_view key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    std::string_view s;
    if (e->get_string().get(s) != simdjson::SUCCESS) expected(sub(key), "a string", *e);
    return std::string(s);
  }
  std::optional<bool> boolean(std::string_view key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    bool b;
    if (e->get_bool().get(b) != simdjson::SUCCESS) expected(sub(key), "true or false", *e);
    return b;
  }
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
    auto e = get(key);
    if (!e) return std::nullopt;
    return as_integer(*e, sub(key), lo, hi);
  }
  std::optional<double> number(std::string_view key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    return as_number(*e, sub(key));
  }
  std::optional<size2> size(std::string_view key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    simdjson::dom::array a;
    if (e->get_array().get(a) != simdjson::SUCCESS || a.size() != 2)
      throw config_error(sub(key), "expected [height, width], two positive integers");
    size2 out{};
    std::size_t i = 0;
    for (element v : a) {
      out[i] = static_cast<int>(as_integer(v, sub(key) + "[" + std::to_string(i) + "]", 1, 1 << 20));
      ++i;
    }
    return out;
  }
  std::optional<std::array<float, 3>> triple(std::string_view key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    simdjson::dom::array a;
    if (e->get_array().get(a) != simdjson::SUCCESS || a.size() != 3)
      throw config_error(sub(key), "expected an array of 3 numbers (one per channel)");
    std::array<float, 3> out{};
    std::size_t i = 0;
    for (element v : a) {
      out[i] = static_cast<float>(as_number(v, sub(key) + "[" + std::to_string(i) + "]"));
      ++i;
    }
    return out;
  }

  std::optional<std::array<double, 2>> pair(std::string_view key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    simdjson::dom::array a;
    if (e->get_array().get(a) != simdjson::SUCCESS || a.size() != 2)
      throw config_error(sub(key), "expected [low, high], two numbers");
    std::array<double, 2> out{};
    std::size_t i = 0;
    for (element v : a) {
      out[i] = as_number(v, sub(key) + "[" + std::to_string(i) + "]");
      ++i;
    }
    if (!(out[0] <= out[1])) throw config_error(sub(key), "low must not exceed high");
    return out;
  }
  std::optional<std::vector<double>> numbers(std::string_view key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    simdjson::dom::array a;
    if (e->get_array().get(a) != simdjson::SUCCESS || a.size() == 0)
      throw config_error(sub(key), "expected a non-empty array of numbers");
    std::vector<double> out;
    for (element v : a) out.push_back(as_number(v, sub(key) + "[" + std::to_string(out.size()) + "]"));
    return out;
  }
  /// A colour: one number for all channels or three, each 0..255.
  std::optional<std::array<std::uint8_t, 3>> colour(std::string_view key) {
    auto e = get(key);
    if (!e) return std::nullopt;
    std::array<std::uint8_t, 3> out{};
    simdjson::dom::array a;
    if (e->get_array().get(a) == simdjson::SUCCESS) {
      if (a.size() != 3) throw config_error(sub(key), "expected a number or [r, g, b], each 0..255");
      std::size_t i = 0;
      for (element v : a) {
        out[i] = static_cast<std::uint8_t>(as_integer(v, sub(key) + "[" + std::to_string(i) + "]", 0, 255));
        ++i;
      }
    } else {
      out.fill(static_cast<std::uint8_t>(as_integer(*e, sub(key), 0, 255)));
    }
    return out;
  }

  static std::int64_t as_integer(element e, const std::string& path, std::int64_t lo, std::int64_t hi) {
    std::int64_t v;
    if (e.get_int64().get(v) != simdjson::SUCCESS) {
      double d;
      if (e.get_double().get(d) == simdjson::SUCCESS && std::floor(d) == d && std::fabs(d) < 9e15)
        v = static_cast<std::int64_t>(d);
      else expected(path, "an integer", e);
    }
    if (v < lo || v > hi)
      throw config_error(
          path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v));
    return v;
  }
  static double as_number(element e, const std::string& path) {
    double d;
    if (e.get_double().get(d) == simdjson::SUCCESS) return d;
    std::int64_t i;
    if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
    std::uint64_t u;
    if (e.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
    expected(path, "a number", e);
  }

 private:
  simdjson::dom::object obj_;
  std::string path_;
  std::vector<std::string> known_;
};

template <class E>
E choose(const std::string& path, const std::string& value, std::initializer_list<std::pair<const char*, E>> options) {
  std::string list;
  for (auto& [name, e] : options) {
    if (value == name) return e;
    list += (list.empty() ? "" : ", ") + std::string("'") + name + "'";
  }
  throw config_error(path, "'" + detail::clipped(value) + "' is not one of " + list);
}

// A string, or a non-empty array of strings.
std::vector<std::string> string_list(element e, const std::string& key, const char* what) {
  std::vector<std::string> out;
  std::string_view one;
  simdjson::dom::array a;
  if (e.get_string().get(one) == simdjson::SUCCESS) {
    out.emplace_back(one);
  } else if (e.get_array().get(a) == simdjson::SUCCESS && a.size() > 0) {
    for (element v : a) {
      if (v.get_string().get(one) != simdjson::SUCCESS)
        expected(key + "[" + std::to_string(out.size()) + "]", "a string", v);
      out.emplace_back(one);
    }
  } else {
    expected(key, what, e);
  }
  return out;
}

void read_dataset(object_reader r, pipeline_spec& s) {
  if (auto f = r.string("format"))
    s.dataset.format = choose<dataset_format>(r.sub("format"), *f,
                                              {{"folder", dataset_format::folder},
                                               {"list", dataset_format::list},
                                               {"coco", dataset_format::coco},
                                               {"voc", dataset_format::voc},
                                               {"yolo", dataset_format::yolo},
                                               {"webdataset", dataset_format::webdataset}});
  if (auto v = r.string("root")) s.dataset.root = *v;
  if (auto v = r.string("images")) s.dataset.images = *v;
  if (auto v = r.string("masks")) s.dataset.masks = *v;
  if (auto v = r.string("manifest")) s.dataset.manifest = *v;
  if (auto v = r.string("annotations")) s.dataset.annotations = *v;
  if (auto v = r.string("labels")) s.dataset.labels = *v;
  if (auto e = r.get("classes")) {
    std::string_view file;
    simdjson::dom::array a;
    if (e->get_string().get(file) == simdjson::SUCCESS) {
      s.dataset.classes_file = std::string(file);
    } else if (e->get_array().get(a) == simdjson::SUCCESS) {
      for (element v : a) {
        std::string_view name;
        if (v.get_string().get(name) != simdjson::SUCCESS)
          expected(r.sub("classes") + "[" + std::to_string(s.dataset.classes.size()) + "]", "a class name", v);
        s.dataset.classes.emplace_back(name);
      }
    } else {
      expected(r.sub("classes"), "a list of class names or the path of a names file", *e);
    }
  }
  if (auto v = r.string("crowd"))
    s.dataset.crowd = choose<crowd_policy>(
        r.sub("crowd"), *v,
        {{"flag", crowd_policy::flag}, {"drop", crowd_policy::drop}, {"ignore_region", crowd_policy::ignore_region}});
  if (auto v = r.string("category_labels"))
    s.dataset.category_labels = choose<label_mapping>(r.sub("category_labels"), *v,
                                                      {{"category_id", label_mapping::category_id},
                                                       {"contiguous", label_mapping::contiguous},
                                                       {"contiguous_from_1", label_mapping::contiguous_from_1}});
  if (auto v = r.integer("max_annotations", 1, 1 << 30)) s.dataset.max_annotations = static_cast<int>(*v);
  if (auto v = r.integer("max_metadata_bytes", 1, std::numeric_limits<std::int64_t>::max()))
    s.dataset.max_metadata_bytes = static_cast<std::uint64_t>(*v);
  if (auto v = r.string("empty_images"))
    s.dataset.keep_empty = choose<bool>(r.sub("empty_images"), *v, {{"keep", true}, {"drop", false}});
  if (auto v = r.boolean("allow_outside_images")) s.dataset.allow_outside_images = *v;
  if (auto v = r.string("missing_images"))
    s.dataset.skip_missing = choose<bool>(r.sub("missing_images"), *v, {{"error", false}, {"skip", true}});
  if (auto v = r.string("annotation_frame"))
    s.dataset.frame = choose<annotation_frame>(
        r.sub("annotation_frame"), *v, {{"decoded", annotation_frame::decoded}, {"stored", annotation_frame::stored}});
  if (auto v = r.string("depth")) s.dataset.depth = *v;
  if (auto e = r.get("urls")) s.dataset.urls = string_list(*e, r.sub("urls"), "a shard path or a list of them");
  if (auto v = r.string("categories")) s.dataset.categories = *v;
  if (auto e = r.get("members")) {
    object_reader m(*e, r.sub("members"));
    member_extensions& x = s.dataset.members;
    for (auto [key, list] : {std::pair<const char*, std::vector<std::string>*>{"image", &x.image},
                             {"mask", &x.mask},
                             {"depth", &x.depth},
                             {"annotations", &x.annotations},
                             {"text", &x.text}})
      if (auto v = m.get(key)) {
        *list = string_list(*v, m.sub(key), "a list of extensions");
        for (std::string& ext : *list) {
          for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (ext.empty() || ext.front() == '.' || ext.find('/') != std::string::npos)
            throw config_error(m.sub(key), "an extension is what follows a member's first dot, without it: '" +
                                               detail::clipped(ext) + "'");
        }
      }
    m.finish();
  }
  r.finish();
}

void read_targets(object_reader r, pipeline_spec& s) {
  if (auto m = r.get("mask")) {
    object_reader mr(*m, r.sub("mask"));
    mask_target t;
    if (auto v = mr.integer("num_classes", 1, 65536)) t.num_classes = static_cast<int>(*v);
    else throw config_error(mr.sub("num_classes"), "required");
    if (auto v = mr.get("ignore_index")) {
      if (v->type() == element_type::NULL_VALUE) t.ignore_index = -1;
      else t.ignore_index = static_cast<int>(object_reader::as_integer(*v, mr.sub("ignore_index"), -1, 65535));
    }
    if (auto v = mr.string("encoding"))
      t.encoding = choose<mask_encoding>(mr.sub("encoding"), *v,
                                         {{"index", mask_encoding::index}, {"one_hot", mask_encoding::one_hot}});
    if (auto v = mr.string("dtype"))
      t.type = choose<dtype>(mr.sub("dtype"), *v,
                             {{"uint8", dtype::uint8}, {"int32", dtype::int32}, {"int64", dtype::int64}});
    mr.finish();
    s.targets.mask = t;
  }
  if (auto d = r.get("depth")) {
    object_reader dr(*d, r.sub("depth"));
    depth_target t;
    if (auto v = dr.number("scale")) t.scale = *v;
    else throw config_error(dr.sub("scale"), "required: stored value / scale = metres (KITTI 256, millimetres 1000)");
    if (auto v = dr.integer("invalid", 0, 65535)) t.invalid = static_cast<int>(*v);
    if (auto v = dr.string("resample"))
      t.resample = choose<depth_resample>(
          dr.sub("resample"), *v,
          {{"nearest", depth_resample::nearest}, {"valid_average", depth_resample::valid_average}});
    dr.finish();
    s.targets.depth = t;
  }
  if (auto e = r.get("boxes")) {
    bool on = true;
    if (e->get_bool().get(on) == simdjson::SUCCESS) {
      if (!on) s.targets.boxes.reset();
      else if (!s.targets.boxes) s.targets.boxes = boxes_target{};  // webdataset: off unless asked
    } else {
      object_reader br(*e, r.sub("boxes"));
      boxes_target b;
      if (auto v = br.string("format"))
        b.format = choose<box_format>(
            br.sub("format"), *v,
            {{"xyxy", box_format::xyxy}, {"xywh", box_format::xywh}, {"cxcywh", box_format::cxcywh}});
      if (auto v = br.boolean("normalized")) b.normalized = *v;
      if (auto v = br.number("min_size")) b.min_size = *v;
      if (auto v = br.number("min_visibility")) b.min_visibility = *v;
      if (auto v = br.integer("max_boxes", 0, 1 << 20)) b.max_boxes = static_cast<int>(*v);
      br.finish();
      s.targets.boxes = b;
    }
  }
  if (auto e = r.get("instance_masks")) {
    bool on = false;
    if (e->get_bool().get(on) == simdjson::SUCCESS) {
      if (on) s.targets.instance_masks = instance_masks_target{};
    } else {
      object_reader(*e, r.sub("instance_masks")).finish();
      s.targets.instance_masks = instance_masks_target{};
    }
  }
  r.finish();
}

void read_sampler(object_reader r, pipeline_spec& s) {
  if (auto v = r.boolean("shuffle")) s.sampler.shuffle = *v;
  if (auto v = r.boolean("replacement")) s.sampler.replacement = *v;
  if (auto v = r.integer("seed", 0, std::numeric_limits<std::int64_t>::max()))
    s.sampler.seed = static_cast<std::uint64_t>(*v);
  if (auto v = r.boolean("drop_last")) s.sampler.drop_last = *v;
  // An integer, or "auto" for the launcher's environment.
  auto rank_or_auto = [&](std::string_view key, std::int64_t lo, int& out) {
    auto e = r.get(key);
    if (!e) return;
    std::string_view text;
    if (e->get_string().get(text) == simdjson::SUCCESS) {
      if (text != "auto")
        throw config_error(r.sub(key), "expected an integer or \"auto\", got \"" + std::string(text) + "\"");
      out = from_environment;
      return;
    }
    out = static_cast<int>(object_reader::as_integer(*e, r.sub(key), lo, 1 << 20));
  };
  rank_or_auto("rank", 0, s.sampler.rank);
  rank_or_auto("world_size", 1, s.sampler.world_size);
  if (auto v = r.integer("group_by_aspect", 0, 1024)) s.sampler.group_by_aspect = static_cast<int>(*v);
  r.finish();
}

const char* const op_list =
    "resize, letterbox, center_crop, random_crop, random_resized_crop, random_iou_crop, random_affine, hflip, vflip, "
    "color_jitter, random_grayscale, gaussian_blur, random_erasing, normalize, to_float";

// A factor range [lo, hi], or a single number b meaning [max(floor, centre - b), centre + b] (torchvision).
std::optional<std::array<double, 2>> jitter_range(object_reader& r, std::string_view key, double centre, double floor) {
  auto e = r.get(key);
  if (!e) return std::nullopt;
  simdjson::dom::array a;
  if (e->get_array().get(a) == simdjson::SUCCESS) return r.pair(key);
  const double b = object_reader::as_number(*e, r.sub(key));
  if (b < 0) throw config_error(r.sub(key), "a single number must be 0 or more (it means [centre - b, centre + b])");
  return std::array<double, 2>{std::max(floor, centre - b), centre + b};
}

transform read_op(object_reader r) {
  auto name = r.string("op");
  if (!name) throw config_error(r.sub("op"), std::string("required (") + op_list + ")");
  transform t;
  if (*name == "resize") {
    resize_op op;
    op.size = r.size("size");
    if (auto e = r.get("shorter")) {
      simdjson::dom::array a;
      if (e->get_array().get(a) == simdjson::SUCCESS) {
        if (a.size() == 0) throw config_error(r.sub("shorter"), "expected a size or a non-empty list of sizes");
        for (element v : a)
          op.shorter.push_back(static_cast<int>(object_reader::as_integer(
              v, r.sub("shorter") + "[" + std::to_string(op.shorter.size()) + "]", 1, 1 << 20)));
      } else {
        op.shorter.push_back(static_cast<int>(object_reader::as_integer(*e, r.sub("shorter"), 1, 1 << 20)));
      }
    }
    if (auto v = r.integer("max_longer", 1, 1 << 20)) op.max_longer = static_cast<int>(*v);
    t = op;
  } else if (*name == "letterbox") {
    letterbox_op op;
    if (auto v = r.size("size")) op.size = *v;
    else throw config_error(r.sub("size"), "required");
    if (auto v = r.colour("fill")) op.fill = *v;
    t = op;
  } else if (*name == "random_resized_crop") {
    random_resized_crop_op op;
    if (auto v = r.size("size")) op.size = *v;
    else throw config_error(r.sub("size"), "required");
    if (auto v = r.pair("scale")) op.scale = *v;
    if (auto v = r.pair("ratio")) op.ratio = *v;
    t = op;
  } else if (*name == "random_iou_crop") {
    random_iou_crop_op op;
    if (auto v = r.number("min_scale")) op.min_scale = *v;
    if (auto v = r.number("max_scale")) op.max_scale = *v;
    if (auto v = r.number("min_aspect_ratio")) op.min_aspect_ratio = *v;
    if (auto v = r.number("max_aspect_ratio")) op.max_aspect_ratio = *v;
    if (auto v = r.numbers("options")) op.options = *v;
    if (auto v = r.integer("trials", 1, 1 << 16)) op.trials = static_cast<int>(*v);
    t = op;
  } else if (*name == "center_crop") {
    center_crop_op op;
    if (auto v = r.size("size")) op.size = *v;
    else throw config_error(r.sub("size"), "required");
    t = op;
  } else if (*name == "random_crop") {
    random_crop_op op;
    if (auto v = r.size("size")) op.size = *v;
    else throw config_error(r.sub("size"), "required");
    if (auto v = r.boolean("pad_if_needed")) op.pad_if_needed = *v;
    t = op;
  } else if (*name == "hflip" || *name == "vflip") {
    double p = r.number("p").value_or(0.5);
    if (*name == "hflip") t = hflip_op{p};
    else t = vflip_op{p};
  } else if (*name == "normalize") {
    normalize_op op;
    if (auto v = r.triple("mean")) op.mean = *v;
    if (auto v = r.triple("std")) op.std = *v;
    t = op;
  } else if (*name == "to_float") {
    t = to_float_op{};
  } else if (*name == "random_affine") {
    random_affine_op op;
    if (auto v = jitter_range(r, "degrees", 0.0, -1e300)) op.degrees = *v;
    else throw config_error(r.sub("degrees"), "required: [low, high] in degrees, or d for [-d, d] (0 for none)");
    op.translate = r.pair("translate");
    op.scale = r.pair("scale");
    if (auto e = r.get("shear")) {
      simdjson::dom::array a;
      if (e->get_array().get(a) == simdjson::SUCCESS) {
        if (a.size() != 2 && a.size() != 4)
          throw config_error(r.sub("shear"), "expected s, [x low, x high] or [x low, x high, y low, y high]");
        std::size_t i = 0;
        for (element v : a) {
          op.shear[i] = object_reader::as_number(v, r.sub("shear") + "[" + std::to_string(i) + "]");
          ++i;
        }
      } else {
        const double s = object_reader::as_number(*e, r.sub("shear"));
        op.shear = {-s, s, 0, 0};
      }
    }
    if (auto v = r.colour("fill")) op.fill = *v;
    if (auto v = r.string("interpolation"))
      op.nearest = choose<bool>(r.sub("interpolation"), *v, {{"bilinear", false}, {"nearest", true}});
    t = op;
  } else if (*name == "color_jitter") {
    color_jitter_op op;
    op.brightness = jitter_range(r, "brightness", 1.0, 0.0);
    op.contrast = jitter_range(r, "contrast", 1.0, 0.0);
    op.saturation = jitter_range(r, "saturation", 1.0, 0.0);
    op.hue = jitter_range(r, "hue", 0.0, -0.5);
    t = op;
  } else if (*name == "random_grayscale") {
    t = random_grayscale_op{r.number("p").value_or(0.1)};
  } else if (*name == "gaussian_blur") {
    gaussian_blur_op op;
    if (auto e = r.get("kernel_size")) {
      simdjson::dom::array a;
      if (e->get_array().get(a) == simdjson::SUCCESS) {
        op.kernel_size = *r.size("kernel_size");
      } else {
        const int k = static_cast<int>(object_reader::as_integer(*e, r.sub("kernel_size"), 1, 1 << 10));
        op.kernel_size = {k, k};
      }
    } else {
      throw config_error(r.sub("kernel_size"), "required: odd, [height, width] or one number");
    }
    if (auto e = r.get("sigma")) {
      simdjson::dom::array a;
      if (e->get_array().get(a) == simdjson::SUCCESS) {
        op.sigma = *r.pair("sigma");
      } else {
        const double v = object_reader::as_number(*e, r.sub("sigma"));
        op.sigma = {v, v};
      }
    }
    t = op;
  } else if (*name == "random_erasing") {
    random_erasing_op op;
    if (auto v = r.number("p")) op.p = *v;
    if (auto v = r.pair("scale")) op.scale = *v;
    if (auto v = r.pair("ratio")) op.ratio = *v;
    if (auto e = r.get("value")) {
      std::string_view word;
      simdjson::dom::array a;
      if (e->get_string().get(word) == simdjson::SUCCESS) {
        if (word != "random") throw config_error(r.sub("value"), "expected a number, [r, g, b] or \"random\"");
        op.random = true;
      } else if (e->get_array().get(a) == simdjson::SUCCESS) {
        op.value = *r.triple("value");
      } else {
        op.value.fill(static_cast<float>(object_reader::as_number(*e, r.sub("value"))));
      }
    }
    t = op;
  } else {
    throw config_error(r.sub("op"), "unknown op '" + detail::clipped(*name) + "' (expected " + op_list + ")");
  }
  r.finish();
  return t;
}

void read_batch(object_reader r, pipeline_spec& s) {
  if (auto v = r.integer("size", 1, 1 << 20)) s.batch.size = static_cast<int>(*v);
  if (auto v = r.string("layout"))
    s.batch.image_layout = choose<layout>(r.sub("layout"), *v, {{"NCHW", layout::nchw}, {"NHWC", layout::nhwc}});
  if (auto v = r.string("dtype"))
    s.batch.image_type = choose<dtype>(r.sub("dtype"), *v, {{"float32", dtype::float32}, {"uint8", dtype::uint8}});
  if (auto e = r.get("pad")) {
    object_reader pr(*e, r.sub("pad"));
    pad_spec p;
    if (auto to = pr.get("to")) {
      std::string_view word;
      if (to->get_string().get(word) == simdjson::SUCCESS) {
        if (word != "max") throw config_error(pr.sub("to"), "expected \"max\" or [height, width]");
      } else {
        p.to = pr.size("to");
      }
    }
    if (auto v = pr.integer("divisor", 1, 4096)) p.divisor = static_cast<int>(*v);
    if (auto e2 = pr.get("value")) {
      simdjson::dom::array a;
      if (e2->get_array().get(a) == simdjson::SUCCESS) {
        if (auto v = pr.triple("value")) p.value = *v;
      } else {
        p.value.fill(static_cast<float>(object_reader::as_number(*e2, pr.sub("value"))));
      }
    }
    pr.finish();
    s.batch.pad = p;
  }
  r.finish();
}

void read_decode(object_reader r, pipeline_spec& s) {
  if (auto v = r.string("exif"))
    s.decode.apply_exif = choose<bool>(r.sub("exif"), *v, {{"apply", true}, {"ignore", false}});
  if (auto v = r.integer("max_pixels", 1, std::numeric_limits<std::int64_t>::max()))
    s.decode.max_pixels = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer("max_file_bytes", 1, std::numeric_limits<std::int64_t>::max()))
    s.decode.max_file_bytes = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer("max_png_chunk_bytes", 1, std::numeric_limits<std::int64_t>::max()))
    s.decode.max_png_chunk_bytes = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer("max_scans", 1, 1 << 20)) s.decode.max_scans = static_cast<int>(*v);
  if (auto v = r.boolean("strict")) s.decode.strict = *v;
  if (auto v = r.string("plan"))
    s.decode.plan =
        choose<decode_plan>(r.sub("plan"), *v, {{"exact", decode_plan::exact}, {"fast", decode_plan::fast}});
  r.finish();
}

void read_loader(object_reader r, pipeline_spec& s) {
  if (auto v = r.integer("threads", 0, 1024)) s.loader.threads = static_cast<int>(*v);
  if (auto v = r.integer("prefetch_batches", 1, 1024)) s.loader.prefetch_batches = static_cast<int>(*v);
  if (auto v = r.string("on_error"))
    s.loader.on_error = choose<error_policy>(
        r.sub("on_error"), *v,
        {{"fail", error_policy::fail}, {"skip", error_policy::skip}, {"substitute", error_policy::substitute}});
  if (auto v = r.integer("substitute_attempts", 1, 1000)) s.loader.substitute_attempts = static_cast<int>(*v);
  if (auto v = r.string("quarantine")) s.loader.quarantine = std::filesystem::path(*v);
  if (auto v = r.integer("max_memory", 1, std::numeric_limits<std::int64_t>::max()))
    s.loader.max_memory = static_cast<std::uint64_t>(*v);
  r.finish();
}

void read_io(object_reader r, pipeline_spec& s) {
  if (auto v = r.string("cache_dir")) s.io.cache_dir = *v;
  if (auto v = r.integer("retries", 0, 100)) s.io.retries = static_cast<int>(*v);
  if (auto v = r.number("timeout_s")) {
    if (!(*v > 0 && *v <= 86400)) throw config_error(r.sub("timeout_s"), "must be more than 0 seconds (at most a day)");
    s.io.timeout_s = *v;
  }
  if (auto v = r.integer("read_ahead_bytes", 1, std::numeric_limits<std::int64_t>::max()))
    s.io.read_ahead_bytes = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer("max_requests", 1, 1024)) s.io.max_requests = static_cast<int>(*v);
  if (auto v = r.number("backoff_s")) {
    if (!(*v >= 0 && *v <= 3600)) throw config_error(r.sub("backoff_s"), "must be 0 to 3600 seconds");
    s.io.backoff_s = *v;
  }
  r.finish();
}

}  // namespace

pipeline_spec pipeline_spec::from_json(std::string_view json, const std::filesystem::path& base_dir) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(json);
  element doc;
  if (auto err = parser.parse(text).get(doc))
    throw config_error("", std::string("invalid JSON: ") + simdjson::error_message(err));
  pipeline_spec s;
  s.base_dir = base_dir;
  object_reader top(doc, "");
  if (auto v = top.integer("version", 1, 1); !v && top.get("version")) throw config_error("version", "must be 1");
  if (auto e = top.get("dataset")) read_dataset(object_reader(*e, "dataset"), s);
  else throw config_error("dataset", "required");
  if (s.dataset.format == dataset_format::coco || s.dataset.format == dataset_format::voc ||
      s.dataset.format == dataset_format::yolo)
    s.targets.boxes = boxes_target{};  // on unless `"boxes": false`
  if (auto e = top.get("targets")) read_targets(object_reader(*e, "targets"), s);
  if (auto e = top.get("sampler")) read_sampler(object_reader(*e, "sampler"), s);
  if (auto e = top.get("transforms")) {
    simdjson::dom::array a;
    if (e->get_array().get(a) != simdjson::SUCCESS) expected("transforms", "an array of ops", *e);
    std::size_t i = 0;
    for (element op : a) s.transforms.push_back(read_op(object_reader(op, "transforms[" + std::to_string(i++) + "]")));
  }
  if (auto e = top.get("batch")) read_batch(object_reader(*e, "batch"), s);
  if (auto e = top.get("decode")) read_decode(object_reader(*e, "decode"), s);
  if (auto e = top.get("loader")) read_loader(object_reader(*e, "loader"), s);
  if (auto e = top.get("io")) read_io(object_reader(*e, "io"), s);
  top.finish();
  s.validate();
  return s;
}

pipeline_spec pipeline_spec::from_file(const std::filesystem::path& path) {
  // A spec is a few kilobytes; the fixed limit keeps /dev/zero or a FIFO given as the spec from
  // filling memory or blocking (it cannot come from the spec itself).
  constexpr std::uint64_t max_spec_bytes = 16u << 20;
  std::string text;
  if (auto why = detail::read_metadata(path.string(), max_spec_bytes, "16 MiB for a spec", text); !why.empty())
    throw config_error("", "cannot read the spec file: " + why, path.string());
  try {
    return from_json(text, path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
  } catch (const config_error& e) {
    throw config_error(e.key_path(), e.message(), path.string());
  }
}

}  // namespace imgbatch
