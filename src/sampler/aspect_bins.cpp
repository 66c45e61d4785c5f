#include "sampler/aspect_bins.hpp"

#include "decode/decoder.hpp"
#include "sampler/sampler.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

namespace imgbatch::detail {

std::vector<int> aspect_bins(const pipeline_spec& spec, const dataset_index& index) {
  const int bins = spec.sampler.group_by_aspect;
  if (bins == 0) return {};
  std::vector<int> out(index.records.size(), 0);
  decoder dec;
  std::vector<std::uint8_t> bytes;
  std::size_t probed = 0, unreadable = 0;
  for (std::size_t i = 0; i < index.records.size(); ++i) {
    const sample_record& r = index.records[i];
    double w = r.width, h = r.height;
    if (w <= 0 || h <= 0 || spec.dataset.frame == annotation_frame::stored) {
      ++probed;
      try {
        if (!read_file(r.image, bytes, nullptr, spec.decode.max_file_bytes).empty()) throw decode_failure("unreadable");
        const image_header hd = dec.read_header(bytes.data(), bytes.size(), spec.decode);
        w = hd.decoded_width(spec.decode.apply_exif);
        h = hd.decoded_height(spec.decode.apply_exif);
      } catch (const std::exception&) {
        // The sample fails with its real reason when it is loaded; for grouping any bin will do.
        ++unreadable;
        continue;
      }
    }
    out[i] = aspect_bin(w / h, bins);
  }
  if (probed) log().info("group_by_aspect: read {} image headers ({} unreadable)", probed, unreadable);
  return out;
}

}  // namespace imgbatch::detail
