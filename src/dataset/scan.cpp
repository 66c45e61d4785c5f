#include "dataset/scan.hpp"

#include <imgbatch/error.hpp>

#include "dataset/dataset.hpp"
#include "util/file.hpp"

#include <sys/stat.h>

#include <algorithm>

namespace imgbatch::detail {
namespace fs = std::filesystem;

const std::initializer_list<std::string_view> image_extensions = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp"};

namespace {

struct folder_walk {
  const fs::path& root;
  std::initializer_list<std::string_view> extensions;
  std::vector<index_problem>& problems;
  std::map<std::string, std::string> out;
  using folder_id = std::pair<dev_t, ino_t>;
  std::vector<std::pair<folder_id, fs::path>> path;  // the folders from root to the one being listed

  bool wanted(const fs::path& p) const {
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::find(extensions.begin(), extensions.end(), e) != extensions.end();
  }

  [[noreturn]] void cannot_list(const fs::path& dir, const std::error_code& ec) const {
    throw dataset_error(dir.string() + ": cannot list: " + ec.message());
  }

  void walk(const fs::path& dir) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) cannot_list(dir, ec);
    std::vector<fs::path> entries;  // sorted: problems come in the same order on every file system
    for (; it != end; it.increment(ec)) {
      if (ec) cannot_list(dir, ec);
      if (!it->path().filename().string().starts_with(".")) entries.push_back(it->path());
    }
    std::sort(entries.begin(), entries.end());
    for (const fs::path& p : entries) {
      // Every entry named like an image is a sample, whatever it turns out to be: a directory, a symbolic
      // link that loops or points nowhere, a FIFO. Reading it then fails with a precise reason that names
      // it (read_file), instead of the entry vanishing from the dataset.
      if (wanted(p)) {
        std::string key = p.lexically_relative(root).replace_extension().generic_string();
        auto [pos, fresh] = out.emplace(key, p.string());
        if (!fresh)
          throw dataset_error(root.string() + ": two files share the name '" + key + "': " + pos->second + " and " +
                              p.string());
      }
      // Folders are searched, through symbolic links too (symlinked sub-folders are common), unless the
      // folder is already on the path from the root: that link loops, and following it would list the
      // same files again at every level.
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
      const folder_id id{st.st_dev, st.st_ino};
      auto on_path = std::find_if(path.begin(), path.end(), [&](const auto& f) { return f.first == id; });
      if (on_path != path.end()) {
        problems.push_back({p.string(), "",
                            "leads back to " + on_path->second.string() + ", a folder it is inside: not followed",
                            false});
        continue;
      }
      path.emplace_back(id, p);
      walk(p);
      path.pop_back();
    }
  }
};

}  // namespace

std::map<std::string, std::string> scan_folder(const fs::path& dir, const char* what,
                                               std::initializer_list<std::string_view> extensions,
                                               std::vector<index_problem>& problems) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw dataset_error(dir.string() + ": " + what + " folder does not exist");
  folder_walk w{dir, extensions, problems, {}, {{{st.st_dev, st.st_ino}, dir}}};
  w.walk(dir);
  return std::move(w.out);
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
  std::string text;
  if (auto why = read_dataset_file(spec, file, text); !why.empty())
    throw dataset_error(file.string() + ": cannot read the class names file: " + why);
  std::vector<std::string> out;
  for_each_line(text, [&](std::string_view line, std::size_t) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
  });
  if (out.empty()) throw dataset_error(file.string() + ": the class names file lists no class");
  return out;
}

}  // namespace imgbatch::detail
