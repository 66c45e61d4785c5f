#pragma once

#include <string>
#include <vector>

namespace imgbatch::bench {

/// One peer's result on a workload: images/s (median over its timed epochs), or 0 and why it did not run.
struct peer_result {
  std::string name;
  double images_per_s = 0;
  std::string note;
};

/// Runs the peers named in `list` ("opencv", "torch", comma-separated) on DATA, one workload, `threads`
/// workers, one warm-up and `epochs` timed epochs, as WORKLOADS.md describes: `peer_torch.py` from `dir`
/// (../shared/bench) with the system python3, and `peer_opencv` from `dir` or, built by CMake when
/// OpenCV is installed, from `build_dir` (where imgbatch-bench is).
std::vector<peer_result> run_peers(const std::string& list, const std::string& dir, const std::string& build_dir,
                                   const std::string& data, const std::string& workload, int threads, int epochs);

}  // namespace imgbatch::bench
