// Pascal VOC: one XML file per image (annotation/size, annotation/object/{name, difficult, bndbox}),
// parsed with pugixml and matched to the images by relative path without extension.
#include <imgbatch/error.hpp>

#include "dataset/box_check.hpp"
#include "dataset/dataset.hpp"
#include "dataset/scan.hpp"
#include "util/clip.hpp"

#include <cstdlib>
#include <pugixml.hpp>
#include <unordered_map>

namespace imgbatch::detail {
namespace fs = std::filesystem;

namespace {

// A number element such as <xmin>48.5</xmin>; false when missing or not a number.
bool number_of(const pugi::xml_node& parent, const char* name, double& out) {
  const pugi::xml_node n = parent.child(name);
  if (!n) return false;
  const char* text = n.text().get();
  char* end = nullptr;
  out = std::strtod(text, &end);
  if (end == text) return false;
  while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') ++end;
  return *end == '\0';
}

}  // namespace

void read_voc(const pipeline_spec& spec, dataset_index& index) {
  const fs::path images_dir = resolve(spec, spec.dataset.images);
  const fs::path xml_dir = resolve(spec, spec.dataset.annotations);
  const auto images = scan_folder(images_dir, "images", image_extensions, index.problems);
  const auto xmls = scan_folder(xml_dir, "annotations", {".xml"}, index.problems);
  if (images.empty()) throw dataset_error(images_dir.string() + ": no .jpg, .jpeg or .png files found");
  const std::vector<std::string> names = class_names(spec);
  if (names.empty()) throw dataset_error("dataset.classes: a VOC dataset needs its class names, in label order");
  std::unordered_map<std::string, std::int32_t> label_of;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!label_of.emplace(names[i], static_cast<std::int32_t>(i)).second)
      throw dataset_error("dataset.classes: '" + names[i] + "' is listed twice");
    index.classes.push_back({static_cast<std::int32_t>(i), static_cast<std::int64_t>(i), names[i]});
  }
  for (const auto& [key, xml] : xmls)
    if (!images.count(key))
      index.problems.push_back({xml, "", "no image of this name in " + images_dir.string() + ": ignored", false});

  index.records.reserve(images.size());
  std::string text;
  for (const auto& [key, image] : images) {
    sample_record r;
    r.add(file_role::image, image);
    r.first_annotation = static_cast<std::uint32_t>(index.annotations.size());
    auto x = xmls.find(key);
    if (x == xmls.end()) {
      index.problems.push_back(
          {image, "", "no annotation file " + (xml_dir / (key + ".xml")).string() + ": loaded without boxes", false});
      index.records.push_back(std::move(r));
      continue;
    }
    const std::string& file = x->second;
    r.annotation_file = file;
    if (auto why = read_dataset_file(spec, file, text); !why.empty()) {
      index.problems.push_back({file, "", "cannot read the annotation file: " + why});
      continue;
    }
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size());
    if (!parsed) {
      index.problems.push_back(
          {file, "offset " + std::to_string(parsed.offset), std::string("invalid XML: ") + parsed.description()});
      continue;
    }
    const pugi::xml_node root = doc.child("annotation");
    if (!root) {
      index.problems.push_back({file, "", "no <annotation> element: not a Pascal VOC file"});
      continue;
    }
    double w = 0, h = 0;
    if (const pugi::xml_node size = root.child("size")) {
      if (!number_of(size, "width", w) || !number_of(size, "height", h) || !(w > 0 && h > 0) || w > 2147483647 ||
          h > 2147483647) {
        index.problems.push_back({file, "<size>", "width and height must be positive numbers up to 2147483647"});
        continue;
      }
      r.width = static_cast<int>(w);
      r.height = static_cast<int>(h);
    }
    int k = 0;
    for (const pugi::xml_node obj : root.children("object")) {
      const std::string entry = "<object> " + std::to_string(++k);
      const std::string name = obj.child_value("name");
      auto label = label_of.find(name);
      if (label == label_of.end()) {
        index.problems.push_back({file, entry, "class '" + clipped(name) + "' is not in dataset.classes"});
        continue;
      }
      const pugi::xml_node bb = obj.child("bndbox");
      double x1, y1, x2, y2;
      if (!bb || !number_of(bb, "xmin", x1) || !number_of(bb, "ymin", y1) || !number_of(bb, "xmax", x2) ||
          !number_of(bb, "ymax", y2)) {
        index.problems.push_back({file, entry, "<bndbox> needs numeric xmin, ymin, xmax and ymax"});
        continue;
      }
      annotation a;
      a.x1 = static_cast<float>(x1);
      a.y1 = static_cast<float>(y1);
      a.x2 = static_cast<float>(x2);
      a.y2 = static_cast<float>(y2);
      a.label = label->second;
      double difficult = 0;
      if (number_of(obj, "difficult", difficult) && difficult != 0) a.flags |= box_flag_difficult;
      if (!admit_box(a, w, h, file, entry, index.problems)) continue;
      index.annotations.push_back(a);
      ++r.annotation_count;
    }
    index.records.push_back(std::move(r));
  }
}

}  // namespace imgbatch::detail
