// Ending passes while other threads still hold and drop batches, and leaving loops early: every buffer
// comes back exactly once, nothing of an old pass reaches a new one, no worker outlives its pass.
#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"
#include "util/rng.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace imgbatch;

namespace {

// Constant-colour samples (colour_of(id)), resized to 8×8: every pixel of a sample tells its id.
struct constant_data {
  test::temp_dir dir;
  explicit constant_data(int n) {
    test::write_constant_dataset(dir / "seg", n, false, 3, [](int i) {
      return std::array<int, 2>{10 + i % 4, 12 + i % 3};
    });
  }
  pipeline_spec spec(int batch, int threads, int prefetch) const {
    pipeline_spec s;
    s.base_dir = dir.path();
    s.dataset.root = "seg";
    s.sampler.shuffle = true;
    s.transforms = {resize_op{.size = size2{8, 8}}, to_float_op{}};
    s.batch.size = batch;
    s.loader.threads = threads;
    s.loader.prefetch_batches = prefetch;
    return s;
  }
};

// Every pixel of every sample has its own sample's colour: no buffer was written by two batches.
bool intact(const batch& b) {
  const tensor& img = b["image"];
  const float* p = img.data<float>();
  for (std::size_t k = 0; k < b.size(); ++k) {
    const auto col = test::colour_of(static_cast<int>(b.samples()[k].id));
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t i = 0; i < 64; ++i)
        if (p[(k * 3 + c) * 64 + i] != static_cast<float>(col[c]) / 255.0f) return false;
  }
  return true;
}

std::multiset<std::uint64_t> full_epoch(loader& l, std::uint64_t epoch) {
  l.set_epoch(epoch);
  std::multiset<std::uint64_t> ids;
  for (const batch& b : l) {
    REQUIRE(intact(b));
    for (const auto& s : b.samples()) ids.insert(s.id);
  }
  return ids;
}

}  // namespace

TEST_CASE("shutdown: leaving a loop early ends its pass, so the next batch starts the epoch over") {
  constant_data d(24);
  loader l(d.spec(4, 2, 3));
  l.set_epoch(5);
  for (const batch& b : l) {
    CHECK(b.index() == 0);
    break;
  }
  CHECK(l.state().batches == 1);  // where the consumer stood: a cursor still resumes there
  auto again = l.next();
  REQUIRE(again);
  CHECK(again->index() == 0);  // a new pass: the one left by the loop is over
  again.reset();

  // An exception out of the loop body ends the pass too.
  try {
    for (const batch& b : l) {
      if (b.index() == 1) throw std::runtime_error("trainer failed");
    }
  } catch (const std::runtime_error&) {
  }
  auto after_throw = l.next();
  REQUIRE(after_throw);
  CHECK(after_throw->index() == 0);
  after_throw.reset();

  // A loop that itself moved to another epoch (set_epoch inside) leaves the newer pass alone.
  auto it = l.begin();
  l.set_epoch(6);
  auto newer = l.next();  // starts the pass of epoch 6
  REQUIRE(newer);
  CHECK(newer->index() == 0);
  it = loader::iterator();  // the old iterator goes away: epoch 6's pass goes on
  auto second = l.next();
  REQUIRE(second);
  CHECK(second->index() == 1);
  CHECK(second->epoch() == 6);
}

TEST_CASE("shutdown: batches dropped on other threads while passes end, again and again") {
  constant_data d(30);
  loader l(d.spec(3, 2, 4));
  const auto want = full_epoch(l, 0);
  REQUIRE(want.size() == 30);
  detail::counter_rng rng(77);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::jthread> droppers;  // joined on the way out, also if a check throws
  for (int round = 0; round < 300; ++round) {
    // One dropper from the previous round may still hold up to 2 batches while this round takes up to
    // 2: never more than the 4 buffers there are.
    if (droppers.size() > 1) droppers.erase(droppers.begin());
    l.set_epoch(static_cast<std::uint64_t>(round % 7));
    std::vector<batch> taken;
    const int take = 1 + static_cast<int>(rng.below(2));
    for (int i = 0; i < take; ++i) {
      auto b = l.next();
      if (!b) break;
      REQUIRE(intact(*b));
      taken.push_back(std::move(*b));
    }
    // Another thread reads and drops them after a random delay, while this one ends the pass (or starts
    // the next, or stops), so releases race with end_pass and the next pass's start.
    const auto delay = std::chrono::microseconds(rng.below(1500));
    droppers.emplace_back([taken = std::move(taken), delay]() mutable {
      std::this_thread::sleep_for(delay);
      for (const batch& b : taken) CHECK(intact(b));
      taken.clear();
    });
    switch (rng.below(3)) {
      case 0:
        l.stop();
        break;
      case 1:
        l.set_epoch(rng.below(50));
        break;
      default:
        break;  // the next round's set_epoch ends it
    }
  }
  droppers.clear();
  // Every buffer came back exactly once: a full epoch still yields each sample once, intact.
  CHECK(full_epoch(l, 3) == want);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60));
}

TEST_CASE("shutdown: a loader destroyed while other threads still hold its batches") {
  constant_data d(12);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::jthread> readers;
    {
      loader l(d.spec(2, 2, 3));
      for (int i = 0; i < 2; ++i) {
        auto b = l.next();
        REQUIRE(b);
        readers.emplace_back([b = *b, round] {
          std::this_thread::sleep_for(std::chrono::microseconds(100 * (round % 7)));
          CHECK(intact(b));
        });
      }
    }  // destroyed mid-epoch, its batches still out
    readers.clear();
  }
}
