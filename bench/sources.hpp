#pragma once

#include <imgbatch/spec.hpp>

#include <string>
#include <vector>

namespace imgbatch::bench {

struct source_rate {
  std::string name;   ///< folder, shards, http
  double images_per_s = 0;  ///< median over the timed epochs
  std::vector<double> epochs;
  std::string note;   ///< why it did not run
};

/// The workload's dataset read from where `list` says (comma-separated: folder, shards, http), side by
/// side in one run: the dataset packed into WebDataset shards in a temporary folder (imgbatch pack), read
/// with indexed access from the disk and from an nginx this function starts on 127.0.0.1 (when Debian's
/// nginx is installed). Every loader does one warm-up epoch, then the timed epochs go round the loaders in
/// turn, so each ratio is measured under the same machine noise.
std::vector<source_rate> run_sources(const pipeline_spec& spec, const std::string& list, int epochs);

}  // namespace imgbatch::bench
