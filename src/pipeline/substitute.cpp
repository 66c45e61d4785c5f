#include "pipeline/substitute.hpp"

#include "util/rng.hpp"

#include <algorithm>

namespace imgbatch::detail {
namespace {
// Op indices of the substitute draws: far above any transform's, so no op shares their stream.
constexpr std::uint64_t substitute_stream = std::uint64_t{1} << 40;
}  // namespace

substitute_pool::substitute_pool(std::size_t records, const std::vector<int>& bins) : records_(records) {
  if (bins.empty()) return;
  bin_of_ = bins;
  place_.resize(records);
  for (std::size_t i = 0; i < records; ++i) {
    const auto b = static_cast<std::size_t>(bins[i]);
    if (members_.size() <= b) members_.resize(b + 1);
    place_[i] = members_[b].size();
    members_[b].push_back(i);
  }
}

std::optional<std::uint64_t> substitute_pool::draw(std::uint64_t failed, std::uint64_t seed, std::uint64_t epoch,
                                                   std::uint64_t position, int attempt) const noexcept {
  counter_rng rng = counter_rng::for_op(seed, epoch, position, substitute_stream + static_cast<std::uint64_t>(attempt));
  if (bin_of_.empty()) {
    if (records_ < 2) return std::nullopt;
    const std::uint64_t k = rng.below(records_ - 1);  // every record but `failed`
    return k >= failed ? k + 1 : k;
  }
  const auto& m = members_[static_cast<std::size_t>(bin_of_[failed])];
  if (m.size() < 2) return std::nullopt;
  const std::uint64_t k = rng.below(m.size() - 1);
  return m[k >= place_[failed] ? k + 1 : k];
}

}  // namespace imgbatch::detail
