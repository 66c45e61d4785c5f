// COCO instances JSON (images, annotations, categories), read in one pass with simdjson On-Demand so a
// train2017-sized file (about 450 MB) is indexed without building a DOM of it.
#include <imgbatch/error.hpp>

#include "dataset/box_check.hpp"
#include "dataset/dataset.hpp"
#include "dataset/rle.hpp"
#include "util/clip.hpp"

#include <simdjson.h>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

namespace imgbatch::detail {
namespace fs = std::filesystem;
namespace od = simdjson::ondemand;

namespace {

struct coco_image {
  std::int64_t id = -1;
  std::string file_name;
  int width = 0, height = 0;
};

struct coco_annotation {
  std::int64_t id = -1, image_id = -1, category_id = -1;
  double bbox[4] = {0, 0, 0, 0};
  bool has_bbox = false;
  bool crowd = false;
  std::uint32_t segm = annotation::no_segmentation;
};

/// Turns simdjson error codes into dataset_error naming the file and the element.
struct json_context {
  const std::string& file;
  [[noreturn]] void fail(const std::string& entry, const std::string& what) const {
    throw dataset_error(file + ": " + entry + ": " + what);
  }
  void check(simdjson::error_code e, const std::string& entry, const char* what) const {
    if (e) fail(entry, std::string(what) + " (" + simdjson::error_message(e) + ")");
  }
};

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

// Calls start(entry) for every object of an array named `what`, field(entry, key, value) for each of its
// fields in document order, then end(entry); `entry` names the element ("images[3]") for messages.
// A key given twice in one object is an error naming it (JSON parsers keep the first or the last; a file
// with "annotations" twice would otherwise count every box twice).
class key_set {
 public:
  void clear() { keys_.clear(); }
  void add(std::string_view key, const json_context& c, const std::string& entry) {
    for (const std::string& k : keys_)
      if (k == key) c.fail(entry, "key '" + clipped(key) + "' given twice");
    keys_.emplace_back(key);
  }

 private:
  std::vector<std::string> keys_;
};

template <class Start, class Field, class End>
void for_each_object(od::array arr, const json_context& c, const char* what, Start start, Field field, End end) {
  std::size_t i = 0;
  key_set seen;
  for (auto item : arr) {
    std::string entry = std::string(what) + "[" + std::to_string(i++) + "]";
    od::object obj;
    c.check(item.get_object().get(obj), entry, "expected an object");
    start();
    seen.clear();
    for (auto f : obj) {
      std::string_view key;
      c.check(f.unescaped_key().get(key), entry, "bad key");
      seen.add(key, c, entry);
      field(entry, key, f.value());
    }
    end(entry);
  }
}

// An image size: 0 to 2147483647 (an int), else the entry fails.
int get_size(od::value v, const json_context& c, const std::string& entry, const char* key) {
  const std::int64_t n = get_int(v, c, entry, key);
  if (n < 0 || n > 2147483647) c.fail(entry, std::string("'") + key + "' must be 0 to 2147483647");
  return static_cast<int>(n);
}

void read_images(od::array arr, const json_context& c, std::vector<coco_image>& out) {
  coco_image im;
  auto start = [&] { im = coco_image{}; };
  auto field = [&](const std::string& entry, std::string_view key, od::value v) {
    if (key == "id") im.id = get_int(v, c, entry, "id");
    else if (key == "file_name") {
      std::string_view s;
      c.check(v.get_string().get(s), entry, "'file_name' must be a string");
      im.file_name = s;
    } else if (key == "width") im.width = get_size(v, c, entry, "width");
    else if (key == "height") im.height = get_size(v, c, entry, "height");
  };
  auto end = [&](const std::string& entry) {
    if (im.id < 0 && im.file_name.empty()) c.fail(entry, "an image needs 'id' and 'file_name'");
    if (im.file_name.empty()) c.fail(entry + " (id " + std::to_string(im.id) + ")", "no 'file_name'");
    out.push_back(std::move(im));
  };
  for_each_object(arr, c, "images", start, field, end);
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

// A file_name must name a file inside the images folder: not an absolute path, no ".." that climbs out
// of it (checked on the text, so symbolic links inside the folder are still followed), not longer than a
// path can be. Returns why not, or "".
std::string file_name_problem(const std::string& name, bool allow_outside) {
  if (name.size() > max_path_bytes)
    return "'file_name' is " + std::to_string(name.size()) + " bytes long, more than a path can be (" +
           std::to_string(max_path_bytes) + "): '" + clipped(name, 100) + "'";
  if (allow_outside) return {};
  const fs::path p(name);
  if (p.is_absolute())
    return "'file_name' '" + clipped(name) +
           "' is an absolute path, outside the images folder (dataset.allow_outside_images allows it)";
  int depth = 0;
  for (const fs::path& part : p.lexically_normal()) {
    if (part == "..") --depth;
    else if (part != "." && !part.empty()) ++depth;
    if (depth < 0)
      return "'file_name' '" + clipped(name) +
             "' leaves the images folder through '..' (dataset.allow_outside_images allows it)";
  }
  return {};
}

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

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

void read_coco(const pipeline_spec& spec, dataset_index& index) {
  const fs::path json_path = resolve(spec, spec.dataset.annotations);
  const std::string file = json_path.string();
  const fs::path images_dir = resolve(spec, spec.dataset.images);
  const bool want_segm = spec.targets.mask.has_value() || spec.targets.instance_masks.has_value();

  std::string text;
  if (auto why = read_dataset_file(spec, json_path, text, simdjson::SIMDJSON_PADDING); !why.empty())
    throw dataset_error(file + ": cannot read the COCO annotations file: " + why);
  std::vector<coco_image> images;
  std::vector<coco_annotation> anns;
  std::vector<class_info> cats;
  bool saw_images = false, saw_anns = false, saw_cats = false;
  // simdjson's On-Demand API throws where a value is taken without an error check (a range-for over an
  // array, value()); a document broken anywhere fails as a whole, naming the file.
  try {
    od::parser parser;
    const json_context c{file};
    key_set seen;
    od::document doc;
    c.check(parser.iterate(simdjson::padded_string_view(text.data(), text.size(), text.capacity())).get(doc),
            "(top level)", "invalid JSON");
    od::object top;
    c.check(doc.get_object().get(top), "(top level)", "expected a COCO object with images, annotations, categories");
    for (auto field : top) {
      std::string_view key;
      c.check(field.unescaped_key().get(key), "(top level)", "invalid JSON");
      seen.add(key, c, "(top level)");
      od::value v = field.value();
      od::array arr;
      if (key == "images" || key == "annotations" || key == "categories")
        c.check(v.get_array().get(arr), std::string(key), "expected an array");
      if (key == "images") {
        read_images(arr, c, images);
        saw_images = true;
      } else if (key == "annotations") {
        read_annotations(arr, c, want_segm, anns, index.segmentations);
        saw_anns = true;
      } else if (key == "categories") {
        read_categories(arr, c, cats);
        saw_cats = true;
      }
    }
    if (!saw_images || !saw_anns || !saw_cats)
      throw dataset_error(file + ": not a COCO instances file: it needs 'images', 'annotations' and 'categories'");
  } catch (const simdjson::simdjson_error& e) {
    throw dataset_error(file + ": invalid JSON: " + e.what());
  }
  std::string().swap(text);  // the text is no longer needed: free it before building the index

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

  // Images: ids unique, files present.
  std::unordered_map<std::int64_t, std::uint32_t> image_of;
  image_of.reserve(images.size());
  std::vector<int> keep(images.size(), 1);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const coco_image& im = images[i];
    const std::string entry = "image id " + std::to_string(im.id);
    if (!image_of.emplace(im.id, static_cast<std::uint32_t>(i)).second) {
      index.problems.push_back({file, entry, "image id listed twice (" + clipped(im.file_name) + ")"});
      keep[i] = 0;
      continue;
    }
    if (im.width <= 0 || im.height <= 0) {
      index.problems.push_back({file, entry, "'width' and 'height' must be positive (" + clipped(im.file_name) + ")"});
      keep[i] = 0;
      continue;
    }
    if (auto why = file_name_problem(im.file_name, spec.dataset.allow_outside_images); !why.empty()) {
      index.problems.push_back({file, entry, why});
      keep[i] = 0;
      continue;
    }
    const std::string path = (images_dir / im.file_name).lexically_normal().string();
    if (!is_file(path)) {
      index.problems.push_back({path, entry, "image file not found", !spec.dataset.skip_missing});
      keep[i] = 0;
      ++index.skipped_missing;
    }
  }
  if (!spec.dataset.skip_missing) index.skipped_missing = 0;

  // Annotation ids are unique in a COCO file; a repeated one (a file merged twice) is reported.
  {
    std::unordered_set<std::int64_t> ids;
    ids.reserve(anns.size());
    for (const coco_annotation& a : anns)
      if (a.id >= 0 && !ids.insert(a.id).second)
        index.problems.push_back({file, "annotation id " + std::to_string(a.id), "listed twice", false});
  }

  // Annotations, grouped by image in the images' order.
  std::vector<std::uint32_t> owner(anns.size(), 0xffffffffu);
  std::vector<annotation> converted(anns.size());
  std::vector<std::uint32_t> per_image(images.size() + 1, 0);
  for (std::size_t j = 0; j < anns.size(); ++j) {
    const coco_annotation& a = anns[j];
    const std::string entry = "annotation id " + std::to_string(a.id);
    auto im = image_of.find(a.image_id);
    if (im == image_of.end()) {
      index.problems.push_back(
          {file, entry, "refers to image id " + std::to_string(a.image_id) + ", which 'images' does not list", false});
      continue;
    }
    auto cat = label_of.find(a.category_id);
    if (cat == label_of.end()) {
      index.problems.push_back({file, entry, "unknown category id " + std::to_string(a.category_id)});
      continue;
    }
    if (a.crowd && spec.dataset.crowd == crowd_policy::drop) {
      ++index.dropped_crowd;
      continue;
    }
    annotation& out = converted[j];
    out.x1 = static_cast<float>(a.bbox[0]);
    out.y1 = static_cast<float>(a.bbox[1]);
    out.x2 = static_cast<float>(a.bbox[0] + a.bbox[2]);
    out.y2 = static_cast<float>(a.bbox[1] + a.bbox[3]);
    out.label = cat->second;
    out.segm = a.segm;
    if (a.crowd)
      out.flags = spec.dataset.crowd == crowd_policy::ignore_region ? annotation::region_only : box_flag_crowd;
    const coco_image& img = images[im->second];
    if (a.segm != annotation::no_segmentation) {
      const segmentation& s = index.segmentations[a.segm];
      if (s.is_rle() && (s.rle_height != img.height || s.rle_width != img.width))
        index.problems.push_back({file, entry,
                                  "RLE size " + std::to_string(s.rle_height) + "x" + std::to_string(s.rle_width) +
                                      " differs from its image's " + std::to_string(img.height) + "x" +
                                      std::to_string(img.width) + " (height x width)"});
      if (auto why = polygon_problem(s, img.width, img.height); !why.empty()) {
        index.problems.push_back({file, entry, why});
        continue;
      }
    }
    if (!admit_box(out, img.width, img.height, file, entry, index.problems)) {
      if (!(out.flags & annotation::region_only)) continue;  // a crowd region is still painted in masks
    }
    owner[j] = im->second;
    ++per_image[im->second];
  }
  std::vector<std::uint32_t> first(images.size(), 0);
  std::uint32_t total = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    first[i] = total;
    total += keep[i] ? per_image[i] : 0;
  }
  index.annotations.resize(total);
  std::vector<std::uint32_t> fill(images.size(), 0);
  for (std::size_t j = 0; j < anns.size(); ++j) {
    const std::uint32_t i = owner[j];
    if (i == 0xffffffffu || !keep[i]) continue;
    index.annotations[first[i] + fill[i]++] = converted[j];
  }
  index.records.reserve(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (!keep[i]) continue;
    sample_record r;
    r.source_id = images[i].id;
    r.image = (images_dir / images[i].file_name).lexically_normal().string();
    r.width = images[i].width;
    r.height = images[i].height;
    r.first_annotation = first[i];
    r.annotation_count = fill[i];
    r.annotation_file = file;
    index.records.push_back(std::move(r));
  }
}

}  // namespace imgbatch::detail
