#pragma once

#include <imgbatch/spec.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imgbatch::detail {

/// One epoch's batches for this rank: batch k holds ids[starts[k]] .. ids[starts[k + 1] - 1].
/// positions[i] is where draw i sits in the epoch's global order (all ranks together, padding
/// included): random ops are keyed by it, so a sample drawn twice is augmented twice, independently,
/// and a position gets the same augmentation whatever the number of ranks.
struct epoch_order {
  std::vector<std::uint64_t> ids;
  std::vector<std::uint64_t> positions;
  std::vector<std::size_t> starts;  ///< num_batches + 1 entries
  std::size_t batch_length(std::size_t k) const noexcept { return starts[k + 1] - starts[k]; }
  std::size_t num_batches() const noexcept { return starts.empty() ? 0 : starts.size() - 1; }
};

/// Epoch order of sample ids for this rank, a pure function of (spec, dataset, epoch):
/// - plain: sequential or a seeded shuffle, the same on every rank, padded by wrapping to a multiple of
///   world_size (or cut to one with drop_last), rank r taking global positions r, r + world, ...
///   (torch's DistributedSampler), then cut into batches. With replacement every rank draws its own
///   stream, keyed by (seed, epoch, rank), at the same global positions;
/// - grouped by aspect ratio: the epoch's permutation is walked once and each sample joins the buffer
///   of its bin; a full buffer becomes a batch (torchvision's GroupedBatchSampler). Leftovers become
///   short batches unless drop_last. Batches are dealt to ranks in turn, wrapping so every rank gets
///   the same number.
class sampler {
 public:
  /// `bins`: the aspect-ratio bin of every sample when grouping (empty otherwise).
  sampler(const sampler_spec& spec, std::size_t dataset_size, std::size_t batch_size, std::vector<int> bins = {});

  std::size_t num_batches() const noexcept { return batches_; }
  /// Samples this rank sees per epoch.
  std::size_t samples_per_rank() const noexcept { return per_rank_; }
  /// This rank's batches for the epoch.
  void order(std::uint64_t epoch, epoch_order& out) const;

 private:
  void grouped_order(std::uint64_t epoch, epoch_order& out) const;

  sampler_spec spec_;
  std::size_t n_;
  std::size_t batch_size_;
  std::vector<int> bins_;
  std::size_t per_rank_ = 0;
  std::size_t batches_ = 0;
};

/// The aspect-ratio bin (0..bins-1) of a width/height ratio, as torchvision's create_aspect_ratio_groups
/// with k = (bins - 2) / 2: the bins - 1 edges 2^linspace(-1, 1, bins - 1) ([1] for 2 bins, portrait
/// and landscape as in detectron2), bin = the number of edges <= ratio.
int aspect_bin(double width_over_height, int bins) noexcept;

}  // namespace imgbatch::detail
