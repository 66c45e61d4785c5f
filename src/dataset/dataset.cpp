#include "dataset/dataset.hpp"

#include <imgbatch/error.hpp>

namespace imgbatch::detail {

std::filesystem::path resolve(const pipeline_spec& spec, const std::filesystem::path& p) {
  if (p.is_absolute()) return p;
  std::filesystem::path root = spec.dataset.root;
  if (!root.is_absolute()) root = (spec.base_dir.empty() ? std::filesystem::path(".") : spec.base_dir) / root;
  return (root / p).lexically_normal();
}

std::vector<sample_record> build_index(const pipeline_spec& spec) {
  std::vector<sample_record> out = spec.dataset.format == dataset_format::folder ? read_folder(spec) : read_list(spec);
  for (std::size_t i = 0; i < out.size(); ++i) out[i].id = i;
  return out;
}

}  // namespace imgbatch::detail
