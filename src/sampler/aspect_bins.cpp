#include "sampler/aspect_bins.hpp"

#include "sampler/sampler.hpp"

namespace imgbatch::detail {

std::vector<int> aspect_bins(const pipeline_spec& spec, const dataset_index& index) {
  const int bins = spec.sampler.group_by_aspect;
  if (bins == 0) return {};
  std::vector<int> out(index.records.size(), 0);
  for (std::size_t i = 0; i < index.records.size(); ++i) {
    const sample_record& r = index.records[i];
    double w = r.width, h = r.height;
    if (w <= 0 || h <= 0 || spec.dataset.frame == annotation_frame::stored) {
      // The header indexing read (open_dataset); none: the sample fails when loaded, any bin will do.
      if (r.stored_width <= 0 || r.stored_height <= 0) continue;
      const bool turned = spec.decode.apply_exif && r.orientation >= 5;
      w = turned ? r.stored_height : r.stored_width;
      h = turned ? r.stored_width : r.stored_height;
    }
    out[i] = aspect_bin(w / h, bins);
  }
  return out;
}

}  // namespace imgbatch::detail
