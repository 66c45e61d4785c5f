#include "collate/batch_layout.hpp"
#include "decode/decoder.hpp"
#include "encode/png_writer.hpp"
#include "source/file_source.hpp"
#include "support/fixtures.hpp"
#include "target/mask_target.hpp"
#include "transform/execute.hpp"

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
  const target_set none;
  batch_layout lay(spec, none);
  batch_data b;
  lay.init(b);
  const batch_shape shape{2, 1, 2, 0};
  lay.shape(b, shape);
  image px = make_image(2, 1, 3, [](int x, int, int c) { return x == 0 ? 0 : 255 - c; });
  const pixel_lut lut = make_lut(make_chain(spec.transforms));
  lay.write_image(b, 1, {image_view::of(px), true, false}, lut, shape);
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

TEST_CASE("collate: NCHW float32 normalize of every pixel of wide rows, plain and flipped, each value by hand") {
  // Widths around the 8-pixel steps of the vectorised write, and a window whose rows continue past it.
  const std::array<float, 3> mean{0.485f, 0.456f, 0.406f}, sd{0.229f, 0.224f, 0.225f};
  auto spec = spec_with(layout::nchw, dtype::float32, std::nullopt, {normalize_op{mean, sd}});
  const target_set none;
  batch_layout lay(spec, none);
  const pixel_lut lut = make_lut(make_chain(spec.transforms));
  int checked = 0;
  for (const int w : {1, 7, 8, 9, 16, 23, 64, 67}) {
    const image big = make_image(w + 3, 3, 3, [](int x, int y, int c) { return imgbatch::test::texture(5, x, y, c); });
    const image_view v = image_view::of(big).sub(1, 0, w, 3);
    for (const bool fx : {false, true}) {
      batch_data b;
      lay.init(b);
      const batch_shape shape{1, 3, w + 2, 0};  // two columns of padding on the right
      lay.shape(b, shape);
      lay.write_image(b, 0, {v, fx, false}, lut, shape);
      const float* d = b.tensors[0].second.data<float>();
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 3; ++y)
          for (int x = 0; x < w; ++x) {
            const int src = v.row(y)[3 * (fx ? w - 1 - x : x) + c];
            const float want = (static_cast<float>(src) / 255.0f - mean[static_cast<std::size_t>(c)]) /
                               sd[static_cast<std::size_t>(c)];
            const float got =
                d[(static_cast<std::size_t>(c) * 3 + static_cast<std::size_t>(y)) * static_cast<std::size_t>(w + 2) +
                  static_cast<std::size_t>(x)];
            if (got != want) {
              INFO("w " << w << " fx " << fx << " c " << c << " y " << y << " x " << x);
              CHECK(got == want);
            }
            ++checked;
          }
    }
  }
  CHECK(checked == 2 * 3 * 3 * (1 + 7 + 8 + 9 + 16 + 23 + 64 + 67));
}

TEST_CASE("collate: NHWC uint8 keeps pixels as they are") {
  auto spec = spec_with(layout::nhwc, dtype::uint8, std::nullopt, {});
  const target_set none;
  batch_layout lay(spec, none);
  batch_data b;
  lay.init(b);
  const batch_shape shape{1, 2, 2, 0};
  lay.shape(b, shape);
  image px = make_image(2, 2, 3, [](int x, int y, int c) { return 100 * y + 10 * x + c; });
  lay.write_image(b, 0, {image_view::of(px), false, true}, make_lut(make_chain({})), shape);
  const tensor& t = b.tensors[0].second;
  CHECK(std::vector<std::int64_t>(t.shape().begin(), t.shape().end()) == std::vector<std::int64_t>{1, 2, 2, 3});
  const std::uint8_t* d = t.data<std::uint8_t>();
  CHECK(std::vector<std::uint8_t>(d, d + 12) ==
        std::vector<std::uint8_t>{100, 101, 102, 110, 111, 112, 0, 1, 2, 10, 11, 12});
}

namespace {
// Writes a 4x1 palette mask (0, 1, 2, 255) and loads it through the mask target: decode, then write
// into a batch padded to `shape` with the plan `ops`.
batch_data load_mask(const mask_target& m, const std::vector<transform>& ops, const batch_shape& shape) {
  imgbatch::test::temp_dir dir;
  image mk = make_image(4, 1, 1, [](int x, int, int) { return x == 3 ? 255 : x; });
  std::vector<std::array<std::uint8_t, 3>> palette(256, {0, 0, 0});
  write_png((dir / "m.png").string(), mk, palette);
  pipeline_spec spec = spec_with(layout::nchw, dtype::float32, m, ops);
  const target_set targets = make_targets(spec);
  batch_layout lay(spec, targets);
  batch_data b;
  lay.init(b);
  lay.shape(b, shape);
  sample_record rec;
  rec.add(file_role::image, "image.png");
  rec.add(file_role::mask, (dir / "m.png").string());
  dataset_index index;
  image_header header;
  header.width = 4;
  header.height = 1;
  sample_plan plan;
  REQUIRE(plan_sample(make_chain(ops), {}, 1, 4, plan).empty());
  const file_source source(spec);
  const sample_view view{rec, index, header, plan, spec.decode, spec.dataset.frame, nullptr, source};
  const target& t = *targets.list.at(0);
  auto scratch = t.make_scratch();
  decoder dec;
  exec_scratch ex;
  t.decode(view, scratch.get(), dec, 1, 4);
  t.write(view, scratch.get(), ex, b, 0, shape);
  return b;
}
}  // namespace

TEST_CASE("collate: masks as int64 index maps and as one-hot with ignore pixels all zero") {
  mask_target m;
  m.num_classes = 3;
  m.ignore_index = 255;
  batch_data b = load_mask(m, {hflip_op{1.0}}, {1, 1, 4, 0});
  const tensor& idx = *b.find("mask");
  CHECK(idx.type() == dtype::int64);
  const std::int64_t* d = idx.data<std::int64_t>();
  CHECK(std::vector<std::int64_t>(d, d + 4) == std::vector<std::int64_t>{255, 2, 1, 0});

  m.encoding = mask_encoding::one_hot;
  batch_data h = load_mask(m, {}, {1, 1, 4, 0});
  const tensor& t = *h.find("mask");
  CHECK(t.type() == dtype::uint8);
  CHECK(std::vector<std::int64_t>(t.shape().begin(), t.shape().end()) == std::vector<std::int64_t>{1, 3, 1, 4});
  const std::uint8_t* o = t.data<std::uint8_t>();
  CHECK(std::vector<std::uint8_t>(o, o + 12) == std::vector<std::uint8_t>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0});
}

TEST_CASE("collate: a padded batch fills masks with ignore_index and images with the pad value") {
  mask_target m;
  m.num_classes = 3;
  m.ignore_index = 255;
  batch_data b = load_mask(m, {}, {1, 2, 6, 0});
  const std::int64_t* d = b.find("mask")->data<std::int64_t>();
  CHECK(std::vector<std::int64_t>(d, d + 12) ==
        std::vector<std::int64_t>{0, 1, 2, 255, 255, 255, 255, 255, 255, 255, 255, 255});

  auto spec = spec_with(layout::nchw, dtype::float32, std::nullopt, {});
  spec.batch.pad = pad_spec{.to = std::nullopt, .divisor = 1, .value = {-1.0f, -2.0f, -3.0f}};
  const target_set none;
  batch_layout lay(spec, none);
  batch_data img;
  lay.init(img);
  const batch_shape shape{1, 2, 3, 0};
  lay.shape(img, shape);
  image px = make_image(2, 1, 3, [](int x, int, int c) { return 10 * x + c; });
  lay.write_image(img, 0, {image_view::of(px), false, false}, make_lut(make_chain({})), shape);
  lay.write_valid(img, 0, std::array<int, 4>{0, 0, 2, 1}, shape);
  const float* f = img.find("image")->data<float>();
  // channel 0 rows: [0, 10, pad], [pad, pad, pad]; channel 2: [2, 12, pad] ...
  CHECK(std::vector<float>(f, f + 6) == std::vector<float>{0, 10, -1, -1, -1, -1});
  CHECK(std::vector<float>(f + 12, f + 18) == std::vector<float>{2, 12, -3, -3, -3, -3});
  const std::uint8_t* v = img.find("valid")->data<std::uint8_t>();
  CHECK(std::vector<std::uint8_t>(v, v + 6) == std::vector<std::uint8_t>{1, 1, 0, 0, 0, 0});
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

TEST_CASE("tensor: a moved-from tensor is empty and allocates again when reshaped") {
  tensor a;
  a.reshape(dtype::float32, {2, 3});
  const void* storage = a.raw();
  tensor b(std::move(a));
  CHECK(b.raw() == storage);
  CHECK(b.numel() == 6);
  CHECK(a.raw() == nullptr);
  CHECK(a.rank() == 0);
  a.reshape(dtype::float32, {1, 2});  // fits the capacity the storage had: must not reuse a null pointer
  REQUIRE(a.raw() != nullptr);
  CHECK(a.raw() != storage);
  a.data<float>()[1] = 7;
  tensor c;
  c.reshape(dtype::uint8, {8});
  c = std::move(b);
  CHECK(c.raw() == storage);
  CHECK(b.raw() == nullptr);
  CHECK(b.rank() == 0);
  CHECK(c.numel() == 6);
  b.reshape(dtype::uint8, {3});
  REQUIRE(b.raw() != nullptr);
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

TEST_CASE("mask values: a value that is neither a class nor ignore_index is named with its position") {
  auto mask_of = [](int bad_x, int bad_y, int bad_v) {
    return make_image(100, 37, 1, [=](int x, int y, int) { return x == bad_x && y == bad_y ? bad_v : (x + y) % 4; });
  };
  const mask_target t{4, 255, mask_encoding::index, std::nullopt};
  CHECK(check_mask_values(mask_of(-1, -1, 0), t).empty());
  CHECK(check_mask_values(mask_of(50, 20, 255), t).empty());  // ignore_index
  CHECK(check_mask_values(mask_of(99, 36, 4), t) ==
        "mask value 4 at x=99, y=36 is not a class id (num_classes 4, ignore_index 255)");
  CHECK(check_mask_values(mask_of(0, 0, 254), t) ==
        "mask value 254 at x=0, y=0 is not a class id (num_classes 4, ignore_index 255)");
  const mask_target none{4, -1, mask_encoding::index, std::nullopt};  // no ignore value: 255 is bad
  CHECK(check_mask_values(mask_of(7, 3, 255), none) ==
        "mask value 255 at x=7, y=3 is not a class id (num_classes 4, ignore_index -1)");
  const mask_target zero_ignored{4, 0, mask_encoding::index, std::nullopt};
  CHECK(check_mask_values(mask_of(7, 3, 9), zero_ignored) ==
        "mask value 9 at x=7, y=3 is not a class id (num_classes 4, ignore_index 0)");
  const mask_target many{300, -1, mask_encoding::index, std::nullopt};  // every 8-bit value is a class
  CHECK(check_mask_values(mask_of(7, 3, 255), many).empty());
  const mask_target all_but_last{255, -1, mask_encoding::index, std::nullopt};
  CHECK(check_mask_values(mask_of(7, 3, 255), all_but_last) ==
        "mask value 255 at x=7, y=3 is not a class id (num_classes 255, ignore_index -1)");
  // Only rows [0, rows) are looked at (the rows a region decode read): a bad value on the last of them
  // is found, one just below them is not.
  CHECK(check_mask_values(mask_of(40, 19, 9), t, 20) ==
        "mask value 9 at x=40, y=19 is not a class id (num_classes 4, ignore_index 255)");
  CHECK(check_mask_values(mask_of(40, 20, 9), t, 20).empty());
}

TEST_CASE("collate: a letterbox's border is written around the image, flips mirror the whole canvas") {
  // 100 x 50 (w x h) into 70 x 64: scale min(64/50, 70/100) = 0.7 -> 70 x 35, rows 14..48 hold the
  // image ((64 - 35) / 2 = 14 above, 15 below); a top-bottom flip puts it at rows 15..49. Pixels of
  // the image are (200, 100, 50) everywhere, the fill (10, 20, 30); float output normalised by
  // mean 0.5, std 0.5 and uint8 output as they are, then the batch padded to 72 x 80 (-9 for float,
  // clamped to 0 for uint8).
  const image src = make_image(100, 50, 3, [](int, int, int c) { return c == 0 ? 200 : c == 1 ? 100 : 50; });
  int compared = 0;
  for (const bool flip : {false, true}) {
    for (const dtype type : {dtype::float32, dtype::uint8}) {
      std::vector<transform> ops = {letterbox_op{{64, 70}, {10, 20, 30}}};
      if (flip) ops.push_back(vflip_op{1.0});
      if (type == dtype::float32) ops.push_back(normalize_op{{0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}});
      auto spec = spec_with(layout::nchw, type, std::nullopt, ops);
      spec.batch.pad = pad_spec{.to = size2{72, 80}, .value = {-9.0f, -9.0f, -9.0f}};
      const op_chain chain = make_chain(spec.transforms);
      sample_plan plan;
      REQUIRE(plan_sample(chain, {1, 0, 0}, 50, 100, plan).empty());
      exec_scratch scratch;
      const exec_result px = run_plan(plan, image_view::of(src), resample::bilinear, nullptr, scratch);
      const target_set none;
      batch_layout lay(spec, none);
      batch_data b;
      lay.init(b);
      const batch_shape shape{1, 72, 80, 0};
      lay.shape(b, shape);
      lay.write_image(b, 0, px, make_lut(chain), shape);
      auto at = [&](int c, int y, int x) -> float {
        const std::size_t i =
            (static_cast<std::size_t>(c) * 72 + static_cast<std::size_t>(y)) * 80 + static_cast<std::size_t>(x);
        return type == dtype::float32 ? b.tensors[0].second.data<float>()[i]
                                      : static_cast<float>(b.tensors[0].second.data<std::uint8_t>()[i]);
      };
      auto value = [&](int v) {
        return type == dtype::float32 ? (static_cast<float>(v) / 255.0f - 0.5f) / 0.5f : static_cast<float>(v);
      };
      const int first = flip ? 15 : 14, last = first + 34;
      INFO("flip " << flip << " float " << (type == dtype::float32));
      for (int y = 0; y < 72; ++y)
        for (int x = 0; x < 80; x += 3) {
          const bool padded = y >= 64 || x >= 70, image_row = y >= first && y <= last;
          const int c = (x / 3) % 3;
          const std::array<int, 3> img{200, 100, 50}, fill{10, 20, 30};
          const float want =
              padded ? (type == dtype::float32 ? -9.0f : 0.0f)
                     : value(image_row ? img[static_cast<std::size_t>(c)] : fill[static_cast<std::size_t>(c)]);
          if (at(c, y, x) != want) {
            INFO("y " << y << " x " << x << " c " << c);
            CHECK(at(c, y, x) == want);
          }
          ++compared;
        }
    }
  }
  CHECK(compared == 2 * 2 * 72 * 27);
}

TEST_CASE("collate: a letterbox with side bars, flipped left-right, in both layouts: bars swap, the image mirrors") {
  // 50 x 100 (w x h) into 71 x 64: scale 0.64 -> 32 x 64, bars of 19 (left) and 20 (right) columns; a
  // left-right flip swaps them (the image at columns 20..51, mirrored). The image's values come from the
  // plain resize to 32 x 64 written without a letterbox; every value of the slot is checked.
  const image src = make_image(50, 100, 3, [](int x, int y, int c) { return (x * 5 + y * 2 + c * 40) % 256; });
  for (const layout lay : {layout::nchw, layout::nhwc}) {
    const target_set none;
    auto write = [&](std::vector<transform> ops, int H, int W) {
      ops.push_back(normalize_op{{0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}});
      auto spec = spec_with(lay, dtype::float32, std::nullopt, ops);
      const op_chain chain = make_chain(spec.transforms);
      sample_plan plan;
      REQUIRE(plan_sample(chain, {1, 0, 0}, 100, 50, plan).empty());
      exec_scratch scratch;
      const exec_result px = run_plan(plan, image_view::of(src), resample::bilinear, nullptr, scratch);
      batch_layout bl(spec, none);
      batch_data b;
      bl.init(b);
      const batch_shape shape{1, H, W, 0};
      bl.shape(b, shape);
      bl.write_image(b, 0, px, make_lut(chain), shape);
      const float* d = b.tensors[0].second.data<float>();
      return std::vector<float>(d, d + static_cast<std::size_t>(H) * W * 3);
    };
    auto at = [&](const std::vector<float>& v, int W, int H, int c, int y, int x) {
      return lay == layout::nchw ? v[(static_cast<std::size_t>(c) * H + y) * W + x]
                                 : v[(static_cast<std::size_t>(y) * W + x) * 3 + c];
    };
    const auto plain = write({resize_op{.size = size2{64, 32}}}, 64, 32);
    const auto boxed = write({letterbox_op{{64, 71}, {10, 20, 30}}, hflip_op{1.0}}, 64, 71);
    int compared = 0, bars = 0;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 71; ++x) {
          const bool image = x >= 20 && x < 52;
          const float want = image ? at(plain, 32, 64, c, y, 31 - (x - 20))
                                   : (static_cast<float>(10 * (c + 1)) / 255.0f - 0.5f) / 0.5f;
          if (at(boxed, 71, 64, c, y, x) != want) {
            INFO("layout " << static_cast<int>(lay) << " c " << c << " y " << y << " x " << x);
            CHECK(at(boxed, 71, 64, c, y, x) == want);
          }
          ++compared;
          bars += !image;
        }
    CHECK(compared == 3 * 64 * 71);
    CHECK(bars == 3 * 64 * 39);
  }
}
