#include "transform/execute.hpp"

#include "transform/crop_flip.hpp"

namespace imgbatch::detail {

exec_result run_plan(const sample_plan& plan, const image_view& src, resample mode, const std::uint8_t* fill,
                     exec_scratch& s) {
  std::size_t last_geo = 0;  // one past the last step that is not a flip
  for (std::size_t i = 0; i < plan.steps.size(); ++i)
    if (plan.steps[i].kind == geo_step::resize || plan.steps[i].kind == geo_step::crop) last_geo = i + 1;

  exec_result r;
  r.view = src;
  int cur = -1;  // which scratch buffer the view points into; -1 = src
  auto target = [&]() -> image& { return s.buf[cur == 0 ? 1 : 0]; };
  auto adopt = [&](image& im) {
    cur = (&im == &s.buf[0]) ? 0 : 1;
    r.view = image_view::of(im);
  };
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const geo_step& st = plan.steps[i];
    switch (st.kind) {
      case geo_step::resize: {
        if (st.out_h == r.view.height && st.out_w == r.view.width) break;
        image& out = target();
        if (mode == resample::bilinear) resize_bilinear(r.view, st.out_h, st.out_w, out, s.resize);
        else if (mode == resample::valid_average) resize_valid_average(r.view, st.out_h, st.out_w, out, s.xmap);
        else resize_nearest(r.view, st.out_h, st.out_w, out, s.xmap);
        adopt(out);
        break;
      }
      case geo_step::crop:
        if (crop_inside(r.view, st.y0, st.x0, st.out_h, st.out_w)) {
          r.view = r.view.sub(st.x0, st.y0, st.out_w, st.out_h);
        } else {
          image& out = target();
          crop_pad(r.view, st.y0, st.x0, st.out_h, st.out_w, fill ? fill : st.fill.data(), out);
          adopt(out);
        }
        break;
      case geo_step::hflip:
      case geo_step::vflip:
        if (i >= last_geo) {
          (st.kind == geo_step::hflip ? r.fx : r.fy) ^= true;
        } else {
          image& out = target();
          flip(r.view, st.kind == geo_step::hflip, st.kind == geo_step::vflip, out);
          adopt(out);
        }
        break;
    }
  }
  return r;
}

}  // namespace imgbatch::detail
