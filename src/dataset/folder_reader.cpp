#include <imgbatch/error.hpp>

#include "dataset/dataset.hpp"

#include <algorithm>
#include <map>

namespace imgbatch::detail {
namespace fs = std::filesystem;
namespace {

bool image_extension(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e == ".jpg" || e == ".jpeg" || e == ".jpe" || e == ".jfif" || e == ".png";
}

// Relative path without extension -> file, for every image file below dir (hidden entries skipped).
std::map<std::string, std::string> scan(const fs::path& dir, const char* what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw dataset_error(dir.string() + ": " + what + " folder does not exist");
  std::map<std::string, std::string> out;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
  if (ec) throw dataset_error(dir.string() + ": cannot list: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw dataset_error(dir.string() + ": cannot list: " + ec.message());
    const fs::path& p = it->path();
    if (p.filename().string().starts_with(".")) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || !image_extension(p)) continue;
    std::string key = p.lexically_relative(dir).replace_extension().generic_string();
    auto [pos, fresh] = out.emplace(key, p.string());
    if (!fresh)
      throw dataset_error(dir.string() + ": two files share the name '" + key + "': " + pos->second + " and " +
                          p.string());
  }
  return out;
}

std::string first_few(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < 5; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > 5) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

}  // namespace

std::vector<sample_record> read_folder(const pipeline_spec& spec) {
  const fs::path images_dir = resolve(spec, spec.dataset.images);
  auto images = scan(images_dir, "images");
  if (images.empty()) throw dataset_error(images_dir.string() + ": no .jpg, .jpeg or .png files found");
  std::map<std::string, std::string> masks;
  fs::path masks_dir;
  if (spec.targets.mask) {
    masks_dir = resolve(spec, spec.dataset.masks);
    masks = scan(masks_dir, "masks");
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
  std::vector<sample_record> out;
  out.reserve(images.size());
  for (auto& [k, p] : images) {  // std::map: ordered by relative path
    sample_record r;
    r.image = p;
    if (spec.targets.mask) r.mask = masks[k];
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace imgbatch::detail
