// YOLO (darknet / Ultralytics): one text file per image of `class cx cy w h` lines, normalised to the
// image size, matched to the images by relative path without extension. The image size comes from
// the image header when the sample is loaded.
#include <imgbatch/error.hpp>

#include "dataset/box_check.hpp"
#include "dataset/dataset.hpp"
#include "dataset/scan.hpp"
#include "util/clip.hpp"
#include "util/file.hpp"

#include <charconv>
#include <sstream>

namespace imgbatch::detail {
namespace fs = std::filesystem;

void read_yolo(const pipeline_spec& spec, dataset_index& index) {
  const fs::path images_dir = resolve(spec, spec.dataset.images);
  const fs::path labels_dir = resolve(spec, spec.dataset.labels);
  const auto images = scan_folder(images_dir, "images", image_extensions, index.problems);
  const auto labels = scan_folder(labels_dir, "labels", {".txt"}, index.problems);
  if (images.empty()) throw dataset_error(images_dir.string() + ": no .jpg, .jpeg or .png files found");
  const std::vector<std::string> names = class_names(spec);
  for (std::size_t i = 0; i < names.size(); ++i)
    index.classes.push_back({static_cast<std::int32_t>(i), static_cast<std::int64_t>(i), names[i]});
  for (const auto& [key, txt] : labels)
    if (!images.count(key))
      index.problems.push_back({txt, "", "no image of this name in " + images_dir.string() + ": ignored", false});

  index.records.reserve(images.size());
  std::string text;
  for (const auto& [key, image] : images) {
    sample_record r;
    r.add(file_role::image, image);
    r.normalized = true;
    r.first_annotation = static_cast<std::uint32_t>(index.annotations.size());
    auto l = labels.find(key);
    if (l != labels.end()) {  // no label file: an image without objects, as in darknet and Ultralytics
      const std::string& file = l->second;
      r.annotation_file = file;
      if (auto why = read_dataset_file(spec, file, text); !why.empty()) {
        index.problems.push_back({file, "", "cannot read the label file: " + why});
        continue;
      }
      for_each_line(text, [&](std::string_view line_text, std::size_t lineno) {
        const std::string line(line_text);
        const std::string entry = "line " + std::to_string(lineno);
        std::istringstream fields(line);
        std::string cls;
        double v[4];
        if (!(fields >> cls)) return;  // blank line
        bool ok = static_cast<bool>(fields >> v[0] >> v[1] >> v[2] >> v[3]);
        std::string extra;
        if (ok && (fields >> extra)) ok = false;
        int c = -1;
        auto [end, ec] = std::from_chars(cls.data(), cls.data() + cls.size(), c);
        if (!ok || ec != std::errc() || end != cls.data() + cls.size() || c < 0) {
          index.problems.push_back(
              {file, entry, "expected 'class cx cy w h' with an integer class >= 0, got '" + clipped(line) + "'"});
          return;
        }
        if (!names.empty() && static_cast<std::size_t>(c) >= names.size()) {
          index.problems.push_back(
              {file, entry,
               "class " + std::to_string(c) + " is beyond the " + std::to_string(names.size()) + " class names"});
          return;
        }
        annotation a;
        a.x1 = static_cast<float>(v[0] - v[2] / 2);
        a.y1 = static_cast<float>(v[1] - v[3] / 2);
        a.x2 = static_cast<float>(v[0] + v[2] / 2);
        a.y2 = static_cast<float>(v[1] + v[3] / 2);
        a.label = c;
        if (!admit_box(a, 1.0, 1.0, file, entry, index.problems)) return;
        index.annotations.push_back(a);
        ++r.annotation_count;
      });
    }
    index.records.push_back(std::move(r));
  }
}

}  // namespace imgbatch::detail
