#pragma once

#include <imgbatch/spec.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace imgbatch::detail {

/// One record of the index: the image and its targets' files. The id is the record's position in the
/// index, stable for a given dataset, and is what randomness and resume cursors key on.
struct sample_record {
  std::uint64_t id = 0;
  std::string image;
  std::string mask;  ///< empty when the pipeline has no mask target
};

/// Lists the samples the spec describes; throws dataset_error with the folder or file and the reason.
std::vector<sample_record> build_index(const pipeline_spec& spec);

/// base_dir / root / p, or p itself when absolute.
std::filesystem::path resolve(const pipeline_spec& spec, const std::filesystem::path& p);

std::vector<sample_record> read_folder(const pipeline_spec& spec);
std::vector<sample_record> read_list(const pipeline_spec& spec);

}  // namespace imgbatch::detail
