#pragma once

#include <cstdint>

namespace imgbatch::detail {

/// Counter-based random stream: every value is a pure function of its key and position, so results
/// do not depend on threads or scheduling. Not cryptographic; passes as uniform for augmentation.
class counter_rng {
 public:
  explicit counter_rng(std::uint64_t key) noexcept : key_(key) {}
  /// Stream for one random op of the draw at `position` of an epoch's global order.
  static counter_rng for_op(std::uint64_t seed, std::uint64_t epoch, std::uint64_t position,
                            std::uint64_t op_index) noexcept;
  /// Stream for an epoch-level draw (the shuffle order).
  static counter_rng for_epoch(std::uint64_t seed, std::uint64_t epoch, std::uint64_t purpose) noexcept;

  std::uint64_t next_u64() noexcept;
  /// Uniform in [0, 1), 53 random bits.
  double uniform() noexcept;
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n), n > 0, without modulo bias.
  std::uint64_t below(std::uint64_t n) noexcept;
  /// True with probability p.
  bool bernoulli(double p) noexcept { return uniform() < p; }
  /// Standard normal (Box-Muller on two uniforms; one value per call).
  double normal() noexcept;

 private:
  std::uint64_t key_;
  std::uint64_t counter_ = 0;
};

/// The splitmix64 finaliser: a bijective 64-bit mix.
std::uint64_t mix64(std::uint64_t x) noexcept;

}  // namespace imgbatch::detail
