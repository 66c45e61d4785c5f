#pragma once

#include "dataset/dataset.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace imgbatch::detail {

/// on_error substitute: which records may take a failed one's place. With aspect bins, the records of
/// the failed one's bin (so a substitute keeps its batch's shape); without, every record.
class substitute_pool {
 public:
  /// `bins`: each record's aspect bin (sampler.group_by_aspect), or empty.
  substitute_pool(std::size_t records, const std::vector<int>& bins);

  /// The substitute for record `failed` at draw `position` of an epoch, draw number `attempt`:
  /// uniform over the candidates other than `failed`, a pure function of its arguments; none when
  /// `failed` has no other candidate.
  std::optional<std::uint64_t> draw(std::uint64_t failed, std::uint64_t seed, std::uint64_t epoch,
                                    std::uint64_t position, int attempt) const noexcept;

 private:
  std::size_t records_ = 0;
  std::vector<int> bin_of_;                          // empty: one pool of every record
  std::vector<std::vector<std::uint64_t>> members_;  // per bin, ascending
  std::vector<std::uint64_t> place_;                 // a record's place in its bin's members
};

}  // namespace imgbatch::detail
