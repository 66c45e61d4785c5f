// The buffer_allocator hook: batch tensors in memory the user hands in (pinned host memory in real use),
// every byte of it given back, whatever outlives what.
#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>

using namespace imgbatch;

namespace {

/// Counts and records every block; checks that each is given back once, with its own size and alignment.
class counting_allocator final : public buffer_allocator {
 public:
  void* allocate(std::size_t bytes, std::size_t alignment) override {
    std::lock_guard lock(mutex_);
    if (fail_with_) throw std::runtime_error(fail_with_);
    void* p = std::aligned_alloc(alignment, bytes);
    if (!p) throw std::bad_alloc();
    live_[p] = {bytes, alignment};
    ++allocations_;
    return p;
  }
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept override {
    std::lock_guard lock(mutex_);
    auto it = live_.find(p);
    if (it == live_.end() || it->second.first != bytes || it->second.second != alignment) ++bad_frees_;
    else live_.erase(it);
    ++deallocations_;
    std::free(p);
  }
  /// True when [p, p + n) lies inside one live block.
  bool owns(const void* p, std::size_t n) {
    std::lock_guard lock(mutex_);
    auto it = live_.upper_bound(const_cast<void*>(p));
    if (it == live_.begin()) return false;
    --it;
    const auto* base = static_cast<const std::byte*>(it->first);
    return static_cast<const std::byte*>(p) >= base && static_cast<const std::byte*>(p) + n <= base + it->second.first;
  }
  std::size_t live() {
    std::lock_guard lock(mutex_);
    return live_.size();
  }
  std::size_t allocations_count() {
    std::lock_guard lock(mutex_);
    return allocations_;
  }
  std::size_t deallocations() {
    std::lock_guard lock(mutex_);
    return deallocations_;
  }
  std::size_t bad_frees() {
    std::lock_guard lock(mutex_);
    return bad_frees_;
  }
  void fail_with(const char* message) {
    std::lock_guard lock(mutex_);
    fail_with_ = message;
  }

 private:
  std::mutex mutex_;
  std::map<void*, std::pair<std::size_t, std::size_t>> live_;
  std::size_t allocations_ = 0, deallocations_ = 0, bad_frees_ = 0;
  const char* fail_with_ = nullptr;
};

struct seg_data {
  test::temp_dir dir;
  seg_data() {
    test::write_textured_dataset(dir / "seg", 24, true, 5, [](int i) {
      return std::array<int, 2>{30 + i % 5, 40 + i % 3};
    });
  }
  pipeline_spec spec() const {
    pipeline_spec s;
    s.base_dir = dir.path();
    s.dataset.root = "seg";
    s.dataset.masks = "masks";
    s.targets.mask = mask_target{.num_classes = 5, .ignore_index = 255};
    s.sampler.shuffle = true;
    s.transforms = {random_crop_op{.size = size2{24, 32}}, hflip_op{0.5}, normalize_op{}};
    s.batch.size = 4;
    s.loader.threads = 2;
    s.loader.prefetch_batches = 3;
    return s;
  }
};

}  // namespace

TEST_CASE("allocator: every batch tensor lives in the user's memory, and all of it is given back") {
  seg_data data;
  auto alloc = std::make_shared<counting_allocator>();
  std::vector<std::vector<float>> with_heap;
  {
    loader plain(data.spec());
    plain.set_epoch(1);
    for (const batch& b : plain)
      with_heap.emplace_back(b["image"].data<float>(), b["image"].data<float>() + b["image"].numel());
  }
  std::optional<batch> kept;
  {
    loader l(data.spec(), alloc);
    for (std::uint64_t epoch : {0u, 1u}) {
      l.set_epoch(epoch);
      std::size_t k = 0;
      for (const batch& b : l) {
        for (std::string_view name : b.names()) {
          const tensor& t = b[name];
          CHECK_MESSAGE(alloc->owns(t.raw(), t.nbytes()), name);
          CHECK(reinterpret_cast<std::uintptr_t>(t.raw()) % 64 == 0);
        }
        if (epoch == 1) {
          // The same pixels as with heap memory.
          const tensor& img = b["image"];
          REQUIRE(k < with_heap.size());
          CHECK(std::equal(with_heap[k].begin(), with_heap[k].end(), img.data<float>()));
          ++k;
        }
        if (epoch == 1 && b.index() == 2) kept = b;
      }
      CHECK(k == (epoch == 1 ? with_heap.size() : 0));
    }
    // 3 buffers × 2 tensors (image, mask), allocated once each: the shapes never grow.
    CHECK(alloc->allocations_count() == 6);
    CHECK(alloc->deallocations() == 0);
  }
  // The loader is gone; the kept batch keeps the loader's buffers (3 × 2 tensors) and stays readable.
  CHECK(alloc->live() == 6);
  CHECK(alloc->owns((*kept)["image"].raw(), (*kept)["image"].nbytes()));
  CHECK(alloc.use_count() > 1);
  kept.reset();
  CHECK(alloc->live() == 0);
  CHECK(alloc->deallocations() == 6);
  CHECK(alloc->bad_frees() == 0);
  CHECK(alloc.use_count() == 1);
}

TEST_CASE("allocator: padded batches of growing size: the valid tensor too, and growth gives the old block back") {
  seg_data data;
  auto alloc = std::make_shared<counting_allocator>();
  {
    pipeline_spec s = data.spec();
    s.transforms = {hflip_op{0.5}, normalize_op{}};  // sizes differ from sample to sample
    s.batch.pad = pad_spec{};                        // to the batch's largest: shapes change from batch to batch
    s.sampler.shuffle = true;
    loader l(s, alloc);
    std::size_t valid_checked = 0;
    for (std::uint64_t epoch = 0; epoch < 4; ++epoch) {
      l.set_epoch(epoch);
      for (const batch& b : l) {
        for (std::string_view name : b.names()) {
          const tensor& t = b[name];
          CHECK_MESSAGE(alloc->owns(t.raw(), t.nbytes()), name);
        }
        valid_checked += b.find("valid") != nullptr;
      }
    }
    CHECK(valid_checked > 0);
    CHECK(alloc->deallocations() > 0);  // a batch larger than any before took a larger block
    CHECK(alloc->bad_frees() == 0);
  }
  CHECK(alloc->live() == 0);
  CHECK(alloc->bad_frees() == 0);
  CHECK(alloc->allocations_count() == alloc->deallocations());
}

TEST_CASE("allocator: an allocator that throws fails the pass with its message instead of crashing") {
  seg_data data;
  auto alloc = std::make_shared<counting_allocator>();
  alloc->fail_with("pinned memory exhausted");
  {
    loader l(data.spec(), alloc);
    CHECK_THROWS_WITH_AS(l.next(), doctest::Contains("pinned memory exhausted"), std::exception);
    // Memory again: the next pass works.
    alloc->fail_with(nullptr);
    l.set_epoch(1);
    std::size_t batches = 0;
    for (const batch& b : l) batches += b.size() > 0;
    CHECK(batches == l.size());
  }
  CHECK(alloc->live() == 0);
  CHECK(alloc->bad_frees() == 0);
}
