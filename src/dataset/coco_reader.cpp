// COCO instances JSON (images, annotations, categories), read in one pass with simdjson On-Demand so a
// train2017-sized file (about 450 MB) is indexed without building a DOM of it.
#include <imgbatch/error.hpp>

#include "dataset/coco_json.hpp"
#include "dataset/dataset.hpp"
#include "util/clip.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

namespace imgbatch::detail {
namespace fs = std::filesystem;

namespace {

struct coco_image {
  std::int64_t id = -1;
  std::string file_name;
  int width = 0, height = 0;
};

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

  const auto label_of = category_labels(spec, cats, file, index);

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
    const coco_image& img = images[im->second];
    if (!convert_annotation(spec, a, cat->second, img.width, img.height, file, entry, index, converted[j])) continue;
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
    r.add(file_role::image, (images_dir / images[i].file_name).lexically_normal().string());
    r.width = images[i].width;
    r.height = images[i].height;
    r.first_annotation = first[i];
    r.annotation_count = fill[i];
    r.annotation_file = file;
    index.records.push_back(std::move(r));
  }
}

}  // namespace imgbatch::detail
