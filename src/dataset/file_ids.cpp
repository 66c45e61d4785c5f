#include "dataset/file_ids.hpp"

namespace imgbatch::detail {
namespace fs = std::filesystem;

file_ids::file_ids(const pipeline_spec& spec) {
  fs::path root = spec.dataset.root;
  if (!root.is_absolute()) root = (spec.base_dir.empty() ? fs::path(".") : spec.base_dir) / root;
  root_ = fs::absolute(root).lexically_normal();
  if (!root_.has_filename()) root_ = root_.parent_path();  // "a/b/" -> "a/b"
}

std::string file_ids::of(const std::string& path) const {
  return fs::absolute(fs::path(path)).lexically_normal().lexically_relative(root_).generic_string();
}

}  // namespace imgbatch::detail
