#include "dataset/scan.hpp"

#include <imgbatch/error.hpp>

#include "dataset/dataset.hpp"

#include <algorithm>
#include <fstream>

namespace imgbatch::detail {
namespace fs = std::filesystem;

const std::initializer_list<std::string_view> image_extensions = {".jpg", ".jpeg", ".jpe", ".jfif", ".png"};

std::map<std::string, std::string> scan_folder(const fs::path& dir, const char* what,
                                               std::initializer_list<std::string_view> extensions) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw dataset_error(dir.string() + ": " + what + " folder does not exist");
  auto wanted = [&](const fs::path& p) {
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::find(extensions.begin(), extensions.end(), e) != extensions.end();
  };
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
    // Every entry named like an image is a sample, whatever it turns out to be: a directory, a symbolic
    // link that loops or points nowhere, a FIFO. Reading it then fails with a precise reason that names
    // it (read_file), instead of the entry vanishing from the dataset. Directories are still searched.
    if (!wanted(p)) continue;
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

std::vector<std::string> class_names(const pipeline_spec& spec) {
  if (!spec.dataset.classes.empty()) return spec.dataset.classes;
  if (spec.dataset.classes_file.empty()) return {};
  const fs::path file = resolve(spec, spec.dataset.classes_file);
  std::ifstream in(file);
  if (!in) throw dataset_error(file.string() + ": cannot open the class names file");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  if (out.empty()) throw dataset_error(file.string() + ": the class names file lists no class");
  return out;
}

}  // namespace imgbatch::detail
