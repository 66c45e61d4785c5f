#include <imgbatch/error.hpp>

#include "sampler/sampler.hpp"
#include "sampler/shard_env.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
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

TEST_CASE("sampler: shards are DistributedSampler's, disjoint and complete for world sizes 1 to 5") {
  // torch.utils.data.DistributedSampler: indices = perm (+ perm[:pad] to a multiple of world, or cut to
  // one with drop_last); rank r takes indices[r::world]. Checked by hand against that definition.
  for (std::size_t n : {3u, 10u, 13u, 16u})  // 3 < world size 4 and 5: padding wraps more than once
    for (int world = 1; world <= 5; ++world)
      for (bool drop : {false, true}) {
        CAPTURE(n);
        CAPTURE(world);
        CAPTURE(drop);
        const std::size_t w = static_cast<std::size_t>(world);
        const std::size_t total = drop ? n / w * w : (n + w - 1) / w * w;
        const std::size_t B = 2;
        sampler whole({.shuffle = true, .seed = 5}, n, 1);
        const auto perm = ids_of(whole, 7);  // world 1: the epoch's permutation itself
        std::vector<int> owner(total, -1);
        std::multiset<std::uint64_t> drawn;
        for (int rank = 0; rank < world; ++rank) {
          sampler s({.shuffle = true, .seed = 5, .drop_last = drop, .rank = rank, .world_size = world}, n, B);
          CHECK(s.samples_per_rank() == total / w);
          const std::size_t per = total / w, batches = drop ? per / B : (per + B - 1) / B;
          CHECK(s.num_batches() == batches);
          epoch_order o;
          s.order(7, o);
          REQUIRE(o.ids.size() == o.positions.size());
          REQUIRE(o.ids.size() == (drop ? batches * B : per));
          for (std::size_t j = 0; j < o.ids.size(); ++j) {
            const std::uint64_t p = o.positions[j];
            CHECK(p == j * w + static_cast<std::size_t>(rank));
            REQUIRE(p < total);
            CHECK(owner[p] == -1);  // no position is drawn twice
            owner[p] = rank;
            CHECK(o.ids[j] == perm[p % n]);  // the same permutation on every rank, padding wraps
            drawn.insert(o.ids[j]);
          }
        }
        if (!drop) {
          CHECK(std::set<std::uint64_t>(drawn.begin(), drawn.end()).size() == n);  // complete
          CHECK(drawn.size() == total);                                            // padding only as much as needed
        } else {
          CHECK(std::set<std::uint64_t>(drawn.begin(), drawn.end()).size() == drawn.size());  // no repeats
        }
      }
}

TEST_CASE("sampler: a global position holds the same sample whatever the number of ranks") {
  sampler one({.shuffle = true, .seed = 3}, 30, 4);
  epoch_order o1;
  one.order(2, o1);
  for (int world : {2, 3, 5}) {
    for (int rank = 0; rank < world; ++rank) {
      sampler s({.shuffle = true, .seed = 3, .rank = rank, .world_size = world}, 30, 4);
      epoch_order o;
      s.order(2, o);
      for (std::size_t j = 0; j < o.ids.size(); ++j)
        if (o.positions[j] < 30) CHECK(o.ids[j] == o1.ids[o.positions[j]]);
    }
  }
}

TEST_CASE("sampler: with replacement every rank draws its own stream") {
  sampler r0({.replacement = true, .seed = 3, .rank = 0, .world_size = 2}, 40, 4);
  sampler r1({.replacement = true, .seed = 3, .rank = 1, .world_size = 2}, 40, 4);
  epoch_order a, b;
  r0.order(1, a);
  r1.order(1, b);
  CHECK(a.ids.size() == 20);
  CHECK(b.ids.size() == 20);
  CHECK(a.ids != b.ids);
  for (std::size_t j = 0; j < 20; ++j) {
    CHECK(a.positions[j] == 2 * j);
    CHECK(b.positions[j] == 2 * j + 1);
  }
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
    // Batch k of rank r is global batch g = k * 3 + r: its draws sit at positions g * 4 + i.
    for (std::size_t k = 0; k < o.num_batches(); ++k)
      for (std::size_t j = o.starts[k]; j < o.starts[k + 1]; ++j)
        CHECK(o.positions[j] == (k * 3 + static_cast<std::size_t>(rank)) * 4 + (j - o.starts[k]));
  }
  CHECK(seen.size() == 40);
}

TEST_CASE("sampler: \"auto\" reads torchrun, Open MPI, PMI and Slurm variables, in that order") {
  using env = std::map<std::string, std::string>;
  auto resolve = [](const env& e) {
    return resolve_shard({.rank = from_environment, .world_size = from_environment},
                         [&](const char* k) -> std::optional<std::string> {
                           auto it = e.find(k);
                           if (it == e.end()) return std::nullopt;
                           return it->second;
                         });
  };
  auto is = [](const shard& s, int rank, int world, const std::string& source) {
    return s.rank == rank && s.world_size == world && s.source == source;
  };
  CHECK(is(resolve({}), 0, 1, "none found"));
  CHECK(is(resolve({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "2"}}),
           3, 8, "RANK/WORLD_SIZE"));
  CHECK(is(
      resolve(
          {{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "2"}, {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "4"}}),
      1, 2, "OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE"));
  CHECK(is(resolve({{"PMI_RANK", "2"}, {"PMI_SIZE", "3"}}), 2, 3, "PMI_RANK/PMI_SIZE"));
  CHECK(is(resolve({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "6"}}), 5, 6, "SLURM_PROCID/SLURM_NTASKS"));
  auto error_of = [&](const env& e) -> std::string {
    try {
      resolve(e);
    } catch (const config_error& x) {
      return x.what();
    }
    return "";
  };
  CHECK(error_of({{"RANK", "1"}}) == "sampler.rank: \"auto\" found RANK set but not WORLD_SIZE");
  CHECK(error_of({{"RANK", "one"}, {"WORLD_SIZE", "2"}}) ==
        "sampler.rank: environment variable RANK=\"one\" is not a non-negative integer");
  CHECK(error_of({{"RANK", "0"}, {"WORLD_SIZE", "0"}}) ==
        "sampler.rank: environment variable WORLD_SIZE=\"0\" is not a positive integer");
  CHECK(error_of({{"SLURM_PROCID", "4"}, {"SLURM_NTASKS", "4"}}) ==
        "sampler.rank: SLURM_PROCID=4 is not below SLURM_NTASKS=4");
  // A spec with numbers is taken as it is, whatever the environment says.
  const shard fixed = resolve_shard({.rank = 1, .world_size = 2}, [](const char*) { return std::string("7"); });
  CHECK((fixed.rank == 1 && fixed.world_size == 2 && fixed.source == "spec"));
}
