#pragma once

// COCO's JSON objects (annotations, segmentations, categories), read with simdjson On-Demand: shared by
// the COCO reader (one instances file) and the WebDataset reader (one small JSON per sample).
#include <imgbatch/error.hpp>
#include <imgbatch/spec.hpp>

#include "dataset/dataset.hpp"
#include "util/clip.hpp"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace imgbatch::detail {
namespace od = simdjson::ondemand;

/// One COCO annotation object as written (bbox is x, y, width, height).
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

std::int64_t get_int(od::value v, const json_context& c, const std::string& entry, const char* key);
double get_number(od::value v, const json_context& c, const std::string& entry, const char* key);
/// An image size: 0 to 2147483647 (an int), else the entry fails.
int get_size(od::value v, const json_context& c, const std::string& entry, const char* key);

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

/// A COCO `segmentation`: polygons or an RLE object (counts as numbers or COCO's compressed string).
void read_segmentation(od::value v, const json_context& c, const std::string& entry, segmentation& s);
/// The objects of an `annotations` array; their segmentations (when `want_segm`) go to `segms`.
void read_annotations(od::array arr, const json_context& c, bool want_segm, std::vector<coco_annotation>& out,
                      std::vector<segmentation>& segms);
/// The objects of a `categories` array (id and name).
void read_categories(od::array arr, const json_context& c, std::vector<class_info>& out);

/// Numbers the categories as dataset.category_labels says and puts them in `index.classes` (in
/// ascending id order); ids listed twice, and ids that cannot be labels, are problems of `file`.
/// Returns the label of each category id.
std::unordered_map<std::int64_t, std::int32_t> category_labels(const pipeline_spec& spec, std::vector<class_info>& cats,
                                                               const std::string& file, dataset_index& index);

/// Turns annotation `a` of a width × height image into `out` with label `label`: its box (clipped or
/// refused by admit_box), crowd flags as dataset.crowd says, its segmentation checked against the image.
/// Returns false when it is left out (the problem is recorded in `index`, naming `file` and `entry`).
bool convert_annotation(const pipeline_spec& spec, const coco_annotation& a, std::int32_t label, int width, int height,
                        const std::string& file, const std::string& entry, dataset_index& index, annotation& out);

}  // namespace imgbatch::detail
