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
  std::string entry;  ///< the element inside the file (an annotation id, a line), may be empty
  std::string reason;
  std::string stage;  ///< as sample_error::stage() names it; "annotations" for a problem found while indexing
  std::string id;     ///< the file's identity in its source, as the quarantine lists it
};

struct check_report {
  std::size_t samples = 0;              ///< samples checked
  std::size_t quarantined = 0;          ///< samples left out: loader.quarantine lists a file of theirs
  std::vector<check_problem> problems;  ///< dataset problems first (in file order), then samples by id
};

/// Validates the spec's dataset: every annotation (boxes outside the image or with negative or NaN
/// sizes, unknown categories, duplicate ids, annotations of images that do not exist, missing image
/// files), then reads and decodes every sample on `threads` threads (images and masks, sizes against
/// the annotations, mask values, whether the transforms can be planned).
/// `progress(done, total, bad)` is called now and then from one thread.
check_report check_dataset(const pipeline_spec& spec, int threads,
                           const std::function<void(std::size_t, std::size_t, std::size_t)>& progress);

}  // namespace imgbatch::detail
