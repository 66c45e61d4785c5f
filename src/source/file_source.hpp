#pragma once

#include <imgbatch/spec.hpp>

#include "dataset/file_ids.hpp"
#include "source/sample_source.hpp"

namespace imgbatch::detail {

/// Files on a local disk, each a file of its own (folder, list, COCO, VOC and YOLO datasets): a file's
/// display id is its path as the index resolved it, its identity the path from the dataset's root.
class file_source final : public sample_source {
 public:
  explicit file_source(const pipeline_spec& spec) : ids_(spec) {}
  std::string fetch(const sample_record& record, const sample_file& f, std::vector<std::uint8_t>& out,
                    const read_limits& limits) const override;
  std::string identity(const std::string& name) const override { return ids_.of(name); }

 private:
  file_ids ids_;
};

}  // namespace imgbatch::detail
