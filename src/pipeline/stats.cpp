#include <imgbatch/loader.hpp>

#include <cstdio>
#include <ostream>

namespace imgbatch {

std::string loader_stats::to_string() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%llu batches, %llu samples, %.1f Mpx decoded; worker time: read %.3fs, decode %.3fs, augment %.3fs, "
                "collate %.3fs; consumer waited %.3fs; %.2f batches ready on average",
                static_cast<unsigned long long>(batches), static_cast<unsigned long long>(samples),
                static_cast<double>(decoded_pixels) * 1e-6, read_s, decode_s, augment_s, collate_s, wait_s, mean_ready);
  std::string out = buf;
  if (boxes_truncated) out += "; " + std::to_string(boxes_truncated) + " boxes over max_boxes dropped";
  if (!bad_files.empty()) out += "; " + std::to_string(bad_files.size()) + " bad files";
  if (skipped) out += "; " + std::to_string(skipped) + " samples skipped";
  if (substituted) out += "; " + std::to_string(substituted) + " substituted";
  if (batches_dropped) out += "; " + std::to_string(batches_dropped) + " batches dropped";
  if (quarantined) out += "; " + std::to_string(quarantined) + " samples quarantined";
  if (requests)
    out += "; " + std::to_string(requests) + " requests (" + std::to_string(retries) + " retries), " +
           std::to_string(bytes_received) + " bytes received";
  if (index_cache_hits) out += "; " + std::to_string(index_cache_hits) + " shard indexes from the cache";
  return out;
}

std::ostream& operator<<(std::ostream& os, const loader_stats& s) { return os << s.to_string(); }

}  // namespace imgbatch
