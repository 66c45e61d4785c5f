#include "collate/batch_layout.hpp"
#include "support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace imgbatch;
using namespace imgbatch::detail;
using imgbatch::test::make_image;

namespace {
pipeline_spec spec_with(layout lay, dtype img, std::optional<mask_target> mask, std::vector<transform> ops) {
  pipeline_spec s;
  s.batch.image_layout = lay;
  s.batch.image_type = img;
  s.targets.mask = mask;
  s.transforms = std::move(ops);
  return s;
}
}  // namespace

TEST_CASE("collate: NCHW float32 with normalize, written to the sample's slot, flips folded in") {
  auto spec =
      spec_with(layout::nchw, dtype::float32, std::nullopt, {normalize_op{{0.5f, 0.25f, 0.0f}, {0.5f, 0.25f, 1.0f}}});
  batch_layout lay(spec);
  batch_data b;
  lay.init(b);
  lay.shape(b, 2, 1, 2);
  image px = make_image(2, 1, 3, [](int x, int, int c) { return x == 0 ? 0 : 255 - c; });
  const pixel_lut lut = make_lut(make_chain(spec.transforms));
  lay.write_image(b, 1, {image_view::of(px), true, false}, lut);
  const tensor& t = b.tensors[0].second;
  CHECK(t.shape().size() == 4);
  CHECK(t.dim(1) == 3);
  const float* d = t.data<float>() + 6;  // slot 1
  // x=0 now holds the old x=1 (255, 254, 253); x=1 holds 0.
  CHECK(d[0] == (255.0f / 255.0f - 0.5f) / 0.5f);
  CHECK(d[1] == (0.0f / 255.0f - 0.5f) / 0.5f);
  CHECK(d[2] == (254.0f / 255.0f - 0.25f) / 0.25f);
  CHECK(d[4] == (253.0f / 255.0f - 0.0f) / 1.0f);
  CHECK(d[5] == 0.0f);
}

TEST_CASE("collate: NHWC uint8 keeps pixels as they are") {
  auto spec = spec_with(layout::nhwc, dtype::uint8, std::nullopt, {});
  batch_layout lay(spec);
  batch_data b;
  lay.init(b);
  lay.shape(b, 1, 2, 2);
  image px = make_image(2, 2, 3, [](int x, int y, int c) { return 100 * y + 10 * x + c; });
  lay.write_image(b, 0, {image_view::of(px), false, true}, make_lut(make_chain({})));
  const tensor& t = b.tensors[0].second;
  CHECK(std::vector<std::int64_t>(t.shape().begin(), t.shape().end()) == std::vector<std::int64_t>{1, 2, 2, 3});
  const std::uint8_t* d = t.data<std::uint8_t>();
  CHECK(std::vector<std::uint8_t>(d, d + 12) ==
        std::vector<std::uint8_t>{100, 101, 102, 110, 111, 112, 0, 1, 2, 10, 11, 12});
}

TEST_CASE("collate: masks as int64 index maps and as one-hot with ignore pixels all zero") {
  mask_target m;
  m.num_classes = 3;
  m.ignore_index = 255;
  batch_layout index_layout(spec_with(layout::nchw, dtype::float32, m, {}));
  CHECK(index_layout.mask_type() == dtype::int64);
  batch_data b;
  index_layout.init(b);
  index_layout.shape(b, 1, 1, 4);
  image mk = make_image(4, 1, 1, [](int x, int, int) { return x == 3 ? 255 : x; });
  index_layout.write_mask(b, 0, {image_view::of(mk), true, false});
  const std::int64_t* d = b.tensors[1].second.data<std::int64_t>();
  CHECK(std::vector<std::int64_t>(d, d + 4) == std::vector<std::int64_t>{255, 2, 1, 0});

  m.encoding = mask_encoding::one_hot;
  batch_layout hot(spec_with(layout::nchw, dtype::float32, m, {}));
  CHECK(hot.mask_type() == dtype::uint8);
  batch_data h;
  hot.init(h);
  hot.shape(h, 1, 1, 4);
  hot.write_mask(h, 0, {image_view::of(mk), false, false});
  const tensor& t = h.tensors[1].second;
  CHECK(std::vector<std::int64_t>(t.shape().begin(), t.shape().end()) == std::vector<std::int64_t>{1, 3, 1, 4});
  const std::uint8_t* o = t.data<std::uint8_t>();
  CHECK(std::vector<std::uint8_t>(o, o + 12) == std::vector<std::uint8_t>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0});
}

TEST_CASE("tensor: typed access checks the dtype and storage grows only when needed") {
  tensor t;
  t.reshape(dtype::float32, {2, 3});
  CHECK(t.numel() == 6);
  CHECK(t.nbytes() == 24);
  CHECK(reinterpret_cast<std::uintptr_t>(t.raw()) % 64 == 0);
  CHECK_THROWS_WITH_AS(t.data<std::int64_t>(), "tensor holds float32, not int64", std::logic_error);
  const void* before = t.raw();
  t.reshape(dtype::uint8, {4});
  CHECK(t.raw() == before);
}

TEST_CASE("batch: asking for a missing tensor names the ones there are") {
  auto data = std::make_shared<batch_data>();
  data->tensors.emplace_back("image", tensor{});
  data->tensors.emplace_back("mask", tensor{});
  batch b(data);
  CHECK(b.find("mask") != nullptr);
  CHECK(b.find("depth") == nullptr);
  CHECK_THROWS_WITH_AS(b["depth"], "batch has no tensor 'depth' (it has: image, mask)", std::out_of_range);
}
