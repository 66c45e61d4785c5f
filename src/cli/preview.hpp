#pragma once

#include <imgbatch/batch.hpp>
#include <imgbatch/spec.hpp>

#include <string>
#include <vector>

namespace imgbatch::detail {

/// Writes a batch as one PNG grid: each image with the final normalize/to_float undone, its class mask
/// blended on top in the VOC colours (ignore pixels whitened), instance masks tinted, boxes drawn with
/// their class names. Throws imgbatch::error on failure.
void write_preview(const batch& b, const pipeline_spec& spec, const std::vector<class_info>& classes,
                   const std::string& path);

}  // namespace imgbatch::detail
