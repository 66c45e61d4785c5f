#include "sampler/sampler.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <set>

using namespace imgbatch;
using namespace imgbatch::detail;

namespace {
std::vector<std::uint64_t> ids_of(const sampler& s, std::uint64_t epoch) {
  epoch_order o;
  s.order(epoch, o);
  return o.ids;
}
}  // namespace

TEST_CASE("sampler: sequential order, batch count with and without drop_last") {
  sampler keep({}, 10, 4);
  CHECK(keep.num_batches() == 3);
  epoch_order o;
  keep.order(5, o);
  CHECK(o.num_batches() == 3);
  CHECK(o.batch_length(0) == 4);
  CHECK(o.batch_length(2) == 2);
  std::vector<std::uint64_t> want(10);
  std::iota(want.begin(), want.end(), 0);
  CHECK(o.ids == want);
  sampler drop({.drop_last = true}, 10, 4);
  CHECK(drop.num_batches() == 2);
}

TEST_CASE("sampler: shuffle is a permutation fixed by (seed, epoch)") {
  sampler s({.shuffle = true, .seed = 42}, 100, 10);
  const auto a = ids_of(s, 1), b = ids_of(s, 1), c = ids_of(s, 2);
  CHECK(a == b);
  CHECK(a != c);
  std::vector<std::uint64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::uint64_t> all(100);
  std::iota(all.begin(), all.end(), 0);
  CHECK(sorted == all);
  sampler other_seed({.shuffle = true, .seed = 43}, 100, 10);
  CHECK(ids_of(other_seed, 1) != a);
}

TEST_CASE("sampler: shards are disjoint, equal in size and cover the dataset") {
  std::set<std::uint64_t> seen;
  std::size_t total = 0;
  for (int rank = 0; rank < 3; ++rank) {
    sampler s({.shuffle = true, .seed = 1, .rank = rank, .world_size = 3}, 10, 2);
    CHECK(s.samples_per_rank() == 4);  // 10 padded to 12 by wrapping
    const auto o = ids_of(s, 0);
    total += o.size();
    seen.insert(o.begin(), o.end());
  }
  CHECK(total == 12);
  CHECK(seen.size() == 10);
}

TEST_CASE("sampler: with replacement draws dataset-size ids in range") {
  sampler s({.replacement = true, .seed = 3}, 50, 8);
  const auto o = ids_of(s, 0);
  CHECK(o.size() == 50);
  std::set<std::uint64_t> distinct(o.begin(), o.end());
  CHECK(distinct.size() < 50);  // repeats are all but certain (p of none ~ 1e-21)
  for (auto v : o) CHECK(v < 50);
}

TEST_CASE("sampler: aspect bins follow torchvision's bisect_right over the edges 2^linspace(-1, 1, N-1)") {
  // torchvision: bins = (2 ** np.linspace(-1, 1, 2 * k + 1)).tolist() if k > 0 else [1.0]
  CHECK(aspect_bin(0.99, 2) == 0);  // k=0: edges [1.0]
  CHECK(aspect_bin(1.0, 2) == 1);
  CHECK(aspect_bin(1.01, 2) == 1);
  // 8 bins (torchvision k=3): edges 0.5, 0.63, 0.79, 1, 1.26, 1.59, 2
  CHECK(aspect_bin(0.49, 8) == 0);
  CHECK(aspect_bin(0.5, 8) == 1);
  CHECK(aspect_bin(0.75, 8) == 2);
  CHECK(aspect_bin(1.0, 8) == 4);
  CHECK(aspect_bin(4.0 / 3.0, 8) == 5);
  CHECK(aspect_bin(1.99, 8) == 6);
  CHECK(aspect_bin(2.5, 8) == 7);
}

TEST_CASE("sampler: grouped batches hold one bin each, cover every sample once, and are fixed by the seed") {
  std::vector<int> bins(103);
  for (std::size_t i = 0; i < bins.size(); ++i) bins[i] = (i * 7 % 3 == 0) ? 1 : (i % 5 == 0 ? 2 : 0);
  std::size_t per_bin[3] = {0, 0, 0};
  for (int b : bins) ++per_bin[b];
  const std::size_t B = 8;
  std::size_t want = 0;
  for (std::size_t c : per_bin) want += (c + B - 1) / B;
  sampler s({.shuffle = true, .seed = 9, .group_by_aspect = 3}, bins.size(), B, bins);
  CHECK(s.num_batches() == want);
  epoch_order o, again, other;
  s.order(4, o);
  s.order(4, again);
  s.order(5, other);
  CHECK(o.ids == again.ids);
  CHECK(o.ids != other.ids);
  REQUIRE(o.num_batches() == want);
  std::set<std::uint64_t> seen;
  std::size_t short_batches = 0;
  for (std::size_t k = 0; k < o.num_batches(); ++k) {
    const int bin = bins[o.ids[o.starts[k]]];
    for (std::size_t j = o.starts[k]; j < o.starts[k + 1]; ++j) {
      CHECK(bins[o.ids[j]] == bin);
      seen.insert(o.ids[j]);
    }
    CHECK(o.batch_length(k) <= B);
    short_batches += o.batch_length(k) < B;
  }
  CHECK(seen.size() == bins.size());
  CHECK(o.ids.size() == bins.size());
  CHECK(short_batches <= 3);  // at most one leftover per bin
  sampler drop({.shuffle = true, .seed = 9, .drop_last = true, .group_by_aspect = 3}, bins.size(), B, bins);
  epoch_order d;
  drop.order(4, d);
  CHECK(d.num_batches() == per_bin[0] / B + per_bin[1] / B + per_bin[2] / B);
  for (std::size_t k = 0; k < d.num_batches(); ++k) CHECK(d.batch_length(k) == B);
}

TEST_CASE("sampler: grouped batches are dealt to ranks in turn, every rank getting as many") {
  std::vector<int> bins(40);
  for (std::size_t i = 0; i < bins.size(); ++i) bins[i] = static_cast<int>(i % 2);
  std::set<std::uint64_t> seen;
  for (int rank = 0; rank < 3; ++rank) {
    sampler s({.shuffle = true, .seed = 2, .rank = rank, .world_size = 3, .group_by_aspect = 2}, bins.size(), 4, bins);
    CHECK(s.num_batches() == 4);  // 10 batches of 4, dealt to 3 ranks: 4 each (two wrap around)
    epoch_order o;
    s.order(0, o);
    CHECK(o.num_batches() == 4);
    seen.insert(o.ids.begin(), o.ids.end());
  }
  CHECK(seen.size() == 40);
}
