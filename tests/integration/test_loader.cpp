#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <set>
#include <thread>

using namespace imgbatch;

namespace {

constexpr int classes = 5;

// Samples of varying size, each a constant colour (colour_of(id)) with a constant mask (id % classes).
struct dataset {
  test::temp_dir dir;
  int count;
  explicit dataset(int n) : count(n) {
    test::write_constant_dataset(dir / "seg", n, true, classes, [](int i) {
      return std::array<int, 2>{20 + i % 7, 30 + (i * 3) % 11};
    });
  }
  pipeline_spec spec(int batch, int threads, int prefetch) const {
    pipeline_spec s;
    s.base_dir = dir.path();
    s.dataset.root = "seg";
    s.dataset.masks = "masks";
    s.targets.mask = mask_target{.num_classes = classes, .ignore_index = 255};
    s.transforms = {resize_op{.size = size2{16, 24}}, hflip_op{0.5}, to_float_op{}};
    s.batch.size = batch;
    s.loader.threads = threads;
    s.loader.prefetch_batches = prefetch;
    return s;
  }
};

// Every pixel of sample k of the batch has the colour and class of its sample id.
void check_content(const batch& b) {
  const tensor& img = b["image"];
  const tensor& mask = b["mask"];
  const auto H = static_cast<std::size_t>(img.dim(2)), W = static_cast<std::size_t>(img.dim(3));
  for (std::size_t k = 0; k < b.size(); ++k) {
    const auto id = b.samples()[k].id;
    const auto col = test::colour_of(static_cast<int>(id));
    for (std::size_t c = 0; c < 3; ++c) {
      const float* p = img.data<float>() + (k * 3 + c) * H * W;
      REQUIRE(p[0] == static_cast<float>(col[c]) / 255.0f);
      REQUIRE(p[H * W - 1] == static_cast<float>(col[c]) / 255.0f);
    }
    const std::int64_t* m = mask.data<std::int64_t>() + k * H * W;
    REQUIRE(m[0] == static_cast<std::int64_t>(id % classes));
    REQUIRE(m[H * W - 1] == static_cast<std::int64_t>(id % classes));
  }
}

std::vector<std::uint64_t> epoch_ids(loader& l) {
  std::vector<std::uint64_t> ids;
  for (const batch& b : l) {
    check_content(b);
    for (const auto& s : b.samples()) ids.push_back(s.id);
  }
  return ids;
}

std::vector<std::uint8_t> epoch_bytes(loader& l) {
  std::vector<std::uint8_t> out;
  for (const batch& b : l)
    for (auto n : b.names()) {
      const auto* p = static_cast<const std::uint8_t*>(b[n].raw());
      out.insert(out.end(), p, p + b[n].nbytes());
    }
  return out;
}

}  // namespace

TEST_CASE("loader: batches come out in sampler order with every sample once, for any threads x prefetch") {
  dataset d(37);
  for (int threads : {1, 2, 4})
    for (int prefetch : {1, 2, 4}) {
      CAPTURE(threads);
      CAPTURE(prefetch);
      loader l(d.spec(4, threads, prefetch));
      CHECK(l.size() == 10);
      auto ids = epoch_ids(l);
      REQUIRE(ids.size() == 37);
      for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == i);
    }
}

TEST_CASE("loader: output is identical whatever the thread count, and per epoch") {
  dataset d(24);
  auto spec = d.spec(5, 1, 2);
  spec.sampler.shuffle = true;
  spec.sampler.seed = 9;
  spec.transforms = {random_crop_op{{12, 12}}, hflip_op{0.5}, vflip_op{0.5}, resize_op{.size = size2{10, 10}},
                     normalize_op{}};
  loader one(spec);
  spec.loader.threads = 4;
  spec.loader.prefetch_batches = 3;
  loader four(spec);
  one.set_epoch(3);
  four.set_epoch(3);
  const auto a = epoch_bytes(one), b = epoch_bytes(four);
  CHECK(a.size() > 0);
  CHECK(a == b);
  CHECK(epoch_bytes(one) == a);  // the same epoch again
  one.set_epoch(4);
  CHECK(epoch_bytes(one) != a);
}

TEST_CASE("loader: shuffle changes order between epochs, keeps the sample set, drop_last drops the short batch") {
  dataset d(23);
  auto spec = d.spec(4, 2, 2);
  spec.sampler.shuffle = true;
  spec.sampler.drop_last = true;
  loader l(spec);
  CHECK(l.size() == 5);
  l.set_epoch(0);
  auto e0 = epoch_ids(l);
  l.set_epoch(1);
  auto e1 = epoch_ids(l);
  CHECK(e0.size() == 20);
  CHECK(e1.size() == 20);
  CHECK(e0 != e1);
  CHECK(std::set<std::uint64_t>(e0.begin(), e0.end()).size() == 20);
}

TEST_CASE("loader: next() ends a pass with nullopt and the following call starts a new one") {
  dataset d(6);
  loader l(d.spec(4, 2, 2));
  auto b0 = l.next();
  auto b1 = l.next();
  REQUIRE(b0);
  REQUIRE(b1);
  CHECK(b0->size() == 4);
  CHECK(b1->size() == 2);
  CHECK(b1->index() == 1);
  b0.reset();
  b1.reset();
  CHECK_FALSE(l.next().has_value());
  auto again = l.next();
  REQUIRE(again);
  CHECK(again->index() == 0);
}

TEST_CASE("loader: leaving the loop early, then a full epoch, then destroying mid-epoch") {
  dataset d(40);
  for (int prefetch : {1, 3}) {
    auto l = std::make_unique<loader>(d.spec(2, 2, prefetch));
    int seen = 0;
    for (const batch& b : *l) {
      check_content(b);
      if (++seen == 2) break;
    }
    CHECK(epoch_ids(*l).size() == 40);
    auto first = l->next();
    REQUIRE(first);
    const auto t0 = std::chrono::steady_clock::now();
    l.reset();  // destroyed mid-epoch while a batch is held
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    check_content(*first);  // the held batch outlives its loader
    CHECK(first->samples()[0].id == 0);
  }
}

TEST_CASE("loader: held batches keep their contents while the pipeline runs ahead") {
  dataset d(30);
  loader l(d.spec(3, 2, 4));
  std::vector<batch> held;
  for (int i = 0; i < 3; ++i) held.push_back(*l.next());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (const auto& b : held) check_content(b);
  CHECK(held[2].samples()[0].id == 6);
}

TEST_CASE("loader: a consumer holding every buffer gets an error, not a hang") {
  dataset d(20);
  loader l(d.spec(2, 2, 2));
  auto a = l.next();
  auto b = l.next();
  CHECK_THROWS_WITH_AS(l.next(),
                       "all 2 batch buffers are held by the caller, so no batch can be made: drop a batch or raise "
                       "loader.prefetch_batches",
                       error);
  a.reset();
  l.stop();
  b.reset();
  CHECK(epoch_ids(l).size() == 20);
}

TEST_CASE("loader: geometry and paths are recorded per sample") {
  dataset d(3);
  auto spec = d.spec(3, 1, 1);
  spec.transforms = {resize_op{.size = size2{10, 15}}, hflip_op{1.0}};
  spec.batch.image_type = dtype::uint8;
  loader l(spec);
  auto b = l.next();
  REQUIRE(b);
  const sample_info& s = b->samples()[1];
  CHECK(s.id == 1);
  CHECK(s.image_path == (d.dir / "seg" / "images" / "0001.png").string());
  CHECK(s.file("mask") == (d.dir / "seg" / "masks" / "0001.png").string());
  CHECK(s.geometry.source_height == 21);
  CHECK(s.geometry.source_width == 33);
  CHECK(s.geometry.output_height == 10);
  CHECK(s.geometry.hflip);
  CHECK(s.geometry.scale_x == doctest::Approx(-15.0 / 33));
  CHECK(s.geometry.offset_x == doctest::Approx(15));
  CHECK((*b)["image"].type() == dtype::uint8);
  const loader_stats st = l.stats();
  CHECK(st.batches == 1);
  CHECK(st.samples == 3);
  CHECK(st.decoded_pixels == 20 * 30 + 21 * 33 + 22 * 36);
  CHECK(st.to_string().find("1 batches, 3 samples") == 0);
}

TEST_CASE("loader: without a fixed output size a batch is shaped by its samples") {
  dataset d(4);
  auto spec = d.spec(1, 2, 2);
  spec.transforms = {hflip_op{0.5}};
  loader l(spec);
  std::vector<std::int64_t> heights;
  for (const batch& b : l) heights.push_back(b["image"].dim(2));
  CHECK(heights == std::vector<std::int64_t>{20, 21, 22, 23});
  spec.batch.size = 2;
  loader mixed(spec);
  try {
    mixed.next();
    FAIL("expected a sample_error");
  } catch (const sample_error& e) {
    CHECK(std::string(e.reason()).find("samples of one batch must share a size") != std::string::npos);
  }
}

TEST_CASE("loader: construction refuses a bad spec or dataset before any thread starts") {
  dataset d(2);
  auto spec = d.spec(1, 1, 1);
  spec.loader.prefetch_batches = 0;
  CHECK_THROWS_WITH_AS(loader{spec}, "loader.prefetch_batches: must be at least 1", config_error);
  spec = d.spec(1, 1, 1);
  spec.dataset.masks = "nope";
  CHECK_THROWS_AS(loader{spec}, dataset_error);
}
