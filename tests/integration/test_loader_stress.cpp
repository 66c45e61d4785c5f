#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"
#include "util/rng.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <vector>

using namespace imgbatch;

TEST_CASE("stress: stopping, re-epoching and destroying at random points never hangs, leaks or corrupts") {
  test::temp_dir dir;
  test::write_constant_dataset(dir / "seg", 48, true, 4, [](int i) {
    return std::array<int, 2>{16 + i % 5, 20 + i % 3};
  });
  detail::counter_rng rng(2024);
  std::vector<batch> kept;  // batches that outlive their loaders
  const auto t0 = std::chrono::steady_clock::now();
  for (int round = 0; round < 200; ++round) {
    pipeline_spec s;
    s.base_dir = dir.path();
    s.dataset.root = "seg";
    s.dataset.masks = "masks";
    s.targets.mask = mask_target{.num_classes = 4, .ignore_index = 255};
    s.transforms = {random_crop_op{{12, 12}}, hflip_op{0.5}, normalize_op{}};
    s.sampler.shuffle = rng.bernoulli(0.5);
    s.batch.size = 1 + static_cast<int>(rng.below(6));
    s.loader.threads = 1 + static_cast<int>(rng.below(4));
    s.loader.prefetch_batches = 1 + static_cast<int>(rng.below(4));
    auto l = std::make_unique<loader>(s);
    const int actions = 1 + static_cast<int>(rng.below(6));
    for (int a = 0; a < actions; ++a) {
      const int take = static_cast<int>(rng.below(l->size() + 1));
      int n = 0;
      for (const batch& b : *l) {
        REQUIRE(b["image"].dim(2) == 12);
        if (rng.bernoulli(0.1) && kept.size() < 2 && s.loader.prefetch_batches > 2) kept.push_back(b);
        if (++n >= take) break;
      }
      switch (rng.below(4)) {
        case 0:
          l->stop();
          break;
        case 1:
          l->set_epoch(rng.below(100));
          break;
        case 2: {
          auto b = l->next();  // start a pass and leave it running
          if (b && kept.size() < 2 && s.loader.prefetch_batches > 2) kept.push_back(*b);
          break;
        }
        default:
          break;
      }
    }
    l.reset();  // destroyed with whatever is in flight
    for (const batch& b : kept) {
      const float* p = b["image"].data<float>();
      CHECK(p[0] == p[0]);  // readable, not freed
    }
    if (rng.bernoulli(0.5)) kept.clear();
  }
  MESSAGE("200 loaders torn down at random points in "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
}
