#include "transform/execute.hpp"

#include "transform/affine.hpp"
#include "transform/blur.hpp"
#include "transform/color.hpp"
#include "transform/crop_flip.hpp"

#include <algorithm>

namespace imgbatch::detail {

namespace {

// Moves flips later where that changes no pixel: past a crop (whose window is mirrored) and past
// colour and grey steps (per pixel, or a whole-image mean). Not past a resize (nearest resampling is
// not mirror-symmetric), an affine or a blur (its float sums would run in the other order). Flips that
// reach the end cost nothing: the write folds them in; a flip right before a resize is folded into it.
void move_flips_later(std::vector<plan_step>& steps) {
  for (bool moved = true; moved;) {
    moved = false;
    for (std::size_t i = 0; i + 1 < steps.size(); ++i) {
      plan_step& f = steps[i];
      plan_step& next = steps[i + 1];
      if (f.kind != plan_step::hflip && f.kind != plan_step::vflip) continue;
      if (next.kind == plan_step::crop) {
        // flip (frame H x W), then crop (y0, x0, h, w) == crop of the mirrored window, then flip (h x w).
        if (f.kind == plan_step::hflip) next.x0 = f.out_w - next.x0 - next.out_w;
        else next.y0 = f.out_h - next.y0 - next.out_h;
        f.out_h = next.out_h;
        f.out_w = next.out_w;
      } else if (next.kind != plan_step::color && next.kind != plan_step::grayscale) {
        continue;
      }
      std::swap(f, next);
      moved = true;
    }
  }
}

}  // namespace

exec_result run_plan(const sample_plan& plan, const image_view& src, resample mode, const std::uint8_t* fill,
                     exec_scratch& s) {
  std::vector<plan_step>& steps = s.steps;
  steps.assign(plan.steps.begin(), plan.steps.end());
  move_flips_later(steps);
  // Flips after the last step that moves or mixes pixels are left to the write; colour and grey steps
  // after them run on the unflipped pixels, which gives the same values.
  std::size_t last_geo = 0;
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (steps[i].kind == plan_step::resize || steps[i].kind == plan_step::crop || steps[i].kind == plan_step::affine ||
        steps[i].kind == plan_step::blur)
      last_geo = i + 1;
  const bool photometric = mode == resample::bilinear;  // the image; targets skip those steps

  // A flip right before a resize (bilinear or nearest) is folded into it: the resize reads its source
  // mirrored, which gives the same bytes (resize.hpp). Not into valid_average, whose float sums would
  // run in the other order.
  bool mirror_x = false, mirror_y = false;
  auto folds_into_resize = [&](std::size_t i) {
    std::size_t j = i + 1;
    while (j < steps.size() && (steps[j].kind == plan_step::hflip || steps[j].kind == plan_step::vflip)) ++j;
    return j < steps.size() && steps[j].kind == plan_step::resize && mode != resample::valid_average;
  };

  // Steps after step i that move pixels without changing their values: crops inside the frame (views)
  // and flips (to the write), so a per-value table can wait for the write.
  auto only_crops_and_flips_after = [&](std::size_t i, const image_view& v) {
    int h = v.height, w = v.width;
    for (std::size_t j = i + 1; j < steps.size(); ++j) {
      const plan_step& t = steps[j];
      if (t.kind == plan_step::hflip || t.kind == plan_step::vflip) continue;
      if (t.kind != plan_step::crop || t.y0 < 0 || t.x0 < 0 || t.y0 + t.out_h > h || t.x0 + t.out_w > w) return false;
      h = t.out_h;
      w = t.out_w;
    }
    return true;
  };

  auto only_flips_after = [&](std::size_t i) {
    for (std::size_t j = i + 1; j < steps.size(); ++j)
      if (steps[j].kind != plan_step::hflip && steps[j].kind != plan_step::vflip) return false;
    return true;
  };
  auto overlaps = [](const image_view& v, const plan_step& c) {
    return c.x0 < v.width && c.y0 < v.height && c.x0 + c.out_w > 0 && c.y0 + c.out_h > 0;
  };

  exec_result r;
  r.view = src;
  int cur = -1;  // which scratch buffer the view points into; -1 = src
  auto target = [&]() -> image& { return s.buf[cur == 0 ? 1 : 0]; };
  auto adopt = [&](image& im) {
    cur = (&im == &s.buf[0]) ? 0 : 1;
    r.view = image_view::of(im);
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const plan_step& st = steps[i];
    switch (st.kind) {
      case plan_step::resize: {
        image& out = target();
        if (st.out_h == r.view.height && st.out_w == r.view.width) {
          if (!mirror_x && !mirror_y) break;
          flip(r.view, mirror_x, mirror_y, out);
        } else if (mode == resample::bilinear) {
          resize_bilinear(r.view, st.out_h, st.out_w, out, s.resize, mirror_x, mirror_y);
        } else if (mode == resample::valid_average) {
          resize_valid_average(r.view, st.out_h, st.out_w, out, s.xmap);
        } else {
          resize_nearest(r.view, st.out_h, st.out_w, out, s.xmap, mirror_x, mirror_y);
        }
        mirror_x = mirror_y = false;
        adopt(out);
        break;
      }
      case plan_step::crop:
        if (crop_inside(r.view, st.y0, st.x0, st.out_h, st.out_w)) {
          r.view = r.view.sub(st.x0, st.y0, st.out_w, st.out_h);
        } else if (photometric && only_flips_after(i) && overlaps(r.view, st)) {
          // The image's part of the crop, placed and surrounded by the fill in the write.
          const int x0 = std::max(st.x0, 0), y0 = std::max(st.y0, 0);
          const int x1 = std::min(st.x0 + st.out_w, r.view.width), y1 = std::min(st.y0 + st.out_h, r.view.height);
          s.canvas = {st.out_h, st.out_w, y0 - st.y0, x0 - st.x0, {}};
          const std::uint8_t* f = fill ? fill : st.fill.data();
          std::copy(f, f + 3, s.canvas.fill.begin());
          r.view = r.view.sub(x0, y0, x1 - x0, y1 - y0);
          r.canvas = &s.canvas;
        } else {
          image& out = target();
          crop_pad(r.view, st.y0, st.x0, st.out_h, st.out_w, fill ? fill : st.fill.data(), out);
          adopt(out);
        }
        break;
      case plan_step::hflip:
      case plan_step::vflip:
        if (i >= last_geo) {
          (st.kind == plan_step::hflip ? r.fx : r.fy) ^= true;
        } else if (folds_into_resize(i)) {
          (st.kind == plan_step::hflip ? mirror_x : mirror_y) ^= true;
        } else {
          image& out = target();
          flip(r.view, st.kind == plan_step::hflip, st.kind == plan_step::vflip, out);
          adopt(out);
        }
        break;
      case plan_step::affine: {
        image& out = target();
        const std::uint8_t* f = fill ? fill : st.fill.data();
        if (mode == resample::bilinear && !st.nearest) affine_bilinear(r.view, st.out_h, st.out_w, st.matrix, f, out);
        else affine_nearest(r.view, st.out_h, st.out_w, st.matrix, f, out);
        adopt(out);
        break;
      }
      case plan_step::color: {
        if (!photometric) break;
        if (only_crops_and_flips_after(i, r.view) && color_table(r.view, st.order, st.factor, s.tone)) {
          r.tone = &s.tone;  // applied by the write, with the output table, in the same pass
          break;
        }
        // A crop inside the image that follows needs the adjusted pixels of its window only; the
        // contrast mean still comes from the whole image.
        image_view window = r.view;
        if (i + 1 < steps.size() && steps[i + 1].kind == plan_step::crop &&
            crop_inside(r.view, steps[i + 1].y0, steps[i + 1].x0, steps[i + 1].out_h, steps[i + 1].out_w)) {
          const plan_step& c = steps[i + 1];
          window = r.view.sub(c.x0, c.y0, c.out_w, c.out_h);
          ++i;
        }
        image& out = target();
        color_chain(r.view, window, st.order, st.factor, st.hue_shift, out);
        adopt(out);
        break;
      }
      case plan_step::grayscale:
        if (photometric) {
          image& out = target();
          to_grayscale(r.view, out);
          adopt(out);
        }
        break;
      case plan_step::blur:
        if (photometric) {
          image& out = target();
          gaussian_blur(r.view, st.out_h, st.out_w, st.sigma, out, s.blur);
          adopt(out);
        }
        break;
    }
  }
  return r;
}

}  // namespace imgbatch::detail
