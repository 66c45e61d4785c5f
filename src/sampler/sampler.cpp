#include "sampler/sampler.hpp"

#include "util/rng.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace imgbatch::detail {
namespace {
// The epoch's global permutation of 0..n-1 (the same on every rank).
void global_order(const sampler_spec& spec, std::size_t n, std::uint64_t epoch, std::vector<std::uint64_t>& all) {
  all.resize(n);
  std::iota(all.begin(), all.end(), std::uint64_t{0});
  if (spec.shuffle) {
    counter_rng rng = counter_rng::for_epoch(spec.seed, epoch, 0);
    for (std::size_t i = n; i > 1; --i) std::swap(all[i - 1], all[rng.below(i)]);
  }
}
}  // namespace

int aspect_bin(double r, int bins) noexcept {
  // torchvision's _quantize: bisect_right(edges, r), the number of edges <= r.
  const int edges = bins - 1;
  int k = 0;
  for (int i = 0; i < edges; ++i) {
    const double e = std::pow(2.0, edges == 1 ? 0.0 : -1.0 + 2.0 * i / (edges - 1));
    if (r >= e) k = i + 1;
  }
  return k;
}

sampler::sampler(const sampler_spec& spec, std::size_t dataset_size, std::size_t batch_size, std::vector<int> bins)
    : spec_(spec), n_(dataset_size), batch_size_(batch_size), bins_(std::move(bins)) {
  const auto world = static_cast<std::size_t>(spec.world_size);
  if (bins_.empty()) {
    per_rank_ = spec.drop_last ? n_ / world : (n_ + world - 1) / world;
    batches_ = spec.drop_last ? per_rank_ / batch_size_ : (per_rank_ + batch_size_ - 1) / batch_size_;
    return;
  }
  // The bins' sizes do not depend on the epoch, so neither does the number of batches.
  std::vector<std::size_t> count(static_cast<std::size_t>(*std::max_element(bins_.begin(), bins_.end())) + 1, 0);
  for (int b : bins_) ++count[static_cast<std::size_t>(b)];
  std::size_t total = 0;
  for (std::size_t c : count) total += spec.drop_last ? c / batch_size_ : (c + batch_size_ - 1) / batch_size_;
  batches_ = spec.drop_last ? total / world : (total + world - 1) / world;
  per_rank_ = batches_ * batch_size_;  // an upper bound: short batches hold fewer
}

void sampler::order(std::uint64_t epoch, epoch_order& out) const {
  if (!bins_.empty()) return grouped_order(epoch, out);
  const auto world = static_cast<std::size_t>(spec_.world_size), rank = static_cast<std::size_t>(spec_.rank);
  const std::size_t used = std::min(batches_ * batch_size_, per_rank_);  // drop_last leaves a tail unused
  out.ids.clear();
  out.positions.clear();
  out.ids.reserve(used);
  out.positions.reserve(used);
  if (spec_.replacement) {
    counter_rng rng = counter_rng::for_epoch(spec_.seed, epoch, 1 + 2 * static_cast<std::uint64_t>(rank));
    for (std::size_t j = 0; j < used; ++j) {
      out.ids.push_back(rng.below(n_));
      out.positions.push_back(j * world + rank);
    }
  } else {
    std::vector<std::uint64_t> all;
    global_order(spec_, n_, epoch, all);
    for (std::size_t j = 0; j < used; ++j) {
      const std::size_t p = j * world + rank;
      out.ids.push_back(all[p % n_]);
      out.positions.push_back(p);
    }
  }
  out.starts.clear();
  for (std::size_t k = 0; k < batches_; ++k) out.starts.push_back(k * batch_size_);
  out.starts.push_back(used);
}

void sampler::grouped_order(std::uint64_t epoch, epoch_order& out) const {
  std::vector<std::uint64_t> all;
  global_order(spec_, n_, epoch, all);
  const std::size_t nbins = static_cast<std::size_t>(*std::max_element(bins_.begin(), bins_.end())) + 1;
  std::vector<std::vector<std::uint64_t>> buffer(nbins);
  std::vector<std::vector<std::uint64_t>> batches;
  for (std::uint64_t id : all) {
    auto& b = buffer[static_cast<std::size_t>(bins_[id])];
    b.push_back(id);
    if (b.size() == batch_size_) {
      batches.push_back(std::move(b));
      b.clear();
    }
  }
  if (!spec_.drop_last)
    for (auto& b : buffer)
      if (!b.empty()) batches.push_back(std::move(b));
  const auto world = static_cast<std::size_t>(spec_.world_size), rank = static_cast<std::size_t>(spec_.rank);
  out.ids.clear();
  out.positions.clear();
  out.starts.assign(1, 0);
  for (std::size_t k = 0; k < batches_ && !batches.empty(); ++k) {
    const std::size_t g = k * world + rank;  // the batch's place in the global list, wrapped ones included
    const auto& b = batches[g % batches.size()];
    out.ids.insert(out.ids.end(), b.begin(), b.end());
    for (std::size_t i = 0; i < b.size(); ++i) out.positions.push_back(g * batch_size_ + i);
    out.starts.push_back(out.ids.size());
  }
}

}  // namespace imgbatch::detail
