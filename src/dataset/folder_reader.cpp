#include <imgbatch/error.hpp>

#include "dataset/dataset.hpp"
#include "dataset/scan.hpp"

namespace imgbatch::detail {
namespace fs = std::filesystem;

void read_folder(const pipeline_spec& spec, dataset_index& index) {
  const fs::path images_dir = resolve(spec, spec.dataset.images);
  auto images = scan_folder(images_dir, "images", image_extensions, index.problems);
  if (images.empty()) throw dataset_error(images_dir.string() + ": no .jpg, .jpeg or .png files found");
  // Each target file folder the spec names, matched to the images by relative path without extension.
  struct companion {
    file_role role;
    fs::path dir;
    std::map<std::string, std::string> files;
  };
  std::vector<companion> companions;
  if (spec.targets.mask) companions.push_back({file_role::mask, resolve(spec, spec.dataset.masks), {}});
  if (spec.targets.depth) companions.push_back({file_role::depth, resolve(spec, spec.dataset.depth), {}});
  for (companion& c : companions) {
    const bool mask = c.role == file_role::mask;
    const std::string noun = mask ? "mask" : "depth map";
    c.files = scan_folder(c.dir, mask ? "masks" : "depth", image_extensions, index.problems);
    std::vector<std::string> missing, orphans;
    for (auto& [k, p] : images)
      if (!c.files.count(k)) missing.push_back(p);
    for (auto& [k, p] : c.files)
      if (!images.count(k)) orphans.push_back(p);
    if (!missing.empty())
      throw dataset_error(c.dir.string() + ": no " + noun + " for " + std::to_string(missing.size()) +
                          " image(s): " + first_few(missing));
    if (!orphans.empty())
      throw dataset_error(images_dir.string() + ": no image for " + std::to_string(orphans.size()) + " " + noun +
                          "(s): " + first_few(orphans));
  }
  // Captions: x.txt beside x.jpg.
  std::vector<index_problem> ignored;  // a folder loop was reported by the images' walk already
  const auto texts = scan_folder(images_dir, "images", {".txt"}, ignored);
  index.records.reserve(images.size());
  for (auto& [k, p] : images) {  // std::map: ordered by relative path
    sample_record r;
    r.add(file_role::image, p);
    for (companion& c : companions) r.add(c.role, c.files[k]);
    if (auto t = texts.find(k); t != texts.end()) r.add(file_role::text, t->second);
    index.records.push_back(std::move(r));
  }
}

}  // namespace imgbatch::detail
