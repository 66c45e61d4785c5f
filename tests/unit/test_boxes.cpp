// Boxes through every geometric op, against values worked out by hand in the comments.
#include "decode/orientation.hpp"
#include "transform/plan.hpp"
#include "util/rng.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

using namespace imgbatch;
using namespace imgbatch::detail;

namespace {
using box = std::array<double, 4>;

// Plans one sample of h x w carrying `boxes`; returns the moved boxes.
sample_plan plan_boxes(const std::vector<transform>& ops, int h, int w, const std::vector<box>& boxes,
                       std::uint64_t id = 0, double min_size = 0, double min_visibility = 0) {
  sample_plan p;
  for (std::size_t i = 0; i < boxes.size(); ++i) p.boxes.push(boxes[i], static_cast<std::uint32_t>(i));
  REQUIRE(plan_sample(make_chain(ops), {7, 0, id}, h, w, p, min_size, min_visibility).empty());
  return p;
}

void check_box(const box& got, const box& want) {
  for (int k = 0; k < 4; ++k)
    CHECK(got[static_cast<std::size_t>(k)] == doctest::Approx(want[static_cast<std::size_t>(k)]).epsilon(1e-12));
}
}  // namespace

TEST_CASE("boxes: hflip and vflip mirror in the frame") {
  // 50 high, 100 wide: x -> 100 - x, y -> 50 - y, corners swap.
  auto h = plan_boxes({hflip_op{1.0}}, 50, 100, {{10, 20, 30, 40}});
  check_box(h.boxes.box[0], {70, 20, 90, 40});
  auto v = plan_boxes({vflip_op{1.0}}, 50, 100, {{10, 20, 30, 40}});
  check_box(v.boxes.box[0], {10, 10, 30, 30});
}

TEST_CASE("boxes: resize scales x and y by the size ratios, both forms") {
  // 50x100 -> [25, 200]: x * 2, y * 0.5
  check_box(plan_boxes({resize_op{.size = size2{25, 200}}}, 50, 100, {{10, 20, 30, 40}}).boxes.box[0],
            {20, 10, 60, 20});
  // shorter 25 on 50x100 -> 25x50: both * 0.5
  check_box(plan_boxes({resize_op{.shorter = {25}}}, 50, 100, {{10, 20, 30, 40}}).boxes.box[0], {5, 10, 15, 20});
}

TEST_CASE("boxes: multi-scale resize draws one shorter side per sample from the list") {
  std::set<int> seen;
  for (std::uint64_t id = 0; id < 64; ++id) {
    auto p = plan_boxes({resize_op{.shorter = {20, 30, 40}}}, 50, 100, {{10, 20, 30, 40}}, id);
    seen.insert(p.out_h);
    const double k = p.out_h / 50.0;
    CHECK(p.out_w == static_cast<int>(p.out_h * 100 / 50));
    check_box(p.boxes.box[0], {10 * k, 20 * k, 30 * k, 40 * k});
  }
  CHECK(seen == std::set<int>{20, 30, 40});
}

TEST_CASE("boxes: letterbox scales to fit, centres with (size - new) // 2, and pads") {
  // 50x100 into 64x64: r = min(64/50, 64/100) = 0.64, new 32x64, top (64-32)//2 = 16, left 0.
  auto p = plan_boxes({letterbox_op{{64, 64}, {114, 114, 114}}}, 50, 100, {{10, 20, 30, 40}});
  CHECK(p.out_h == 64);
  CHECK(p.out_w == 64);
  check_box(p.boxes.box[0], {6.4, 20 * 0.64 + 16, 19.2, 40 * 0.64 + 16});
  CHECK(p.visible == std::array<int, 4>{0, 16, 64, 48});
  // 75x50 (h x w) into 40x60: r = min(40/75, 60/50) = 0.5333, new round(40) x round(26.67) = 40x27,
  // left (60-27)//2 = 16; x scale 27/50 = 0.54, y scale 40/75.
  auto q = plan_boxes({letterbox_op{{40, 60}, {0, 0, 0}}}, 75, 50, {{0, 0, 50, 75}});
  check_box(q.boxes.box[0], {16, 0, 16 + 27, 40});
  CHECK(q.geometry.scale_x == doctest::Approx(0.54));
  CHECK(q.geometry.offset_x == doctest::Approx(16));
  // Python rounds halves to even: 50x100 into 25x25: r = 0.25, 50 * 0.25 = 12.5 -> 12 (not 13), top (25-12)//2 = 6.
  auto half = plan_boxes({letterbox_op{{25, 25}, {0, 0, 0}}}, 50, 100, {{0, 0, 100, 50}});
  CHECK(half.steps[0].out_h == 12);
  CHECK(half.steps[0].out_w == 25);
  check_box(half.boxes.box[0], {0, 6, 25, 18});
}

TEST_CASE("boxes: center_crop shifts, clips, drops empty boxes, and min_visibility counts the visible area") {
  // 50x100 -> [20, 40]: y0 = round(15) = 15, x0 = round(30) = 30.
  // [25,20,50,40] -> [-5,5,20,25] clipped to [0,5,20,20]: visible 20*15 of 25*20 = 0.6.
  // [10,20,30,40] -> x in [-20, 0]: empty, dropped.
  auto p = plan_boxes({center_crop_op{{20, 40}}}, 50, 100, {{10, 20, 30, 40}, {25, 20, 50, 40}});
  REQUIRE(p.boxes.size() == 1);
  CHECK(p.boxes.source[0] == 1);
  check_box(p.boxes.box[0], {0, 5, 20, 20});
  CHECK(plan_boxes({center_crop_op{{20, 40}}}, 50, 100, {{25, 20, 50, 40}}, 0, 0, 0.6).boxes.size() == 1);
  CHECK(plan_boxes({center_crop_op{{20, 40}}}, 50, 100, {{25, 20, 50, 40}}, 0, 0, 0.61).boxes.size() == 0);
  // min_size: the box is 20 x 15 output pixels
  CHECK(plan_boxes({center_crop_op{{20, 40}}}, 50, 100, {{25, 20, 50, 40}}, 0, 15).boxes.size() == 1);
  CHECK(plan_boxes({center_crop_op{{20, 40}}}, 50, 100, {{25, 20, 50, 40}}, 0, 15.5).boxes.size() == 0);
}

TEST_CASE("boxes: random_crop and random_resized_crop move boxes by the window they drew") {
  for (std::uint64_t id = 0; id < 200; ++id) {
    auto p = plan_boxes({random_crop_op{{30, 30}}}, 50, 100, {{40, 10, 60, 30}}, id);
    const plan_step& c = p.steps[0];
    const box want{std::clamp(40.0 - c.x0, 0.0, 30.0), std::clamp(10.0 - c.y0, 0.0, 30.0),
                   std::clamp(60.0 - c.x0, 0.0, 30.0), std::clamp(30.0 - c.y0, 0.0, 30.0)};
    if (want[2] > want[0] && want[3] > want[1]) {
      REQUIRE(p.boxes.size() == 1);
      check_box(p.boxes.box[0], want);
    } else {
      CHECK(p.boxes.size() == 0);
    }
  }
  int interior = 0;
  for (std::uint64_t id = 0; id < 400; ++id) {
    auto p = plan_boxes({random_resized_crop_op{{16, 32}, {0.1, 1.0}, {0.5, 2.0}}}, 50, 100,
                        {{0, 0, 100, 50}, {40, 20, 60, 30}}, id);
    REQUIRE(p.steps.size() == 2);
    const plan_step &c = p.steps[0], &r = p.steps[1];
    CHECK(r.out_h == 16);
    CHECK(r.out_w == 32);
    // The whole image box becomes the whole output.
    check_box(p.boxes.box[0], {0, 0, 32, 16});
    CHECK(c.x0 >= 0);
    CHECK(c.y0 >= 0);
    CHECK(c.x0 + c.out_w <= 100);
    CHECK(c.y0 + c.out_h <= 50);
    // torchvision's draw: area in [0.1, 1] of the image and w/h in [0.5, 2], up to the rounding of each side
    const double area = double(c.out_h) * c.out_w / 5000.0, ratio = double(c.out_w) / c.out_h;
    CHECK(area >= 0.1 * 0.9);
    CHECK(area <= 1.0);
    CHECK(ratio >= 0.5 * (1 - 1.0 / c.out_h) - 1e-9);
    CHECK(ratio <= 2.0 * (1 + 1.0 / c.out_w) + 1e-9);
    // An interior box: shifted by the window, scaled by output / window, clipped to the output.
    const double kx = 32.0 / c.out_w, ky = 16.0 / c.out_h;
    const box want{std::clamp((40.0 - c.x0) * kx, 0.0, 32.0), std::clamp((20.0 - c.y0) * ky, 0.0, 16.0),
                   std::clamp((60.0 - c.x0) * kx, 0.0, 32.0), std::clamp((30.0 - c.y0) * ky, 0.0, 16.0)};
    if (want[2] > want[0] && want[3] > want[1]) {
      REQUIRE(p.boxes.size() == 2);
      check_box(p.boxes.box[1], want);
      ++interior;
    } else {
      CHECK(p.boxes.size() == 1);
    }
  }
  CHECK(interior > 100);
}

TEST_CASE("boxes: random_resized_crop falls back to torchvision's centre crop") {
  // scale [1, 1] with ratio [3, 3] cannot fit 50x100 (w = round(sqrt(5000*3)) = 122 > 100): 10 tries fail;
  // in_ratio 2 < 3, so w = 100, h = round(100 / 3) = 33, top (50 - 33) // 2 = 8, left 0.
  auto p = plan_boxes({random_resized_crop_op{{33, 100}, {1.0, 1.0}, {3.0, 3.0}}}, 50, 100, {});
  CHECK(p.steps[0].out_h == 33);
  CHECK(p.steps[0].out_w == 100);
  CHECK(p.steps[0].y0 == 8);
  CHECK(p.steps[0].x0 == 0);
}

TEST_CASE("boxes: random_iou_crop keeps boxes whose centre is inside and meets its size rules") {
  random_iou_crop_op op;
  int cropped = 0, uncropped = 0;
  for (std::uint64_t id = 0; id < 500; ++id) {
    const std::vector<box> src{{10, 10, 40, 30}, {60, 5, 95, 45}, {45, 40, 55, 48}};
    auto p = plan_boxes({op}, 50, 100, src, id);
    if (p.steps.empty()) {
      ++uncropped;
      CHECK(p.boxes.size() == 3);
      continue;
    }
    ++cropped;
    const plan_step& c = p.steps[0];
    CHECK(c.out_w >= static_cast<int>(100 * 0.3));
    CHECK(c.out_h >= static_cast<int>(50 * 0.3));
    const double aspect = double(c.out_w) / c.out_h;
    CHECK(aspect >= 0.5);
    CHECK(aspect <= 2.0);
    REQUIRE(p.boxes.size() >= 1);  // a crop is only taken with a box centre inside it
    for (std::size_t i = 0; i < p.boxes.size(); ++i) {
      const box& s = src[p.boxes.source[i]];
      const double cx = 0.5 * (s[0] + s[2]), cy = 0.5 * (s[1] + s[3]);
      CHECK(cx > c.x0);
      CHECK(cx < c.x0 + c.out_w);
      CHECK(cy > c.y0);
      CHECK(cy < c.y0 + c.out_h);
    }
    // every source box whose centre is inside survives (clipping cannot empty it)
    std::size_t inside = 0;
    for (const box& s : src) {
      const double cx = 0.5 * (s[0] + s[2]), cy = 0.5 * (s[1] + s[3]);
      inside += cx > c.x0 && cx < c.x0 + c.out_w && cy > c.y0 && cy < c.y0 + c.out_h;
    }
    CHECK(p.boxes.size() == inside);
  }
  // "no crop" is one option in 7: both outcomes occur.
  CHECK(cropped > 250);
  CHECK(uncropped > 30);
}

TEST_CASE("boxes: random_iou_crop only takes a crop that overlaps a box whose centre it holds by the minimum IoU") {
  random_iou_crop_op op;
  op.options = {0.5, 1.0};
  int cropped = 0;
  for (std::uint64_t id = 0; id < 300; ++id) {
    const std::vector<box> src{{10, 10, 40, 30}, {60, 5, 95, 45}, {45, 40, 55, 48}};
    auto p = plan_boxes({op}, 50, 100, src, id);
    if (p.steps.empty()) continue;
    ++cropped;
    const plan_step& c = p.steps[0];
    const box window{double(c.x0), double(c.y0), double(c.x0 + c.out_w), double(c.y0 + c.out_h)};
    double best = 0;
    for (std::size_t i = 0; i < p.boxes.size(); ++i) {
      const box& s = src[p.boxes.source[i]];
      // IoU by hand: intersection over union of the source box and the window
      const double iw = std::min(s[2], window[2]) - std::max(s[0], window[0]);
      const double ih = std::min(s[3], window[3]) - std::max(s[1], window[1]);
      const double inter = std::max(iw, 0.0) * std::max(ih, 0.0);
      const double uni = (s[2] - s[0]) * (s[3] - s[1]) + double(c.out_w) * c.out_h - inter;
      best = std::max(best, inter / uni);
      // and the box is moved into the window's frame
      check_box(p.boxes.box[i], {std::max(s[0], window[0]) - c.x0, std::max(s[1], window[1]) - c.y0,
                                 std::min(s[2], window[2]) - c.x0, std::min(s[3], window[3]) - c.y0});
    }
    CHECK(best >= 0.5);
  }
  CHECK(cropped > 50);
}

TEST_CASE("boxes: EXIF orientation moves a box where apply_orientation moves its pixel, and back") {
  // A 3x2 stored image; each pixel's value is its index. For every orientation, the one-pixel box of a
  // stored pixel must land on the decoded pixel that holds the same value.
  image stored;
  stored.reset(3, 2, 1, 1);
  for (int i = 0; i < 6; ++i) stored.pixels[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  for (int o = 1; o <= 8; ++o) {
    image oriented;
    apply_orientation(stored, o, oriented);
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) {
        const box b = orient_box(o, 3, 2, {double(x), double(y), x + 1.0, y + 1.0});
        const int ox = static_cast<int>(b[0]), oy = static_cast<int>(b[1]);
        CHECK(b[2] - b[0] == 1.0);
        CHECK(b[3] - b[1] == 1.0);
        REQUIRE(ox < oriented.width);
        REQUIRE(oy < oriented.height);
        CHECK(oriented.row(oy)[ox] == y * 3 + x);
        const auto back = unorient_point(o, 3, 2, b[0] + 0.25, b[1] + 0.75);
        const auto there = orient_point(o, 3, 2, back[0], back[1]);
        CHECK(there[0] == doctest::Approx(b[0] + 0.25));
        CHECK(there[1] == doctest::Approx(b[1] + 0.75));
      }
  }
}

TEST_CASE("boxes: over thousands of random chains, boxes stay inside, follow the affine, and keep their sources") {
  counter_rng rng(12345);
  int checked = 0;
  for (int draw = 0; draw < 3000; ++draw) {
    const int h = 20 + static_cast<int>(rng.below(200)), w = 20 + static_cast<int>(rng.below(200));
    std::vector<transform> ops;
    const int n_ops = 1 + static_cast<int>(rng.below(4));
    for (int k = 0; k < n_ops; ++k) {
      switch (rng.below(9)) {
        case 0:
          ops.push_back(hflip_op{0.5});
          break;
        case 1:
          ops.push_back(vflip_op{0.5});
          break;
        case 2:
          ops.push_back(resize_op{.size = size2{10 + int(rng.below(100)), 10 + int(rng.below(100))}});
          break;
        case 3:
          ops.push_back(letterbox_op{{32 + int(rng.below(64)), 32 + int(rng.below(64))}, {0, 0, 0}});
          break;
        case 4:
          ops.push_back(center_crop_op{{5 + int(rng.below(150)), 5 + int(rng.below(150))}});
          break;
        case 5:
          ops.push_back(random_crop_op{{5 + int(rng.below(150)), 5 + int(rng.below(150))}, true});
          break;
        case 6:
          ops.push_back(random_resized_crop_op{{8 + int(rng.below(64)), 8 + int(rng.below(64))}});
          break;
        default:
          ops.push_back(resize_op{.shorter = {10 + int(rng.below(60))}});
          break;
      }
    }
    std::vector<box> src;
    const int nb = static_cast<int>(rng.below(6));
    for (int b = 0; b < nb; ++b) {
      const double x1 = rng.uniform(0, w - 1), y1 = rng.uniform(0, h - 1);
      src.push_back({x1, y1, rng.uniform(x1 + 0.5, w), rng.uniform(y1 + 0.5, h)});
    }
    auto p = plan_boxes(ops, h, w, src, static_cast<std::uint64_t>(draw));
    CHECK(p.boxes.size() <= src.size());
    const sample_geometry& g = p.geometry;
    std::uint32_t last = 0;
    for (std::size_t i = 0; i < p.boxes.size(); ++i) {
      const box& b = p.boxes.box[i];
      CHECK(b[0] >= 0);
      CHECK(b[1] >= 0);
      CHECK(b[2] <= p.out_w + 1e-9);
      CHECK(b[3] <= p.out_h + 1e-9);
      CHECK(b[2] > b[0]);
      CHECK(b[3] > b[1]);
      // order and pairing: sources only ever drop out, never swap
      if (i) CHECK(p.boxes.source[i] > last);
      last = p.boxes.source[i];
      // the box is the affine image of its source box, clipped to the visible area
      const box& s = src[p.boxes.source[i]];
      const double ax = s[0] * g.scale_x + g.offset_x, bx = s[2] * g.scale_x + g.offset_x;
      const double ay = s[1] * g.scale_y + g.offset_y, by = s[3] * g.scale_y + g.offset_y;
      const box full{std::min(ax, bx), std::min(ay, by), std::max(ax, bx), std::max(ay, by)};
      const auto& v = p.footprint;
      const box want{std::max(full[0], v[0]), std::max(full[1], v[1]), std::min(full[2], v[2]),
                     std::min(full[3], v[3])};
      for (int k = 0; k < 4; ++k) CHECK(std::fabs(b[k] - want[k]) < 1e-6);
      // and maps back onto the source box wherever it was not clipped
      const box back = g.box_to_source(b);
      if (full == want || (std::fabs(full[0] - want[0]) < 1e-9 && std::fabs(full[2] - want[2]) < 1e-9 &&
                           std::fabs(full[1] - want[1]) < 1e-9 && std::fabs(full[3] - want[3]) < 1e-9)) {
        for (int k = 0; k < 4; ++k) CHECK(std::fabs(back[k] - s[k]) < 1e-3);
        ++checked;
      }
    }
  }
  CHECK(checked > 1000);
}

TEST_CASE("boxes: random_affine maps boxes to the box enclosing their corners, then clips and filters") {
  // 90 degrees about the centre of a 100 x 100 image (torchvision's matrix): output = (100 - y, x).
  // Box (10, 20, 30, 60) -> corners (80, 10), (40, 10), (80, 30), (40, 30) -> (40, 10, 80, 30).
  random_affine_op rot{.degrees = {90, 90}};
  auto p = plan_boxes({rot}, 100, 100, {{10, 20, 30, 60}});
  REQUIRE(p.boxes.size() == 1);
  for (int k = 0; k < 4; ++k)
    CHECK(p.boxes.box[0][static_cast<std::size_t>(k)] ==
          doctest::Approx(std::array<double, 4>{40, 10, 80, 30}[static_cast<std::size_t>(k)]).epsilon(1e-9));
  // The geometry maps back: output (40, 10) is source (10, 60).
  const auto src = p.geometry.point_to_source(40, 10);
  CHECK(src[0] == doctest::Approx(10));
  CHECK(src[1] == doctest::Approx(60));
  CHECK(p.per_pixel_valid);
  // 45 degrees: the box (40, 40, 60, 60) around the centre of a 100 x 100 image becomes the diamond's
  // enclosing box, half-diagonal 10 * sqrt(2): (50 - 14.142, ..., 50 + 14.142).
  auto d = plan_boxes({random_affine_op{.degrees = {45, 45}}}, 100, 100, {{40, 40, 60, 60}});
  const double r = 10 * std::sqrt(2.0);
  for (int k = 0; k < 4; ++k)
    CHECK(d.boxes.box[0][static_cast<std::size_t>(k)] ==
          doctest::Approx(std::array<double, 4>{50 - r, 50 - r, 50 + r, 50 + r}[static_cast<std::size_t>(k)])
              .epsilon(1e-9));
  // Scale 2 about the centre pushes a corner box half out of the frame: (0, 0, 20, 20) -> (-50, -50, -10, -10)
  // is dropped; (30, 30, 50, 50) -> (10, 10, 50, 50) stays whole; min_visibility 0.5 drops (20, 20, 40, 40)
  // -> (-10, -10, 30, 30) clipped to (0, 0, 30, 30): 900 of 1600 visible, kept; with 0.6 dropped.
  random_affine_op zoom{.degrees = {0, 0}, .scale = std::array<double, 2>{2, 2}};
  auto z = plan_boxes({zoom}, 100, 100, {{0, 0, 20, 20}, {30, 30, 50, 50}, {20, 20, 40, 40}}, 0, 0, 0.5);
  REQUIRE(z.boxes.size() == 2);
  check_box(z.boxes.box[0], {10, 10, 50, 50});
  check_box(z.boxes.box[1], {0, 0, 30, 30});
  CHECK(z.boxes.source[1] == 2);
  CHECK(plan_boxes({zoom}, 100, 100, {{20, 20, 40, 40}}, 0, 0, 0.6).boxes.size() == 0);
}

TEST_CASE("boxes: random_affine translations are whole pixels within translate x size") {
  random_affine_op shift{.degrees = {0, 0}, .translate = std::array<double, 2>{0.1, 0.2}};
  std::set<double> dx, dy;
  for (std::uint64_t id = 0; id < 200; ++id) {
    auto p = plan_boxes({shift}, 50, 80, {{10, 10, 20, 20}}, id);
    if (p.boxes.size() == 0) continue;
    const double tx = p.geometry.matrix[2], ty = p.geometry.matrix[5];
    CHECK(tx == std::round(tx));
    CHECK(ty == std::round(ty));
    CHECK(std::fabs(tx) <= 8);
    CHECK(std::fabs(ty) <= 10);
    dx.insert(tx);
    dy.insert(ty);
  }
  // The whole range is drawn, both signs: tx in [-8, 8], ty in [-10, 10] (round of a uniform draw).
  CHECK(*dx.begin() <= -7);
  CHECK(*dx.rbegin() >= 7);
  CHECK(*dy.begin() <= -9);
  CHECK(*dy.rbegin() >= 9);
}
