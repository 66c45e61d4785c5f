#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
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

namespace {
// Textured images (every pixel differs) with striped masks, sizes varying: any crop or flip shows.
struct textured {
  test::temp_dir dir;
  explicit textured(int n) {
    test::write_textured_dataset(dir / "seg", n, true, classes, [](int i) {
      return std::array<int, 2>{20 + i % 7, 30 + (i * 3) % 11};
    });
  }
  pipeline_spec spec(int batch, int threads) const {
    pipeline_spec s;
    s.base_dir = dir.path();
    s.dataset.root = "seg";
    s.dataset.masks = "masks";
    s.targets.mask = mask_target{.num_classes = classes, .ignore_index = 255};
    s.sampler.shuffle = true;
    s.sampler.seed = 9;
    // Every kind of random draw: crop, colour order and factors, flips, affine, blur sigma, erasing.
    s.transforms = {random_crop_op{{12, 12}},
                    color_jitter_op{.brightness = std::array<double, 2>{0.7, 1.3},
                                    .contrast = std::array<double, 2>{0.7, 1.3},
                                    .saturation = std::array<double, 2>{0.5, 1.5},
                                    .hue = std::array<double, 2>{-0.1, 0.1}},
                    hflip_op{0.5},
                    vflip_op{0.5},
                    random_affine_op{.degrees = {-30, 30}, .scale = std::array<double, 2>{0.8, 1.2}},
                    gaussian_blur_op{{3, 3}, {0.3, 1.5}},
                    resize_op{.size = size2{10, 10}},
                    normalize_op{},
                    random_erasing_op{.p = 0.5, .random = true}};
    s.batch.size = batch;
    s.loader.threads = threads;
    s.loader.prefetch_batches = 3;
    return s;
  }
};

// Every tensor's bytes, batch by batch: the first `limit` batches of a fresh pass (next(), since a
// for loop's ++ would take one more batch before the body could stop it).
std::vector<std::vector<std::uint8_t>> batch_bytes(loader& l, std::size_t limit = SIZE_MAX) {
  std::vector<std::vector<std::uint8_t>> out;
  std::optional<batch> got;
  while (out.size() < limit && (got = l.next())) {
    const batch& b = *got;
    std::vector<std::uint8_t> v;
    for (auto n : b.names()) {
      const auto* p = static_cast<const std::uint8_t*>(b[n].raw());
      v.insert(v.end(), p, p + b[n].nbytes());
    }
    out.push_back(std::move(v));
  }
  return out;
}
}  // namespace

TEST_CASE("loader: random pipelines on textured images are byte-identical with 1, 2 and 4 threads") {
  textured d(24);
  auto spec = d.spec(5, 1);
  loader one(spec);
  one.set_epoch(3);
  const auto a = epoch_bytes(one);
  REQUIRE(a.size() > 0);
  for (int threads : {2, 4}) {
    CAPTURE(threads);
    spec.loader.threads = threads;
    loader l(spec);
    l.set_epoch(3);
    CHECK(epoch_bytes(l) == a);
  }
  CHECK(epoch_bytes(one) == a);  // the same epoch again
  one.set_epoch(4);
  CHECK(epoch_bytes(one) != a);
}

TEST_CASE("loader: after random_affine, `valid` is 1 exactly where the image was sampled from the source") {
  textured d(6);
  auto spec = d.spec(6, 2);
  spec.targets.mask.reset();
  spec.dataset.masks.clear();
  spec.batch.image_type = dtype::uint8;
  spec.batch.image_layout = layout::nhwc;
  spec.batch.pad = pad_spec{.divisor = 8};
  spec.transforms = {
      random_affine_op{.degrees = {20, 70}, .scale = std::array<double, 2>{0.7, 1.0}, .fill = {1, 2, 3}}};
  loader l(spec);
  const batch b = *l.next();
  const tensor& img = b["image"];
  const tensor& valid = b["valid"];
  const auto H = static_cast<std::size_t>(img.dim(1)), W = static_cast<std::size_t>(img.dim(2));
  std::size_t inside = 0, outside = 0;
  for (std::size_t k = 0; k < b.size(); ++k) {
    const auto& g = b.samples()[k].geometry;
    for (std::size_t y = 0; y < H; ++y)
      for (std::size_t x = 0; x < W; ++x) {
        const std::uint8_t* p = img.data<std::uint8_t>() + ((k * H + y) * W + x) * 3;
        const bool v = valid.data<std::uint8_t>()[(k * H + y) * W + x] == 1;
        // Independently: the output pixel's centre mapped back lands inside the source.
        const auto s = g.point_to_source(static_cast<double>(x) + 0.5, static_cast<double>(y) + 0.5);
        const bool in_sample = static_cast<int>(x) < g.output_width && static_cast<int>(y) < g.output_height;
        const bool from_source = in_sample && s[0] >= 0 && s[0] < g.source_width && s[1] >= 0 && s[1] < g.source_height;
        // Right on an edge the fixed-point stepping may decide differently from this double check.
        const bool near_edge = std::min({std::fabs(s[0]), std::fabs(s[1]), std::fabs(s[0] - g.source_width),
                                         std::fabs(s[1] - g.source_height)}) < 1e-3;
        if (!near_edge) REQUIRE(v == from_source);
        if (in_sample && !v) REQUIRE((p[0] == 1 && p[1] == 2 && p[2] == 3));  // the fill colour
        (v ? inside : outside) += 1;
      }
  }
  CHECK(inside > 0);
  CHECK(outside > b.size() * 50);  // rotated by 20..70 degrees: corners of fill in every sample
}

TEST_CASE("loader: a global position gets the same sample and augmentation whatever the number of ranks") {
  textured d(17);
  auto spec = d.spec(3, 2);
  // Every sample's image bytes by global position, one rank of `world`.
  auto by_position = [&](int rank, int world) {
    auto s = spec;
    s.sampler.rank = rank;
    s.sampler.world_size = world;
    loader l(s);
    l.set_epoch(2);
    std::map<std::uint64_t, std::pair<std::uint64_t, std::vector<std::uint8_t>>> out;
    for (const batch& b : l) {
      const tensor& img = b["image"];
      const std::size_t per = img.nbytes() / b.size();
      for (std::size_t i = 0; i < b.size(); ++i) {
        const auto* p = static_cast<const std::uint8_t*>(img.raw()) + i * per;
        out[b.samples()[i].position] = {b.samples()[i].id, std::vector<std::uint8_t>(p, p + per)};
      }
    }
    return out;
  };
  const auto one = by_position(0, 1);
  REQUIRE(one.size() == 17);
  for (int world : {2, 3}) {
    std::size_t compared = 0;
    for (int rank = 0; rank < world; ++rank)
      for (const auto& [pos, v] : by_position(rank, world)) {
        if (pos >= 17) continue;  // padding beyond the dataset: a new position, its own draws
        CHECK(v.first == one.at(pos).first);
        CHECK(v.second == one.at(pos).second);
        ++compared;
      }
    CHECK(compared == 17);
  }
}

TEST_CASE("loader: a sample drawn twice in an epoch is augmented independently") {
  textured d(6);
  auto spec = d.spec(6, 2);
  spec.sampler.replacement = true;
  spec.transforms = {random_crop_op{{12, 12}}, hflip_op{0.5}, vflip_op{0.5}, to_float_op{}};
  loader l(spec);
  std::size_t pairs = 0;
  for (std::uint64_t epoch = 0; epoch < 4; ++epoch) {
    l.set_epoch(epoch);
    for (const batch& b : l) {
      const tensor& img = b["image"];
      const std::size_t per = img.nbytes() / b.size();
      const auto* p = static_cast<const std::uint8_t*>(img.raw());
      for (std::size_t i = 0; i < b.size(); ++i)
        for (std::size_t j = i + 1; j < b.size(); ++j) {
          if (b.samples()[i].id != b.samples()[j].id) continue;
          ++pairs;
          CHECK(b.samples()[i].position != b.samples()[j].position);
          CHECK(std::memcmp(p + i * per, p + j * per, per) != 0);
        }
    }
  }
  CHECK(pairs >= 4);  // 6 draws of 6 with replacement repeat one in all but 1.5% of epochs
}

TEST_CASE("loader: a restored cursor continues with exactly the batches of the uninterrupted run") {
  textured d(23);
  auto spec = d.spec(3, 2);  // 8 batches per epoch, the last short
  loader full(spec);
  std::mt19937 pick(12345);
  for (std::size_t k = 0; k <= 8; ++k) {  // every point, the start and the end of the epoch included
    const int round = static_cast<int>(k);
    const std::uint64_t epoch = pick() % 5;
    full.set_epoch(epoch);
    const auto want = batch_bytes(full);
    REQUIRE(want.size() == 8);
    CAPTURE(epoch);
    CAPTURE(k);
    // The interrupted run: k batches, then its cursor, saved as text.
    std::string saved;
    {
      auto s = spec;
      s.loader.threads = 1 + round % 3;
      loader first(s);
      first.set_epoch(epoch);
      const auto got = batch_bytes(first, k);
      REQUIRE(got.size() == k);
      CHECK(std::equal(got.begin(), got.end(), want.begin()));
      saved = first.state().to_string();
      first.stop();
      CHECK(first.state().batches == k);  // stopping does not move the cursor
    }
    // A new process, another thread count: restore, then the usual loop from the saved epoch.
    auto s = spec;
    s.loader.threads = 4 - round % 3;
    loader second(s);
    const cursor c = cursor::parse(saved);
    CHECK(c.epoch == epoch);
    CHECK(c.batches == k);
    second.restore(c);
    second.set_epoch(c.epoch);
    CHECK(second.state().batches == k);
    const auto rest = batch_bytes(second);
    REQUIRE(rest.size() == 8 - k);
    CHECK(std::equal(rest.begin(), rest.end(), want.begin() + static_cast<std::ptrdiff_t>(k)));
    CHECK(second.state().batches == 8);
    second.set_epoch(epoch + 1);  // the next epoch starts at its first batch
    CHECK(second.state().batches == 0);
    full.set_epoch(epoch + 1);
    CHECK(batch_bytes(second, 2) == batch_bytes(full, 2));
  }
}

TEST_CASE("loader: restore refuses a cursor of another spec, seed or dataset, or past the epoch") {
  textured d(23);
  loader l(d.spec(3, 1));
  const cursor good = l.state();
  auto error_of = [&](const cursor& c) -> std::string {
    try {
      l.restore(c);
    } catch (const config_error& e) {
      return e.message();
    }
    return "no error";
  };
  CHECK(error_of(good) == "no error");
  cursor other = good;
  other.seed = 10;
  CHECK(error_of(other) ==
        "cannot restore " + other.to_string() + ": it was made with sampler.seed 10, this loader has 9");
  other = good;
  other.spec_hash ^= 1;
  CHECK(error_of(other).find("it was made with another pipeline spec") != std::string::npos);
  other = good;
  other.dataset_hash ^= 1;
  CHECK(error_of(other).find("it was made with another dataset") != std::string::npos);
  other = good;
  other.batches = 9;
  CHECK(error_of(other) == "cannot restore " + other.to_string() + ": an epoch has 8 batches");
  // What the hashes cover: threads and prefetch do not matter, a transform or a file does.
  auto s = d.spec(3, 4);
  s.loader.prefetch_batches = 1;
  CHECK(loader(s).state() == good);
  s.transforms[0] = random_crop_op{{11, 11}};
  CHECK(loader(s).state().spec_hash != good.spec_hash);
  // Any rank may restore rank 0's cursor; another world size may not.
  auto r1 = d.spec(3, 1);
  r1.sampler.rank = 1;
  r1.sampler.world_size = 2;
  auto r0 = r1;
  r0.sampler.rank = 0;
  loader rank0(r0), rank1(r1);
  CHECK(rank1.state() == rank0.state());
  cursor mid = rank0.state();
  mid.batches = 2;
  rank1.restore(mid);
  CHECK(rank1.state().batches == 2);
  CHECK(rank1.state().spec_hash != good.spec_hash);  // world size 2 is not world size 1
  CHECK_THROWS_AS(l.restore(mid), config_error);
  std::filesystem::remove(d.dir / "seg/images/0022.png");
  std::filesystem::remove(d.dir / "seg/masks/0022.png");
  CHECK(loader(d.spec(3, 1)).state().dataset_hash != good.dataset_hash);
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

TEST_CASE("loader: oneTBB's thread limit is raised only while loaders that need it live, then restored") {
  namespace tbb = oneapi::tbb;
  const auto limit = [] { return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism); };
  const std::size_t before = limit();
  const int cores = tbb::info::default_concurrency();
  textured d(6);
  {
    auto s = d.spec(2, cores + 3);  // more workers than the default pool holds: the limit must rise
    loader big(s);
    CHECK(limit() == static_cast<std::size_t>(cores + 4));
    {
      auto s2 = d.spec(2, cores + 1);
      loader small(s2);
      CHECK(limit() == static_cast<std::size_t>(cores + 4));  // the largest live request
      for (const batch& b : small) (void)b;
    }
    CHECK(limit() == static_cast<std::size_t>(cores + 4));
    for (const batch& b : big) CHECK(b.size() > 0);
    auto s3 = d.spec(2, 1);  // one worker: no control at all
    loader one(s3);
    CHECK(limit() == static_cast<std::size_t>(cores + 4));
  }
  CHECK(limit() == before);  // nothing left behind in the host process
}

TEST_CASE("loader: letterbox pads an 8-bit mask with an ignore_index above 255, not with class 0") {
  // 8 wide, 4 high: letterbox to 8x8 keeps the scale and adds rows 0-1 and 6-7. The mask files are 8-bit
  // palettes, which cannot hold 300: the padding must still be 300.
  test::temp_dir dir;
  test::write_textured_dataset(dir / "seg", 2, true, 4, [](int) { return std::array<int, 2>{4, 8}; });
  pipeline_spec s;
  s.base_dir = dir.path();
  s.dataset.root = "seg";
  s.dataset.masks = "masks";
  s.targets.mask = mask_target{.num_classes = 4, .ignore_index = 300, .type = dtype::int32};
  s.transforms = {letterbox_op{.size = size2{8, 8}}};
  s.batch.size = 2;
  s.batch.image_type = dtype::uint8;
  s.loader.threads = 1;
  loader l(s);
  auto b = l.next();
  REQUIRE(b);
  const std::int32_t* m = (*b)["mask"].data<std::int32_t>();
  int wrong = 0;
  for (int k = 0; k < 2; ++k)
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) {
        const int want = y < 2 || y >= 6 ? 300 : (x / 3 + ((y - 2) / 2) * 5 + k) % 4;
        wrong += m[(k * 8 + y) * 8 + x] != want;
      }
  CHECK(wrong == 0);
}
