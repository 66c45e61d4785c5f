#include "transform/plan.hpp"

#include "util/rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <tuple>
#include <type_traits>
#include <utility>

namespace imgbatch::detail {

template <class>
inline constexpr bool always_false = false;

op_chain make_chain(const std::vector<transform>& ops) {
  op_chain c;
  for (const auto& t : ops) {
    if (const auto* n = std::get_if<normalize_op>(&t)) {
      c.final_op = op_chain::normalize;
      c.norm = *n;
    } else if (std::holds_alternative<to_float_op>(t)) {
      c.final_op = op_chain::to_float;
    } else {
      c.ops.push_back(t);
    }
  }
  // The last op that sets the size decides whether every sample ends at one size.
  for (auto it = c.ops.rbegin(); it != c.ops.rend(); ++it) {
    bool decided = true;
    std::visit(
        [&](const auto& op) {
          using T = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<T, resize_op>) {
            if (op.size) c.fixed_size = *op.size;
          } else if constexpr (std::is_same_v<T, letterbox_op> || std::is_same_v<T, center_crop_op> ||
                               std::is_same_v<T, random_crop_op> || std::is_same_v<T, random_resized_crop_op>) {
            c.fixed_size = op.size;
          } else if constexpr (std::is_same_v<T, random_iou_crop_op>) {
            // its crop size depends on the image: not fixed
          } else if constexpr (std::is_same_v<T, random_affine_op>) {
            decided = false;  // keeps the size
          } else if constexpr (std::is_same_v<T, hflip_op> || std::is_same_v<T, vflip_op> ||
                               std::is_same_v<T, color_jitter_op> || std::is_same_v<T, random_grayscale_op> ||
                               std::is_same_v<T, gaussian_blur_op> || std::is_same_v<T, random_erasing_op> ||
                               std::is_same_v<T, normalize_op> || std::is_same_v<T, to_float_op>) {
            decided = false;  // keeps the size
          } else {
            static_assert(always_false<T>, "make_chain: an op is not handled");
          }
        },
        *it);
    if (decided) break;
  }
  return c;
}

size2 shorter_side_size(int h, int w, int shorter, int max_longer) {
  const bool h_short = h <= w;
  const int s = h_short ? h : w, l = h_short ? w : h;
  int new_s = shorter;
  long long new_l = static_cast<long long>(shorter) * l / s;  // a 1e6:1 image overflows an int here
  if (max_longer > 0 && new_l > max_longer) {
    new_s = static_cast<int>(static_cast<long long>(max_longer) * new_s / new_l);
    new_l = max_longer;
  }
  new_s = std::max(new_s, 1);
  const int longer = static_cast<int>(std::min<long long>(new_l, std::numeric_limits<int>::max()));
  return h_short ? size2{new_s, longer} : size2{longer, new_s};
}

namespace {

// Python's round() on a multiple of 0.5: halves go to the even neighbour (torchvision center_crop).
int half_even(int twice) {
  int q = twice / 2;
  if (twice % 2 == 0) return q;
  return (q % 2 == 0) ? q : q + 1;
}

int center_origin(int in, int out) {
  if (out > in) return -((out - in) / 2);
  return half_even(in - out);
}

// Python's round() of a double: to nearest, halves to even (the default rounding mode).
int py_round(double v) { return static_cast<int>(std::nearbyint(v)); }

std::string size_text(int h, int w) { return std::to_string(h) + "x" + std::to_string(w); }

/// The plan under construction: the current frame size, the affine map from the source to it, the
/// boxes, and the steps so far.
struct planner {
  sample_plan& out;
  int h, w;
  affine2d m{1, 0, 0, 0, 1, 0};  // source → current frame
  bool fx = false, fy = false;
  box_set& footprint;  // the source image's own rectangle, moved and clipped like a box

  planner(sample_plan& o, int src_h, int src_w) : out(o), h(src_h), w(src_w), footprint(o.footprint_work) {
    footprint.clear();
    footprint.push({0.0, 0.0, double(src_w), double(src_h)}, 0);
  }

  void resize(int nh, int nw) {
    const double kx = static_cast<double>(nw) / w, ky = static_cast<double>(nh) / h;
    m = affine_compose({kx, 0, 0, 0, ky, 0}, m);
    boxes_scale(out.boxes, kx, ky);
    boxes_scale(footprint, kx, ky);
    out.steps.push_back({plan_step::resize, nh, nw, 0, 0, {}});
    h = nh;
    w = nw;
  }
  void crop(int y0, int x0, int nh, int nw, std::array<std::uint8_t, 3> fill = {0, 0, 0}) {
    m[2] -= x0;
    m[5] -= y0;
    boxes_crop(out.boxes, x0, y0, nw, nh);
    boxes_crop(footprint, x0, y0, nw, nh);
    out.steps.push_back({plan_step::crop, nh, nw, y0, x0, fill});
    h = nh;
    w = nw;
  }
  void hflip() {
    m = affine_compose({-1, 0, double(w), 0, 1, 0}, m);
    fx = !fx;
    boxes_hflip(out.boxes, w);
    boxes_hflip(footprint, w);
    out.steps.push_back({plan_step::hflip, h, w, 0, 0, {}});
  }
  void vflip() {
    m = affine_compose({1, 0, 0, 0, -1, double(h)}, m);
    fy = !fy;
    boxes_vflip(out.boxes, h);
    boxes_vflip(footprint, h);
    out.steps.push_back({plan_step::vflip, h, w, 0, 0, {}});
  }
  // `to_source` maps the new frame (same size) back into the current one.
  void affine(const affine2d& to_source, std::array<std::uint8_t, 3> fill, bool nearest) {
    const affine2d forward = affine_inverse(to_source);
    m = affine_compose(forward, m);
    boxes_affine(out.boxes, forward, w, h);
    boxes_affine(footprint, forward, w, h);
    plan_step st{plan_step::affine, h, w, 0, 0, fill};
    st.matrix = to_source;
    st.nearest = nearest;
    out.steps.push_back(st);
    out.per_pixel_valid = true;
  }
};

// torchvision's _get_inverse_affine_matrix about `centre`: output → input coordinates.
affine2d inverse_affine_matrix(double cx, double cy, double angle, double tx, double ty, double scale, double shear_x,
                               double shear_y) {
  const double to_rad = std::numbers::pi / 180.0;  // Python's math.radians
  const double rot = angle * to_rad, sx = shear_x * to_rad, sy = shear_y * to_rad;
  const double a = std::cos(rot - sy) / std::cos(sy);
  const double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  const double c = std::sin(rot - sy) / std::cos(sy);
  const double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  affine2d mx{d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0};
  mx[2] += mx[0] * (-cx - tx) + mx[1] * (-cy - ty);
  mx[5] += mx[3] * (-cx - tx) + mx[4] * (-cy - ty);
  mx[2] += cx;
  mx[5] += cy;
  return mx;
}

// torchvision's RandomResizedCrop.get_params: (top, left, height, width).
std::array<int, 4> resized_crop_window(const random_resized_crop_op& op, int height, int width, counter_rng& rng) {
  const double area = static_cast<double>(height) * width;
  const double log_lo = std::log(op.ratio[0]), log_hi = std::log(op.ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * rng.uniform(op.scale[0], op.scale[1]);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const int w = py_round(std::sqrt(target_area * aspect)), h = py_round(std::sqrt(target_area / aspect));
    if (0 < w && w <= width && 0 < h && h <= height) {
      const int i = static_cast<int>(rng.below(static_cast<std::uint64_t>(height - h + 1)));
      const int j = static_cast<int>(rng.below(static_cast<std::uint64_t>(width - w + 1)));
      return {i, j, h, w};
    }
  }
  const double in_ratio = static_cast<double>(width) / height;
  int w, h;
  if (in_ratio < std::min(op.ratio[0], op.ratio[1])) {
    w = width;
    h = py_round(w / std::min(op.ratio[0], op.ratio[1]));
  } else if (in_ratio > std::max(op.ratio[0], op.ratio[1])) {
    h = height;
    w = py_round(h * std::max(op.ratio[0], op.ratio[1]));
  } else {
    w = width;
    h = height;
  }
  return {(height - h) / 2, (width - w) / 2, h, w};
}

// torchvision v2 RandomIoUCrop.make_params: (top, left, height, width), or nullopt for no crop. Boxes
// whose centre is not strictly inside the chosen crop are dropped.
std::optional<std::array<int, 4>> iou_crop_window(const random_iou_crop_op& op, int height, int width, box_set& boxes,
                                                  counter_rng& rng) {
  // torchvision loops until it draws the "no crop" option; the bound only guards against options
  // without one (validation requires one) and is never reached in practice: P = (1 - 1/7)^1000.
  for (int round = 0; round < 1000; ++round) {
    const double min_iou = op.options[rng.below(op.options.size())];
    if (min_iou >= 1.0) return std::nullopt;
    for (int t = 0; t < op.trials; ++t) {
      const double r0 = op.min_scale + (op.max_scale - op.min_scale) * rng.uniform();
      const double r1 = op.min_scale + (op.max_scale - op.min_scale) * rng.uniform();
      const int new_w = static_cast<int>(width * r0), new_h = static_cast<int>(height * r1);
      if (new_h == 0) continue;
      const double aspect = static_cast<double>(new_w) / new_h;
      if (!(op.min_aspect_ratio <= aspect && aspect <= op.max_aspect_ratio)) continue;
      const int left = static_cast<int>((width - new_w) * rng.uniform());
      const int top = static_cast<int>((height - new_h) * rng.uniform());
      const int right = left + new_w, bottom = top + new_h;
      if (left == right || top == bottom) continue;
      bool any = false;
      double best = 0;
      const std::array<double, 4> window{double(left), double(top), double(right), double(bottom)};
      for (const auto& b : boxes.box) {
        const double cx = 0.5 * (b[0] + b[2]), cy = 0.5 * (b[1] + b[3]);
        if (!(left < cx && cx < right && top < cy && cy < bottom)) continue;
        any = true;
        best = std::max(best, box_iou(b, window));
      }
      if (!any || best < min_iou) continue;
      boxes.keep_if([&](std::size_t i) {
        const auto& b = boxes.box[i];
        const double cx = 0.5 * (b[0] + b[2]), cy = 0.5 * (b[1] + b[3]);
        return left < cx && cx < right && top < cy && cy < bottom;
      });
      return std::array<int, 4>{top, left, new_h, new_w};
    }
  }
  return std::nullopt;
}

// torchvision's RandomErasing.get_params: (i, j, h, w) with h = round(sqrt(area * ratio)); nothing after 10 tries.
std::optional<erase_box> erase_window(const random_erasing_op& op, int img_h, int img_w, counter_rng& rng) {
  const double area = static_cast<double>(img_h) * img_w;
  const double log_lo = std::log(op.ratio[0]), log_hi = std::log(op.ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double erase_area = area * rng.uniform(op.scale[0], op.scale[1]);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const int h = py_round(std::sqrt(erase_area * aspect)), w = py_round(std::sqrt(erase_area / aspect));
    if (!(h < img_h && w < img_w)) continue;
    erase_box e;
    e.y = static_cast<int>(rng.below(static_cast<std::uint64_t>(img_h - h + 1)));
    e.x = static_cast<int>(rng.below(static_cast<std::uint64_t>(img_w - w + 1)));
    e.height = h;
    e.width = w;
    e.value = op.value;
    e.random = op.random;
    e.noise_key = rng.next_u64();
    return e;
  }
  return std::nullopt;
}

}  // namespace

std::string plan_sample(const op_chain& chain, const draw_key& key, int src_h, int src_w, sample_plan& out,
                        double min_size, double min_visibility, std::uint64_t max_pixels) {
  out.src_h = src_h;
  out.src_w = src_w;
  out.steps.clear();
  out.erase.reset();
  out.per_pixel_valid = false;
  planner p(out, src_h, src_w);
  for (std::size_t i = 0; i < chain.ops.size(); ++i) {
    std::string err;
    auto rng = [&] { return counter_rng::for_op(key.seed, key.epoch, key.position, i); };
    std::visit(
        [&](const auto& op) {
          using T = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<T, resize_op>) {
            size2 sz;
            if (op.size) {
              sz = *op.size;
            } else {
              int shorter = op.shorter.front();
              if (op.shorter.size() > 1) shorter = op.shorter[rng().below(op.shorter.size())];
              sz = shorter_side_size(p.h, p.w, shorter, op.max_longer);
            }
            const std::uint64_t area = static_cast<std::uint64_t>(sz[0]) * static_cast<std::uint64_t>(sz[1]);
            if (area > max_pixels) {
              err = "resize of a " + size_text(p.h, p.w) + " image to " + size_text(sz[0], sz[1]) + " gives " +
                    std::to_string(area) + " pixels, above the limit of " + std::to_string(max_pixels) +
                    " (decode.max_pixels)";
              return;
            }
            p.resize(sz[0], sz[1]);
          } else if constexpr (std::is_same_v<T, letterbox_op>) {
            const double r = std::min(static_cast<double>(op.size[0]) / p.h, static_cast<double>(op.size[1]) / p.w);
            const int nh = std::max(1, py_round(p.h * r)), nw = std::max(1, py_round(p.w * r));
            p.resize(nh, nw);
            p.crop(-((op.size[0] - nh) / 2), -((op.size[1] - nw) / 2), op.size[0], op.size[1], op.fill);
          } else if constexpr (std::is_same_v<T, center_crop_op>) {
            p.crop(center_origin(p.h, op.size[0]), center_origin(p.w, op.size[1]), op.size[0], op.size[1]);
          } else if constexpr (std::is_same_v<T, random_crop_op>) {
            const int th = op.size[0], tw = op.size[1];
            if (!op.pad_if_needed && (th > p.h || tw > p.w)) {
              err = "random_crop of " + size_text(th, tw) + " does not fit a " + size_text(p.h, p.w) +
                    " image (set pad_if_needed)";
              return;
            }
            counter_rng r = rng();
            // As torchvision with pad_if_needed: a short side is padded by the shortfall on both ends.
            const int pad_y = std::max(0, th - p.h), pad_x = std::max(0, tw - p.w);
            const int y0 = static_cast<int>(r.below(static_cast<std::uint64_t>(p.h + 2 * pad_y - th + 1))) - pad_y;
            const int x0 = static_cast<int>(r.below(static_cast<std::uint64_t>(p.w + 2 * pad_x - tw + 1))) - pad_x;
            p.crop(y0, x0, th, tw);
          } else if constexpr (std::is_same_v<T, random_resized_crop_op>) {
            counter_rng r = rng();
            const auto [top, left, h, w] = resized_crop_window(op, p.h, p.w, r);
            p.crop(top, left, h, w);
            p.resize(op.size[0], op.size[1]);
          } else if constexpr (std::is_same_v<T, random_iou_crop_op>) {
            counter_rng r = rng();
            if (auto win = iou_crop_window(op, p.h, p.w, out.boxes, r))
              p.crop((*win)[0], (*win)[1], (*win)[2], (*win)[3]);
          } else if constexpr (std::is_same_v<T, random_affine_op>) {
            // torchvision's RandomAffine.get_params, in its order of draws.
            counter_rng r = rng();
            const double angle = r.uniform(op.degrees[0], op.degrees[1]);
            double tx = 0, ty = 0;
            if (op.translate) {
              const double max_dx = (*op.translate)[0] * p.w, max_dy = (*op.translate)[1] * p.h;
              tx = py_round(r.uniform(-max_dx, max_dx));
              ty = py_round(r.uniform(-max_dy, max_dy));
            }
            const double scale = op.scale ? r.uniform((*op.scale)[0], (*op.scale)[1]) : 1.0;
            const double shear_x = r.uniform(op.shear[0], op.shear[1]), shear_y = r.uniform(op.shear[2], op.shear[3]);
            p.affine(inverse_affine_matrix(p.w * 0.5, p.h * 0.5, angle, tx, ty, scale, shear_x, shear_y), op.fill,
                     op.nearest);
          } else if constexpr (std::is_same_v<T, hflip_op>) {
            if (rng().bernoulli(op.p)) p.hflip();
          } else if constexpr (std::is_same_v<T, vflip_op>) {
            if (rng().bernoulli(op.p)) p.vflip();
          } else if constexpr (std::is_same_v<T, color_jitter_op>) {
            // torchvision's ColorJitter.get_params: a random order of the four, then each factor drawn.
            counter_rng r = rng();
            std::array<std::int8_t, 4> perm{0, 1, 2, 3};
            for (int k = 3; k > 0; --k)
              std::swap(perm[static_cast<std::size_t>(k)], perm[r.below(static_cast<std::uint64_t>(k) + 1)]);
            const std::optional<std::array<double, 2>>* ranges[4] = {&op.brightness, &op.contrast, &op.saturation,
                                                                     &op.hue};
            plan_step st{plan_step::color, p.h, p.w, 0, 0, {}};
            double drawn[4] = {1, 1, 1, 0};
            for (int k = 0; k < 4; ++k)
              if (*ranges[k]) drawn[k] = r.uniform((**ranges[k])[0], (**ranges[k])[1]);
            std::size_t n = 0;
            for (std::int8_t k : perm)
              if (*ranges[static_cast<std::size_t>(k)]) {
                st.order[n] = k;
                st.factor[n] = static_cast<float>(drawn[static_cast<std::size_t>(k)]);
                ++n;
              }
            // numpy's uint8(hue * 255): truncated towards zero, then modulo 256.
            st.hue_shift = static_cast<std::uint8_t>(static_cast<long long>(drawn[3] * 255.0) & 0xff);
            out.steps.push_back(st);
          } else if constexpr (std::is_same_v<T, random_grayscale_op>) {
            if (rng().bernoulli(op.p)) out.steps.push_back({plan_step::grayscale, p.h, p.w, 0, 0, {}});
          } else if constexpr (std::is_same_v<T, gaussian_blur_op>) {
            plan_step st{plan_step::blur, op.kernel_size[0], op.kernel_size[1], 0, 0, {}};
            st.sigma = rng().uniform(op.sigma[0], op.sigma[1]);
            out.steps.push_back(st);
          } else if constexpr (std::is_same_v<T, random_erasing_op>) {
            counter_rng r = rng();
            if (r.bernoulli(op.p)) out.erase = erase_window(op, p.h, p.w, r);
          } else if constexpr (std::is_same_v<T, normalize_op> || std::is_same_v<T, to_float_op>) {
            // photometric, applied when the sample is written
          } else {
            static_assert(always_false<T>, "plan_sample: an op is not handled");
          }
        },
        chain.ops[i]);
    if (!err.empty()) return err;
  }
  const int h = p.h, w = p.w;
  // Boxes are inside the frame already; this only removes rounding dust such as -1e-14 after a flip.
  for (auto& b : out.boxes.box) {
    b[0] = std::clamp(b[0], 0.0, double(w));
    b[2] = std::clamp(b[2], 0.0, double(w));
    b[1] = std::clamp(b[1], 0.0, double(h));
    b[3] = std::clamp(b[3], 0.0, double(h));
  }
  boxes_filter(out.boxes, min_size, min_visibility);
  out.out_h = h;
  out.out_w = w;
  sample_geometry& g = out.geometry;
  g.source_height = src_h;
  g.source_width = src_w;
  g.output_height = h;
  g.output_width = w;
  g.matrix = p.m;
  g.scale_x = p.m[0];
  g.offset_x = p.m[2];
  g.scale_y = p.m[4];
  g.offset_y = p.m[5];
  g.hflip = p.fx;
  g.vflip = p.fy;
  // Where the source lands in the output, the pixels whose centre is inside it (rounding each edge to
  // the nearest whole pixel), and that rectangle mapped back: the part of the source that is visible.
  std::array<double, 4> f{0, 0, 0, 0};
  if (p.footprint.size()) f = p.footprint.box[0];
  out.footprint = f;
  out.visible = {std::clamp(py_round(f[0]), 0, w), std::clamp(py_round(f[1]), 0, h), std::clamp(py_round(f[2]), 0, w),
                 std::clamp(py_round(f[3]), 0, h)};
  box_set& back = out.back_work;  // the footprint mapped back: the visible part of the source (its bounding box)
  back.clear();
  back.push({f[0], f[1], f[2], f[3]}, 0);
  boxes_affine(back, affine_inverse(p.m), src_w, src_h);
  const std::array<double, 4> c = back.size() ? back.box[0] : std::array<double, 4>{0, 0, 0, 0};
  g.crop_x = c[0];
  g.crop_y = c[1];
  g.crop_width = c[2] - c[0];
  g.crop_height = c[3] - c[1];
  return {};
}

pixel_rect source_region(const sample_plan& plan) {
  const pixel_rect whole{0, 0, plan.src_w, plan.src_h};
  bool mirror_x = false, mirror_y = false;  // the running frame is the source flipped
  for (const plan_step& st : plan.steps) {
    switch (st.kind) {
      case plan_step::hflip:
        mirror_x = !mirror_x;
        break;
      case plan_step::vflip:
        mirror_y = !mirror_y;
        break;
      case plan_step::grayscale:
        break;
      case plan_step::color:
        for (const std::int8_t k : st.order)
          if (k == 1) return whole;  // contrast: the mean of every pixel
        break;
      case plan_step::crop: {
        // Flips and per-pixel steps keep the frame's size, so the crop is in src_w × src_h coordinates.
        int x0 = std::max(st.x0, 0), x1 = std::min(st.x0 + st.out_w, plan.src_w);
        int y0 = std::max(st.y0, 0), y1 = std::min(st.y0 + st.out_h, plan.src_h);
        if (x0 >= x1 || y0 >= y1) return whole;
        if (mirror_x) std::tie(x0, x1) = std::pair{plan.src_w - x1, plan.src_w - x0};
        if (mirror_y) std::tie(y0, y1) = std::pair{plan.src_h - y1, plan.src_h - y0};
        return {x0, y0, x1, y1};
      }
      default:
        return whole;
    }
  }
  return whole;
}

}  // namespace imgbatch::detail
