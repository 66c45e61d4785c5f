// Photometric ops touch the image only; random_erasing draws torchvision's rectangle on the output.
// (Pixel values of color_jitter, random_grayscale and gaussian_blur are checked against torchvision in
// tests/conformance/pillow_compare.py photometric.)
#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

using namespace imgbatch;

namespace {

struct data {
  test::temp_dir dir;
  data() {
    test::write_textured_dataset(dir / "seg", 10, true, 4, [](int i) {
      return std::array<int, 2>{40 + i, 56 + 2 * i};
    });
  }
  pipeline_spec spec(std::vector<transform> ops) const {
    pipeline_spec s;
    s.base_dir = dir.path();
    s.dataset.root = "seg";
    s.dataset.masks = "masks";
    s.targets.mask = mask_target{.num_classes = 4, .ignore_index = 255};
    s.transforms = std::move(ops);
    s.batch.size = 5;
    s.loader.threads = 2;
    return s;
  }
};

std::vector<batch> all(loader& l) {
  std::vector<batch> out;
  for (const batch& b : l) out.push_back(b);
  return out;
}

bool same_bytes(const tensor& a, const tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

}  // namespace

TEST_CASE("photometric: colour, grey and blur change the image and leave the mask exactly as it was") {
  data d;
  const std::vector<transform> geo = {random_crop_op{{32, 48}}, hflip_op{0.5}};
  auto with_colour = geo;
  with_colour.insert(with_colour.begin() + 1, color_jitter_op{.brightness = std::array<double, 2>{0.6, 1.4},
                                                              .contrast = std::array<double, 2>{0.6, 1.4},
                                                              .saturation = std::array<double, 2>{0.5, 1.5},
                                                              .hue = std::array<double, 2>{-0.2, 0.2}});
  with_colour.push_back(gaussian_blur_op{{3, 5}, {0.5, 1.5}});
  with_colour.push_back(random_grayscale_op{0.5});
  // Random draws are keyed by op index: the plain chain keeps every op in its place, the photometric
  // ones replaced by grayscale with p = 0 (which never fires), so both chains crop and flip alike.
  auto plain = with_colour;
  plain[1] = random_grayscale_op{0.0};
  plain[3] = random_grayscale_op{0.0};
  plain[4] = random_grayscale_op{0.0};
  loader a(d.spec(with_colour)), b(d.spec(plain));
  const auto x = all(a), y = all(b);
  REQUIRE(x.size() == 2);
  REQUIRE(y.size() == 2);
  std::size_t grey = 0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    CHECK(same_bytes(x[k]["mask"], y[k]["mask"]));
    CHECK_FALSE(same_bytes(x[k]["image"], y[k]["image"]));
    const tensor& img = x[k]["image"];
    const std::size_t plane = 32 * 48;
    for (std::size_t i = 0; i < x[k].size(); ++i) {
      const float* p = img.data<float>() + i * 3 * plane;
      bool all_grey = true;
      for (std::size_t j = 0; j < plane && all_grey; ++j) all_grey = p[j] == p[plane + j] && p[j] == p[2 * plane + j];
      grey += all_grey;
    }
  }
  CHECK(grey > 0);   // random_grayscale p = 0.5 over 10 samples
  CHECK(grey < 10);  // and not every one
}

TEST_CASE("photometric: random_erasing sets one rectangle of torchvision's size to its value, nothing else") {
  data d;
  const std::vector<transform> base = {resize_op{.size = size2{40, 60}}, normalize_op{}};
  auto erased = base;
  erased.push_back(random_erasing_op{.p = 1.0, .value = {0.5f, -1.0f, 2.0f}});
  loader a(d.spec(erased)), b(d.spec(base));
  const auto x = all(a), y = all(b);
  const std::size_t plane = 40 * 60;
  std::size_t samples = 0;
  for (std::size_t k = 0; k < x.size(); ++k)
    for (std::size_t i = 0; i < x[k].size(); ++i) {
      const float* p = x[k]["image"].data<float>() + i * 3 * plane;
      const float* q = y[k]["image"].data<float>() + i * 3 * plane;
      int x0 = 60, y0 = 40, x1 = -1, y1 = -1;
      std::size_t changed = 0;
      for (int yy = 0; yy < 40; ++yy)
        for (int xx = 0; xx < 60; ++xx) {
          const std::size_t j = static_cast<std::size_t>(yy) * 60 + xx;
          const bool value = p[j] == 0.5f && p[plane + j] == -1.0f && p[2 * plane + j] == 2.0f;
          const bool untouched = p[j] == q[j] && p[plane + j] == q[plane + j] && p[2 * plane + j] == q[2 * plane + j];
          REQUIRE((value || untouched));
          if (!untouched) {
            ++changed;
            x0 = std::min(x0, xx), y0 = std::min(y0, yy), x1 = std::max(x1, xx), y1 = std::max(y1, yy);
          }
        }
      REQUIRE(changed > 0);
      const int w = x1 - x0 + 1, h = y1 - y0 + 1;
      CHECK(changed == static_cast<std::size_t>(w * h));  // one rectangle
      // torchvision: area in scale (0.02..0.33 of 2400, h and w rounded), h / w in ratio (0.3..3.3).
      CHECK(w * h >= 0.02 * 2400 * 0.7);
      CHECK(w * h <= 0.33 * 2400 * 1.3);
      CHECK(h < 40);
      CHECK(w < 60);
      CHECK(static_cast<double>(h) / w >= 0.3 * 0.6);
      CHECK(static_cast<double>(h) / w <= 3.3 / 0.6);
      ++samples;
    }
  CHECK(samples == 10);
  // p = 0 erases nothing.
  auto never = base;
  never.push_back(random_erasing_op{.p = 0.0});
  loader c(d.spec(never));
  const auto z = all(c);
  for (std::size_t k = 0; k < z.size(); ++k) CHECK(same_bytes(z[k]["image"], y[k]["image"]));
}

TEST_CASE("photometric: random_erasing with \"random\" fills its rectangle with standard normal noise") {
  data d;
  loader l(d.spec({resize_op{.size = size2{64, 64}}, normalize_op{},
                   random_erasing_op{.p = 1.0, .scale = {0.2, 0.3}, .random = true}}));
  loader plain(d.spec({resize_op{.size = size2{64, 64}}, normalize_op{}}));
  const auto x = all(l), y = all(plain);
  double sum = 0, sq = 0;
  std::size_t n = 0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const float* p = x[k]["image"].data<float>();
    const float* q = y[k]["image"].data<float>();
    for (std::size_t j = 0; j < x[k]["image"].numel(); ++j)
      if (p[j] != q[j]) {
        sum += p[j];
        sq += static_cast<double>(p[j]) * p[j];
        ++n;
      }
  }
  REQUIRE(n > 10 * 3 * 800);  // at least 0.2 of 4096 pixels, 3 channels, 10 samples (a few may equal by chance)
  const double count = static_cast<double>(n), mean = sum / count, var = sq / count - mean * mean;
  CHECK(std::fabs(mean) < 0.05);
  CHECK(std::fabs(var - 1.0) < 0.1);
}

TEST_CASE("photometric: random_erasing writes its value in NHWC uint8 batches too, rounded to a level") {
  data d;
  const std::vector<transform> base = {resize_op{.size = size2{40, 60}}};
  auto erased = base;
  erased.push_back(random_erasing_op{.p = 1.0, .value = {127.6f, 7.0f, 300.0f}});  // 128, 7, 255
  auto spec_a = d.spec(erased), spec_b = d.spec(base);
  for (auto* s : {&spec_a, &spec_b}) {
    s->batch.image_type = dtype::uint8;
    s->batch.image_layout = layout::nhwc;
  }
  loader a(spec_a), b(spec_b);
  const auto x = all(a), y = all(b);
  std::size_t samples = 0;
  for (std::size_t k = 0; k < x.size(); ++k)
    for (std::size_t i = 0; i < x[k].size(); ++i) {
      const std::uint8_t* p = x[k]["image"].data<std::uint8_t>() + i * 2400 * 3;
      const std::uint8_t* q = y[k]["image"].data<std::uint8_t>() + i * 2400 * 3;
      int x0 = 60, y0 = 40, x1 = -1, y1 = -1;
      std::size_t changed = 0;
      for (int yy = 0; yy < 40; ++yy)
        for (int xx = 0; xx < 60; ++xx) {
          const std::uint8_t* px = p + (yy * 60 + xx) * 3;
          const std::uint8_t* qx = q + (yy * 60 + xx) * 3;
          if (std::memcmp(px, qx, 3) == 0) continue;
          REQUIRE((px[0] == 128 && px[1] == 7 && px[2] == 255));
          ++changed;
          x0 = std::min(x0, xx), y0 = std::min(y0, yy), x1 = std::max(x1, xx), y1 = std::max(y1, yy);
        }
      // Pixels that already had the value count as unchanged, so the rectangle holds at most `changed`.
      REQUIRE(changed > 0);
      CHECK(changed <= static_cast<std::size_t>((x1 - x0 + 1) * (y1 - y0 + 1)));
      CHECK(changed + 3 >= static_cast<std::size_t>((x1 - x0 + 1) * (y1 - y0 + 1)));
      ++samples;
    }
  CHECK(samples == 10);
}

TEST_CASE("photometric: brightness and contrast before crops and flips give float32 = normalize(uint8) exactly") {
  // The table of such a step is applied by the final write (composed with the normalize table for
  // float32); every float must be (v / 255 - mean) / std of the uint8 output of the same pipeline.
  data d;
  const std::vector<transform> ops = {
      hflip_op{0.5},
      color_jitter_op{.brightness = std::array<double, 2>{0.6, 1.4}, .contrast = std::array<double, 2>{0.6, 1.4}},
      random_crop_op{{32, 48}}, vflip_op{0.5}};
  const std::array<float, 3> mean{0.485f, 0.456f, 0.406f}, sd{0.229f, 0.224f, 0.225f};
  auto with_norm = ops;
  with_norm.push_back(normalize_op{mean, sd});
  pipeline_spec u8 = d.spec(ops);
  u8.batch.image_type = dtype::uint8;
  u8.batch.image_layout = layout::nchw;
  loader a(u8), b(d.spec(with_norm));
  const auto x = all(a), y = all(b);
  REQUIRE(x.size() == 2);
  std::size_t compared = 0, changed = 0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const std::uint8_t* p = x[k]["image"].data<std::uint8_t>();
    const float* q = y[k]["image"].data<float>();
    const std::size_t n = x[k]["image"].numel(), plane = 32 * 48;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t c = (i / plane) % 3;
      CHECK(q[i] == (static_cast<float>(p[i]) / 255.0f - mean[c]) / sd[c]);
      ++compared;
    }
  }
  CHECK(compared == 10u * 3 * 32 * 48);
  // and the step did something: the uint8 output differs from the same pipeline without it
  auto no_colour = ops;
  no_colour[1] = random_grayscale_op{0.0};
  pipeline_spec plain = d.spec(no_colour);
  plain.batch.image_type = dtype::uint8;
  plain.batch.image_layout = layout::nchw;
  loader c(plain);
  const auto z = all(c);
  for (std::size_t k = 0; k < x.size(); ++k) changed += !same_bytes(x[k]["image"], z[k]["image"]);
  CHECK(changed == 2);
}
