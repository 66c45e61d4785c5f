#include "dataset/dataset.hpp"
#include "decode/decoder.hpp"
#include "source/sample_source.hpp"
#include "util/log.hpp"

namespace imgbatch::detail {

void read_image_sizes(const pipeline_spec& spec, dataset_index& index, const sample_source& source) {
  decoder dec;
  std::vector<std::uint8_t> bytes;
  std::size_t read = 0, unreadable = 0;
  const read_limits limits{spec.decode.max_file_bytes, nullptr};
  for (sample_record& r : index.records) {
    // The declared size is the decoded frame's, unless the annotations are in the stored frame.
    const bool declared = r.width > 0 && r.height > 0 && spec.dataset.frame != annotation_frame::stored;
    if (declared || r.stored_width > 0) continue;
    ++read;
    try {
      if (!source.read(r, file_role::image, bytes, limits).empty()) throw decode_failure("unreadable");
      const image_header h = dec.read_header(bytes.data(), bytes.size(), spec.decode);
      r.stored_width = h.width;
      r.stored_height = h.height;
      r.orientation = static_cast<std::uint8_t>(h.orientation);
    } catch (const std::exception&) {
      ++unreadable;  // the sample fails with its real reason when it is loaded
    }
  }
  if (read) log().info("dataset: read {} image headers for group_by_aspect ({} unreadable)", read, unreadable);
}

}  // namespace imgbatch::detail
