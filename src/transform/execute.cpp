#include "transform/execute.hpp"

#include "transform/affine.hpp"
#include "transform/blur.hpp"
#include "transform/color.hpp"
#include "transform/crop_flip.hpp"

namespace imgbatch::detail {

exec_result run_plan(const sample_plan& plan, const image_view& src, resample mode, const std::uint8_t* fill,
                     exec_scratch& s) {
  // Flips after the last resize or crop are left to the write. Photometric steps commute with flips
  // (pointwise, a whole-image mean, or a symmetric kernel with symmetric padding), so they may run on
  // the unflipped pixels.
  std::size_t last_geo = 0;  // one past the last resize or crop
  for (std::size_t i = 0; i < plan.steps.size(); ++i)
    if (plan.steps[i].kind == plan_step::resize || plan.steps[i].kind == plan_step::crop ||
        plan.steps[i].kind == plan_step::affine)
      last_geo = i + 1;
  const bool photometric = mode == resample::bilinear;  // the image; targets skip those steps

  exec_result r;
  r.view = src;
  int cur = -1;  // which scratch buffer the view points into; -1 = src
  auto target = [&]() -> image& { return s.buf[cur == 0 ? 1 : 0]; };
  auto adopt = [&](image& im) {
    cur = (&im == &s.buf[0]) ? 0 : 1;
    r.view = image_view::of(im);
  };
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const plan_step& st = plan.steps[i];
    switch (st.kind) {
      case plan_step::resize: {
        if (st.out_h == r.view.height && st.out_w == r.view.width) break;
        image& out = target();
        if (mode == resample::bilinear) resize_bilinear(r.view, st.out_h, st.out_w, out, s.resize);
        else if (mode == resample::valid_average) resize_valid_average(r.view, st.out_h, st.out_w, out, s.xmap);
        else resize_nearest(r.view, st.out_h, st.out_w, out, s.xmap);
        adopt(out);
        break;
      }
      case plan_step::crop:
        if (crop_inside(r.view, st.y0, st.x0, st.out_h, st.out_w)) {
          r.view = r.view.sub(st.x0, st.y0, st.out_w, st.out_h);
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
      case plan_step::color:
        if (!photometric) break;
        for (std::size_t k = 0; k < 4 && st.order[k] >= 0; ++k) {
          image& out = target();
          switch (st.order[k]) {
            case 0:
              adjust_brightness(r.view, st.factor[k], out);
              break;
            case 1:
              adjust_contrast(r.view, st.factor[k], out);
              break;
            case 2:
              adjust_saturation(r.view, st.factor[k], out);
              break;
            default:
              adjust_hue(r.view, st.hue_shift, out);
              break;
          }
          adopt(out);
        }
        break;
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
