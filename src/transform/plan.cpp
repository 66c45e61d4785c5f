#include "transform/plan.hpp"

#include "util/rng.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace imgbatch::detail {

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
  for (auto it = c.ops.rbegin(); it != c.ops.rend(); ++it) {
    if (const auto* r = std::get_if<resize_op>(&*it)) {
      if (r->size) c.fixed_size = *r->size;
      break;
    }
    if (const auto* cc = std::get_if<center_crop_op>(&*it)) {
      c.fixed_size = cc->size;
      break;
    }
    if (const auto* rc = std::get_if<random_crop_op>(&*it)) {
      c.fixed_size = rc->size;
      break;
    }
  }
  return c;
}

size2 shorter_side_size(int h, int w, int shorter, int max_longer) {
  const bool h_short = h <= w;
  const int s = h_short ? h : w, l = h_short ? w : h;
  int new_s = shorter;
  int new_l = static_cast<int>(static_cast<long long>(shorter) * l / s);
  if (max_longer > 0 && new_l > max_longer) {
    new_s = static_cast<int>(static_cast<long long>(max_longer) * new_s / new_l);
    new_l = max_longer;
  }
  new_s = std::max(new_s, 1);
  return h_short ? size2{new_s, new_l} : size2{new_l, new_s};
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

}  // namespace

std::string plan_sample(const op_chain& chain, std::uint64_t seed, std::uint64_t epoch, std::uint64_t sample_id,
                        int src_h, int src_w, sample_plan& out) {
  out.src_h = src_h;
  out.src_w = src_w;
  out.steps.clear();
  int h = src_h, w = src_w;
  // out = src * s + t per axis
  double sx = 1, tx = 0, sy = 1, ty = 0;
  bool fx = false, fy = false;
  for (std::size_t i = 0; i < chain.ops.size(); ++i) {
    const transform& t = chain.ops[i];
    std::string err;
    std::visit(
        [&](const auto& op) {
          using T = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<T, resize_op>) {
            size2 sz = op.size ? *op.size : shorter_side_size(h, w, op.shorter, op.max_longer);
            const double kx = static_cast<double>(sz[1]) / w, ky = static_cast<double>(sz[0]) / h;
            sx *= kx;
            tx *= kx;
            sy *= ky;
            ty *= ky;
            out.steps.push_back({geo_step::resize, sz[0], sz[1], 0, 0});
            h = sz[0];
            w = sz[1];
          } else if constexpr (std::is_same_v<T, center_crop_op>) {
            const int y0 = center_origin(h, op.size[0]), x0 = center_origin(w, op.size[1]);
            tx -= x0;
            ty -= y0;
            out.steps.push_back({geo_step::crop, op.size[0], op.size[1], y0, x0});
            h = op.size[0];
            w = op.size[1];
          } else if constexpr (std::is_same_v<T, random_crop_op>) {
            const int th = op.size[0], tw = op.size[1];
            if (!op.pad_if_needed && (th > h || tw > w)) {
              err = "random_crop of " + std::to_string(th) + "x" + std::to_string(tw) + " does not fit a " +
                    std::to_string(h) + "x" + std::to_string(w) + " image (set pad_if_needed)";
              return;
            }
            counter_rng rng = counter_rng::for_op(seed, epoch, sample_id, i);
            // As torchvision with pad_if_needed: a short side is padded by the shortfall on both ends.
            const int pad_y = std::max(0, th - h), pad_x = std::max(0, tw - w);
            const int y0 = static_cast<int>(rng.below(static_cast<std::uint64_t>(h + 2 * pad_y - th + 1))) - pad_y;
            const int x0 = static_cast<int>(rng.below(static_cast<std::uint64_t>(w + 2 * pad_x - tw + 1))) - pad_x;
            tx -= x0;
            ty -= y0;
            out.steps.push_back({geo_step::crop, th, tw, y0, x0});
            h = th;
            w = tw;
          } else if constexpr (std::is_same_v<T, hflip_op>) {
            counter_rng rng = counter_rng::for_op(seed, epoch, sample_id, i);
            if (rng.bernoulli(op.p)) {
              sx = -sx;
              tx = w - tx;
              fx = !fx;
              out.steps.push_back({geo_step::hflip, h, w, 0, 0});
            }
          } else if constexpr (std::is_same_v<T, vflip_op>) {
            counter_rng rng = counter_rng::for_op(seed, epoch, sample_id, i);
            if (rng.bernoulli(op.p)) {
              sy = -sy;
              ty = h - ty;
              fy = !fy;
              out.steps.push_back({geo_step::vflip, h, w, 0, 0});
            }
          }
        },
        t);
    if (!err.empty()) return err;
  }
  out.out_h = h;
  out.out_w = w;
  sample_geometry& g = out.geometry;
  g.source_height = src_h;
  g.source_width = src_w;
  g.output_height = h;
  g.output_width = w;
  g.scale_x = sx;
  g.offset_x = tx;
  g.scale_y = sy;
  g.offset_y = ty;
  g.hflip = fx;
  g.vflip = fy;
  // The visible source rectangle: the output frame mapped back, clipped to the source.
  const double ax = (0 - tx) / sx, bx = (w - tx) / sx, ay = (0 - ty) / sy, by = (h - ty) / sy;
  const double x1 = std::clamp(std::min(ax, bx), 0.0, double(src_w)),
               x2 = std::clamp(std::max(ax, bx), 0.0, double(src_w));
  const double y1 = std::clamp(std::min(ay, by), 0.0, double(src_h)),
               y2 = std::clamp(std::max(ay, by), 0.0, double(src_h));
  g.crop_x = x1;
  g.crop_y = y1;
  g.crop_width = x2 - x1;
  g.crop_height = y2 - y1;
  return {};
}

}  // namespace imgbatch::detail
