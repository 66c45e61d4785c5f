#pragma once

#include "dataset/dataset.hpp"

#include <string>
#include <vector>

namespace imgbatch::detail {

/// Checks one annotation's box against its image (`width`/`height` of the annotation's frame, or 1×1
/// for normalized boxes; 0 = size unknown). Non-finite coordinates and negative sizes are fatal
/// problems; a box reaching outside the image is clipped and an empty box dropped, both recorded as
/// mended problems. Returns false when the annotation must be dropped.
bool admit_box(annotation& a, double width, double height, const std::string& file, const std::string& entry,
               std::vector<index_problem>& problems);

}  // namespace imgbatch::detail
