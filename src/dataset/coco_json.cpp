#include "dataset/coco_json.hpp"

#include "dataset/box_check.hpp"
#include "dataset/rle.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace imgbatch::detail {
namespace {

// Polygon points farther than the image's own size outside it are corrupt (real polygons stray a few
// pixels at most), and would cost the rasteriser time and memory in proportion to their length.
std::string polygon_problem(const segmentation& s, int width, int height) {
  const double w = width, h = height;
  for (const auto& ring : s.polygons)
    for (std::size_t j = 0; j + 1 < ring.size(); j += 2) {
      const double x = ring[j], y = ring[j + 1];
      if (std::isfinite(x) && std::isfinite(y) && x >= -w && x <= 2 * w && y >= -h && y <= 2 * h) continue;
      char point[64];
      std::snprintf(point, sizeof point, "(%g, %g)", x, y);
      return std::string("'segmentation' point ") + point + " lies farther outside the " + std::to_string(width) + "x" +
             std::to_string(height) + " image than its own size";
    }
  return {};
}

}  // namespace

std::int64_t get_int(od::value v, const json_context& c, const std::string& entry, const char* key) {
  std::int64_t i;
  if (v.get_int64().get(i) == simdjson::SUCCESS) return i;
  double d = 0;
  // A whole number written as a double (1.0, 1e3) within int64's range; the cast of one outside it is undefined.
  if (v.get_double().get(d) == simdjson::SUCCESS && d >= -9.2e18 && d <= 9.2e18 && d == std::floor(d))
    return static_cast<std::int64_t>(d);
  c.fail(entry, std::string("'") + key + "' must be an integer");
}

double get_number(od::value v, const json_context& c, const std::string& entry, const char* key) {
  double d = 0;
  c.check(v.get_double().get(d), entry, (std::string("'") + key + "' must be a number").c_str());
  return d;
}

int get_size(od::value v, const json_context& c, const std::string& entry, const char* key) {
  const std::int64_t n = get_int(v, c, entry, key);
  if (n < 0 || n > 2147483647) c.fail(entry, std::string("'") + key + "' must be 0 to 2147483647");
  return static_cast<int>(n);
}

void read_segmentation(od::value v, const json_context& c, const std::string& entry, segmentation& s) {
  od::json_type t = od::json_type::null;
  c.check(v.type().get(t), entry, "bad 'segmentation'");
  if (t == od::json_type::array) {
    for (auto ring : v.get_array()) {
      od::array pts;
      c.check(ring.get_array().get(pts), entry, "'segmentation' polygons must be arrays of numbers");
      std::vector<double> poly;
      for (auto n : pts) {
        double d = 0;
        c.check(n.get_double().get(d), entry, "'segmentation' polygons must be arrays of numbers");
        poly.push_back(d);
      }
      if (poly.size() % 2) c.fail(entry, "a 'segmentation' polygon has an odd number of coordinates");
      s.polygons.push_back(std::move(poly));
    }
    return;
  }
  if (t != od::json_type::object) c.fail(entry, "'segmentation' must be a list of polygons or an RLE object");
  std::string counts_text;
  bool have_counts = false;
  key_set seen;
  for (auto field : v.get_object()) {
    std::string_view key;
    c.check(field.unescaped_key().get(key), entry, "bad key");
    seen.add(key, c, entry + " 'segmentation'");
    od::value fv = field.value();
    if (key == "size") {
      std::vector<std::int64_t> hw;
      for (auto n : fv.get_array()) hw.push_back(get_int(n.value(), c, entry, "size"));
      if (hw.size() != 2 || hw[0] <= 0 || hw[1] <= 0) c.fail(entry, "RLE 'size' must be [height, width]");
      if (hw[0] > 2147483647 || hw[1] > 2147483647) c.fail(entry, "RLE 'size' is larger than 2147483647");
      s.rle_height = static_cast<int>(hw[0]);
      s.rle_width = static_cast<int>(hw[1]);
    } else if (key == "counts") {
      have_counts = true;
      od::json_type ct = od::json_type::null;
      c.check(fv.type().get(ct), entry, "bad RLE 'counts'");
      if (ct == od::json_type::string) {
        std::string_view text;
        c.check(fv.get_string().get(text), entry, "bad RLE 'counts'");
        counts_text = text;
      } else {
        for (auto n : fv.get_array()) {
          const std::int64_t k = get_int(n.value(), c, entry, "counts");
          if (k < 0 || k > 0xffffffffll) c.fail(entry, "RLE 'counts' must be non-negative");
          s.rle_counts.push_back(static_cast<std::uint32_t>(k));
        }
      }
    }
  }
  if (!have_counts || s.rle_height == 0) c.fail(entry, "an RLE 'segmentation' needs 'size' and 'counts'");
  if (!counts_text.empty())
    if (auto why = rle_from_string(counts_text, s.rle_counts); !why.empty()) c.fail(entry, "RLE 'counts': " + why);
  std::uint64_t total = 0;
  for (auto k : s.rle_counts) total += k;
  if (total != static_cast<std::uint64_t>(s.rle_height) * static_cast<std::uint64_t>(s.rle_width))
    c.fail(entry, "RLE 'counts' cover " + std::to_string(total) + " pixels, not " + std::to_string(s.rle_height) + "x" +
                      std::to_string(s.rle_width));
}

void read_annotations(od::array arr, const json_context& c, bool want_segm, std::vector<coco_annotation>& out,
                      std::vector<segmentation>& segms) {
  coco_annotation a;
  auto start = [&] { a = coco_annotation{}; };
  auto field = [&](const std::string& entry, std::string_view key, od::value v) {
    if (key == "id") {
      a.id = get_int(v, c, entry, "id");
    } else if (key == "image_id") {
      a.image_id = get_int(v, c, entry, "image_id");
    } else if (key == "category_id") {
      a.category_id = get_int(v, c, entry, "category_id");
    } else if (key == "iscrowd") {
      a.crowd = get_int(v, c, entry, "iscrowd") != 0;
    } else if (key == "bbox") {
      int k = 0;
      od::array b;
      c.check(v.get_array().get(b), entry, "'bbox' must be [x, y, width, height]");
      for (auto n : b) {
        if (k == 4) c.fail(entry, "'bbox' must be [x, y, width, height]");
        a.bbox[k++] = get_number(n.value(), c, entry, "bbox");
      }
      if (k != 4) c.fail(entry, "'bbox' must be [x, y, width, height]");
      a.has_bbox = true;
    } else if (key == "segmentation" && want_segm) {
      segmentation s;
      read_segmentation(v, c, entry, s);
      if (!s.polygons.empty() || s.is_rle()) {
        a.segm = static_cast<std::uint32_t>(segms.size());
        segms.push_back(std::move(s));
      }
    }
  };
  auto end = [&](const std::string& entry) {
    if (!a.has_bbox) c.fail(entry + (a.id >= 0 ? " (id " + std::to_string(a.id) + ")" : ""), "no 'bbox'");
    out.push_back(a);
  };
  for_each_object(arr, c, "annotations", start, field, end);
}

void read_categories(od::array arr, const json_context& c, std::vector<class_info>& out) {
  class_info k;
  bool have_id = false;
  auto start = [&] {
    k = class_info{};
    have_id = false;
  };
  auto field = [&](const std::string& entry, std::string_view key, od::value v) {
    if (key == "id") {
      k.category_id = get_int(v, c, entry, "id");
      have_id = true;
    } else if (key == "name") {
      std::string_view s;
      c.check(v.get_string().get(s), entry, "'name' must be a string");
      k.name = s;
    }
  };
  auto end = [&](const std::string& entry) {
    if (!have_id) c.fail(entry, "a category needs an 'id'");
    out.push_back(std::move(k));
  };
  for_each_object(arr, c, "categories", start, field, end);
}

std::unordered_map<std::int64_t, std::int32_t> category_labels(const pipeline_spec& spec, std::vector<class_info>& cats,
                                                               const std::string& file, dataset_index& index) {
  // Categories: ids unique; labels are the ids, or 0..K-1 in ascending id order.
  std::sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) { return a.category_id < b.category_id; });
  std::unordered_map<std::int64_t, std::int32_t> label_of;
  for (std::size_t k = 0; k < cats.size(); ++k) {
    const std::string entry = "category id " + std::to_string(cats[k].category_id);
    if (k && cats[k].category_id == cats[k - 1].category_id) {
      index.problems.push_back({file, entry, "listed twice"});
      continue;
    }
    if (spec.dataset.category_labels == label_mapping::category_id) {
      // The id becomes the label, an int32; -1 is the padding value of the labels tensor, so a real box
      // with it would read as no box.
      if (cats[k].category_id < std::numeric_limits<std::int32_t>::min() ||
          cats[k].category_id > std::numeric_limits<std::int32_t>::max()) {
        index.problems.push_back({file, entry,
                                  "does not fit a label (a 32-bit integer); set dataset.category_labels to "
                                  "\"contiguous\" to number the categories"});
        continue;
      }
      if (cats[k].category_id == -1) {
        index.problems.push_back({file, entry,
                                  "would be label -1, the padding value of the labels tensor; set "
                                  "dataset.category_labels to \"contiguous\" to number the categories"});
        continue;
      }
    }
    switch (spec.dataset.category_labels) {
      case label_mapping::category_id:
        cats[k].label = static_cast<std::int32_t>(cats[k].category_id);
        break;
      case label_mapping::contiguous:
        cats[k].label = static_cast<std::int32_t>(index.classes.size());
        break;
      case label_mapping::contiguous_from_1:
        cats[k].label = static_cast<std::int32_t>(index.classes.size()) + 1;
        break;
    }
    label_of.emplace(cats[k].category_id, cats[k].label);
    index.classes.push_back(cats[k]);
  }
  return label_of;
}

bool convert_annotation(const pipeline_spec& spec, const coco_annotation& a, std::int32_t label, int width, int height,
                        const std::string& file, const std::string& entry, dataset_index& index, annotation& out) {
  out = annotation{};
  out.x1 = static_cast<float>(a.bbox[0]);
  out.y1 = static_cast<float>(a.bbox[1]);
  out.x2 = static_cast<float>(a.bbox[0] + a.bbox[2]);
  out.y2 = static_cast<float>(a.bbox[1] + a.bbox[3]);
  out.label = label;
  out.segm = a.segm;
  if (a.crowd) out.flags = spec.dataset.crowd == crowd_policy::ignore_region ? annotation::region_only : box_flag_crowd;
  if (a.segm != annotation::no_segmentation) {
    const segmentation& s = index.segmentations[a.segm];
    if (s.is_rle() && (s.rle_height != height || s.rle_width != width))
      index.problems.push_back({file, entry,
                                "RLE size " + std::to_string(s.rle_height) + "x" + std::to_string(s.rle_width) +
                                    " differs from its image's " + std::to_string(height) + "x" +
                                    std::to_string(width) + " (height x width)"});
    if (auto why = polygon_problem(s, width, height); !why.empty()) {
      index.problems.push_back({file, entry, why});
      return false;
    }
  }
  if (!admit_box(out, width, height, file, entry, index.problems)) {
    if (!(out.flags & annotation::region_only)) return false;  // a crowd region is still painted in masks
  }
  return true;
}

}  // namespace imgbatch::detail
