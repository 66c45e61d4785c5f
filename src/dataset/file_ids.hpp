#pragma once

#include <imgbatch/spec.hpp>

#include <filesystem>
#include <string>

namespace imgbatch::detail {

/// A dataset file's identity: its path from the dataset's root, '/'-separated ("images/0001.jpg"), the
/// same whatever the working directory and however the spec's path was spelled; a file outside the
/// root keeps the ".." steps to it from there. The quarantine and the dataset hash key on it.
class file_ids {
 public:
  explicit file_ids(const pipeline_spec& spec);
  /// The identity of a file the dataset index names (as resolve() made it).
  std::string of(const std::string& path) const;

 private:
  std::filesystem::path root_;  // absolute, normalised
};

}  // namespace imgbatch::detail
