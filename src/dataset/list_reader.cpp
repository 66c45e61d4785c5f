#include <imgbatch/error.hpp>

#include "dataset/dataset.hpp"
#include "util/clip.hpp"
#include "util/file.hpp"

namespace imgbatch::detail {
namespace fs = std::filesystem;

void read_list(const pipeline_spec& spec, dataset_index& index) {
  const fs::path manifest = resolve(spec, spec.dataset.manifest);
  std::string text;
  if (auto why = read_dataset_file(spec, manifest, text); !why.empty())
    throw dataset_error(manifest.string() + ": cannot read the manifest: " + why);
  const fs::path dir = manifest.parent_path();
  // Columns: the image, then one per target that reads a file, in this order.
  std::vector<file_role> roles;
  if (spec.targets.mask) roles.push_back(file_role::mask);
  if (spec.targets.depth) roles.push_back(file_role::depth);
  const std::size_t want = 1 + roles.size();
  std::string columns = "image path";
  for (file_role role : roles) columns += std::string(", ") + (role == file_role::mask ? "mask path" : "depth path");
  std::vector<sample_record>& out = index.records;
  for_each_line(text, [&](std::string_view line, std::size_t lineno) {
    if (line.empty() || line[0] == '#') return;
    std::vector<std::string> cols;
    std::size_t start = 0;
    for (;;) {
      std::size_t tab = line.find('\t', start);
      cols.emplace_back(line.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (cols.size() != want)
      throw dataset_error(manifest.string() + ":" + std::to_string(lineno) + ": expected " + std::to_string(want) +
                          (want == 1 ? " column (" : " tab-separated columns (") + columns + "), found " +
                          std::to_string(cols.size()));
    auto path_of = [&](const std::string& c) {
      if (c.empty()) throw dataset_error(manifest.string() + ":" + std::to_string(lineno) + ": empty path");
      if (c.size() > max_path_bytes)
        throw dataset_error(manifest.string() + ":" + std::to_string(lineno) + ": a path of " +
                            std::to_string(c.size()) + " bytes, more than a path can be (" +
                            std::to_string(max_path_bytes) + "): '" + clipped(c, 100) + "'");
      fs::path p(c);
      return (p.is_absolute() ? p : dir / p).lexically_normal().string();
    };
    sample_record r;
    r.add(file_role::image, path_of(cols[0]));
    for (std::size_t c = 0; c < roles.size(); ++c) r.add(roles[c], path_of(cols[c + 1]));
    out.push_back(std::move(r));
  });
  if (out.empty()) throw dataset_error(manifest.string() + ": manifest lists no samples");
}

}  // namespace imgbatch::detail
