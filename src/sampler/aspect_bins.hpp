#pragma once

#include <imgbatch/spec.hpp>

#include "dataset/dataset.hpp"

#include <vector>

namespace imgbatch::detail {

/// The aspect-ratio bin of every record for `sampler.group_by_aspect` (empty when it is off): from the
/// size the annotations declare, else from the image header indexing read (open_dataset). Opens no file.
std::vector<int> aspect_bins(const pipeline_spec& spec, const dataset_index& index);

}  // namespace imgbatch::detail
