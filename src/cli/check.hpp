#pragma once

#include <imgbatch/spec.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace imgbatch::detail {

struct check_problem {
  std::uint64_t sample_id;
  std::string file;
  std::string reason;
};

/// Reads and decodes every sample of the spec's dataset (images and masks, sizes, mask values, and
/// whether the transforms can be planned), on `threads` threads. Returns every problem, by sample id.
/// `progress(done, total, bad)` is called now and then from one thread.
std::vector<check_problem> check_dataset(const pipeline_spec& spec, int threads,
                                         const std::function<void(std::size_t, std::size_t, std::size_t)>& progress);

}  // namespace imgbatch::detail
