#include "sampler/sampler.hpp"

#include "util/rng.hpp"

#include <numeric>

namespace imgbatch::detail {

sampler::sampler(const sampler_spec& spec, std::size_t dataset_size, std::size_t batch_size)
    : spec_(spec), n_(dataset_size), batch_size_(batch_size) {
  const auto world = static_cast<std::size_t>(spec.world_size);
  per_rank_ = (n_ + world - 1) / world;
  batches_ = spec.drop_last ? per_rank_ / batch_size_ : (per_rank_ + batch_size_ - 1) / batch_size_;
}

void sampler::order(std::uint64_t epoch, std::vector<std::uint64_t>& out) const {
  std::vector<std::uint64_t> all(n_);
  if (spec_.replacement) {
    counter_rng rng = counter_rng::for_epoch(spec_.seed, epoch, 1);
    for (auto& v : all) v = rng.below(n_);
  } else {
    std::iota(all.begin(), all.end(), std::uint64_t{0});
    if (spec_.shuffle) {
      counter_rng rng = counter_rng::for_epoch(spec_.seed, epoch, 0);
      for (std::size_t i = n_; i > 1; --i) std::swap(all[i - 1], all[rng.below(i)]);
    }
  }
  const auto world = static_cast<std::size_t>(spec_.world_size), rank = static_cast<std::size_t>(spec_.rank);
  out.clear();
  out.reserve(per_rank_);
  for (std::size_t j = 0; j < per_rank_; ++j) out.push_back(all[(j * world + rank) % n_]);
}

std::size_t sampler::batch_length(std::size_t k) const noexcept {
  const std::size_t start = k * batch_size_;
  if (start >= per_rank_) return 0;
  return std::min(batch_size_, per_rank_ - start);
}

}  // namespace imgbatch::detail
