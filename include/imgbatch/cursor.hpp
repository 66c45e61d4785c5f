#pragma once

#include <imgbatch/export.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace imgbatch {

/// Where a loader stands, small enough to store with a training checkpoint: `loader::state()` makes
/// one, `loader::restore()` continues from it with exactly the batches an uninterrupted run would have
/// produced next. The hashes tie it to its pipeline: a cursor from another spec or another dataset is
/// refused. The spec hash leaves out what does not change a batch (threads, prefetch, rank), so every
/// rank of a job can restore the cursor rank 0 saved, with any thread count.
struct IMGBATCH_API cursor {
  std::uint64_t epoch = 0;    ///< the loader's current epoch (loader::epoch())
  std::uint64_t batches = 0;  ///< batches of `epoch` already handed out
  std::uint64_t seed = 0;     ///< the spec's `sampler.seed`
  /// Hash (64-bit FNV-1a) of the spec as JSON, leaving out `loader`, `sampler.rank` and the base folder.
  std::uint64_t spec_hash = 0;
  /// Hash of the dataset index: files (relative to the root), sizes, annotations and classes.
  std::uint64_t dataset_hash = 0;

  /// One line: `imgbatch-cursor/1 epoch=3 batches=17 seed=0 spec=<16 hex> dataset=<16 hex>`.
  std::string to_string() const;
  /// `{"version": 1, "epoch": 3, "batches": 17, "seed": 0, "spec": "<16 hex>", "dataset": "<16 hex>"}`.
  std::string to_json() const;
  /// Reads either form; throws imgbatch::error saying what is wrong with the text.
  static cursor parse(std::string_view text);

  /// Equal when every field is equal.
  friend bool operator==(const cursor&, const cursor&) = default;
};

}  // namespace imgbatch
