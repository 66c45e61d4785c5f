// No heap allocation per batch in steady state: inside an epoch, after its first batches, a batch is
// produced and handed out without operator new (counted by replacing it in this executable, which
// catches the library's, spdlog's and the standard library's allocations; oneTBB, libjpeg and libpng
// allocate with malloc and are not seen).
#include <imgbatch/imgbatch.hpp>

#include "alloc_counter.hpp"
#include "support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace imgbatch;

namespace {

std::uint64_t allocations_over(loader& l, int batches) {
  const std::uint64_t before = bench::allocations();
  for (int i = 0; i < batches; ++i) {
    std::optional<batch> b = l.next();
    REQUIRE(b.has_value());
    REQUIRE(b->size() == 4);
  }
  return bench::allocations() - before;
}

}  // namespace

TEST_CASE("allocations: batches in the middle of an epoch allocate nothing (mask, colour, crop, flips, normalize)") {
  test::temp_dir dir;
  test::write_textured_dataset(dir / "seg", 48, true, 5, [](int i) {
    return std::array<int, 2>{40 + i % 9, 50 + i % 7};
  });
  pipeline_spec s;
  s.base_dir = dir.path();
  s.dataset.root = "seg";
  s.dataset.masks = "masks";
  s.targets.mask = mask_target{.num_classes = 5, .ignore_index = 255};
  s.sampler.shuffle = true;
  s.transforms = {
      color_jitter_op{.brightness = std::array<double, 2>{0.8, 1.2}, .contrast = std::array<double, 2>{0.8, 1.2}},
      random_crop_op{{32, 40}}, hflip_op{0.5}, resize_op{.size = size2{24, 30}}, normalize_op{}};
  s.batch.size = 4;
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    s.loader.threads = threads;
    s.loader.prefetch_batches = 3;
    loader l(s);
    for (std::uint64_t e = 0; e < 2; ++e) {  // warm-up: buffers and scratch reach their sizes
      l.set_epoch(e);
      for (const batch& b : l) (void)b;
    }
    l.set_epoch(2);
    allocations_over(l, 3);  // the pass's graph is built and its queues grow here
    CHECK(allocations_over(l, 6) == 0);
  }
}
