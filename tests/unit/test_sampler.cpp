#include "sampler/sampler.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <set>

using namespace imgbatch;
using namespace imgbatch::detail;

TEST_CASE("sampler: sequential order, batch count with and without drop_last") {
  sampler keep({}, 10, 4);
  CHECK(keep.num_batches() == 3);
  CHECK(keep.batch_length(2) == 2);
  std::vector<std::uint64_t> order;
  keep.order(5, order);
  std::vector<std::uint64_t> want(10);
  std::iota(want.begin(), want.end(), 0);
  CHECK(order == want);
  sampler drop({.drop_last = true}, 10, 4);
  CHECK(drop.num_batches() == 2);
}

TEST_CASE("sampler: shuffle is a permutation fixed by (seed, epoch)") {
  sampler s({.shuffle = true, .seed = 42}, 100, 10);
  std::vector<std::uint64_t> a, b, c;
  s.order(1, a);
  s.order(1, b);
  s.order(2, c);
  CHECK(a == b);
  CHECK(a != c);
  std::vector<std::uint64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::uint64_t> all(100);
  std::iota(all.begin(), all.end(), 0);
  CHECK(sorted == all);
  sampler other_seed({.shuffle = true, .seed = 43}, 100, 10);
  std::vector<std::uint64_t> d;
  other_seed.order(1, d);
  CHECK(d != a);
}

TEST_CASE("sampler: shards are disjoint, equal in size and cover the dataset") {
  std::set<std::uint64_t> seen;
  std::size_t total = 0;
  for (int rank = 0; rank < 3; ++rank) {
    sampler s({.shuffle = true, .seed = 1, .rank = rank, .world_size = 3}, 10, 2);
    CHECK(s.samples_per_rank() == 4);  // 10 padded to 12 by wrapping
    std::vector<std::uint64_t> o;
    s.order(0, o);
    total += o.size();
    seen.insert(o.begin(), o.end());
  }
  CHECK(total == 12);
  CHECK(seen.size() == 10);
}

TEST_CASE("sampler: with replacement draws dataset-size ids in range") {
  sampler s({.replacement = true, .seed = 3}, 50, 8);
  std::vector<std::uint64_t> o;
  s.order(0, o);
  CHECK(o.size() == 50);
  std::set<std::uint64_t> distinct(o.begin(), o.end());
  CHECK(distinct.size() < 50);  // repeats are all but certain (p of none ~ 1e-21)
  for (auto v : o) CHECK(v < 50);
}
