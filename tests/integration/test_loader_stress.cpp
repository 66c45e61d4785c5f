#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"
#include "util/rng.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

using namespace imgbatch;

TEST_CASE("stress: stopping, re-epoching and destroying at random points never hangs, leaks or corrupts") {
  test::temp_dir dir;
  test::write_constant_dataset(dir / "seg", 48, true, 4, [](int i) {
    return std::array<int, 2>{16 + i % 5, 20 + i % 3};
  });
  detail::counter_rng rng(2024);
  // Batches that outlive their loaders, with a copy of their image bytes and sample ids taken when kept:
  // a buffer handed back to the pipeline while held, or freed, would change them (the samples differ
  // in colour from one id to the next).
  struct kept_batch {
    batch b;
    std::vector<float> pixels;
    std::vector<std::uint64_t> ids;
  };
  std::vector<kept_batch> kept;
  int kept_total = 0, compared = 0;
  auto keep = [&](const batch& b) {
    ++kept_total;
    const tensor& t = b["image"];
    const float* p = t.data<float>();
    kept_batch k{b, std::vector<float>(p, p + t.numel()), {}};
    for (const auto& s : b.samples()) k.ids.push_back(s.id);
    kept.push_back(std::move(k));
  };
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
        if (rng.bernoulli(0.1) && kept.size() < 2 && s.loader.prefetch_batches > 2) keep(b);
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
          if (b && kept.size() < 2 && s.loader.prefetch_batches > 2) keep(*b);
          break;
        }
        default:
          break;
      }
    }
    l.reset();  // destroyed with whatever is in flight
    for (const kept_batch& k : kept) {
      const tensor& t = k.b["image"];
      REQUIRE(t.numel() == k.pixels.size());
      CHECK(std::memcmp(t.raw(), k.pixels.data(), k.pixels.size() * sizeof(float)) == 0);
      std::vector<std::uint64_t> ids;
      for (const auto& smp : k.b.samples()) ids.push_back(smp.id);
      CHECK(ids == k.ids);
      ++compared;
    }
    if (rng.bernoulli(0.5)) kept.clear();
  }
  CHECK(kept_total > 20);  // the fixed seed keeps batches past their loaders in many rounds
  CHECK(compared > kept_total);
  MESSAGE(kept_total << " batches kept past their loaders, " << compared << " comparisons");
  MESSAGE("200 loaders torn down at random points in "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
}
