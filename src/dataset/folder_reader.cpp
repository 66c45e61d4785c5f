#include <imgbatch/error.hpp>

#include "dataset/dataset.hpp"
#include "dataset/scan.hpp"

namespace imgbatch::detail {
namespace fs = std::filesystem;

void read_folder(const pipeline_spec& spec, dataset_index& index) {
  const fs::path images_dir = resolve(spec, spec.dataset.images);
  auto images = scan_folder(images_dir, "images", image_extensions);
  if (images.empty()) throw dataset_error(images_dir.string() + ": no .jpg, .jpeg or .png files found");
  std::map<std::string, std::string> masks;
  if (spec.targets.mask) {
    const fs::path masks_dir = resolve(spec, spec.dataset.masks);
    masks = scan_folder(masks_dir, "masks", image_extensions);
    std::vector<std::string> no_mask, no_image;
    for (auto& [k, p] : images)
      if (!masks.count(k)) no_mask.push_back(p);
    for (auto& [k, p] : masks)
      if (!images.count(k)) no_image.push_back(p);
    if (!no_mask.empty())
      throw dataset_error(masks_dir.string() + ": no mask for " + std::to_string(no_mask.size()) +
                          " image(s): " + first_few(no_mask));
    if (!no_image.empty())
      throw dataset_error(images_dir.string() + ": no image for " + std::to_string(no_image.size()) +
                          " mask(s): " + first_few(no_image));
  }
  index.records.reserve(images.size());
  for (auto& [k, p] : images) {  // std::map: ordered by relative path
    sample_record r;
    r.image = p;
    if (spec.targets.mask) r.files.emplace_back(file_role::mask, masks[k]);
    index.records.push_back(std::move(r));
  }
}

}  // namespace imgbatch::detail
