#pragma once

#include <imgbatch/spec.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imgbatch::detail {

/// Epoch order of sample ids for this rank: sequential or a seeded shuffle (or draws with replacement),
/// padded by wrapping so every rank gets the same count, then split into batches. A pure function of
/// (spec, dataset size, epoch).
class sampler {
 public:
  sampler(const sampler_spec& spec, std::size_t dataset_size, std::size_t batch_size);

  std::size_t num_batches() const noexcept { return batches_; }
  /// Samples this rank sees per epoch (before drop_last trims the short batch).
  std::size_t samples_per_rank() const noexcept { return per_rank_; }
  /// This rank's order for the epoch.
  void order(std::uint64_t epoch, std::vector<std::uint64_t>& out) const;
  /// Samples in batch k (the last may be short unless drop_last).
  std::size_t batch_length(std::size_t k) const noexcept;

 private:
  sampler_spec spec_;
  std::size_t n_;
  std::size_t batch_size_;
  std::size_t per_rank_;
  std::size_t batches_;
};

}  // namespace imgbatch::detail
