#include "cli/preview.hpp"

#include "cli/font.hpp"
#include "decode/image.hpp"
#include "encode/png_writer.hpp"
#include "transform/plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace imgbatch::detail {
namespace {

std::array<std::uint8_t, 3> class_colour(unsigned c) {
  int r = 0, g = 0, b = 0;
  for (int j = 0; j < 8; ++j) {
    r |= ((c >> 0) & 1) << (7 - j);
    g |= ((c >> 1) & 1) << (7 - j);
    b |= ((c >> 2) & 1) << (7 - j);
    c >>= 3;
  }
  return {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b)};
}

long long mask_at(const tensor& m, bool one_hot, std::size_t n, std::size_t y, std::size_t x, std::size_t H,
                  std::size_t W) {
  auto get = [&](std::size_t i) -> long long {
    switch (m.type()) {
      case dtype::uint8:
        return m.data<std::uint8_t>()[i];
      case dtype::int32:
        return m.data<std::int32_t>()[i];
      case dtype::int64:
        return m.data<std::int64_t>()[i];
      default:
        return 0;
    }
  };
  if (!one_hot) return get((n * H + y) * W + x);
  const auto C = static_cast<std::size_t>(m.dim(1));
  for (std::size_t c = 0; c < C; ++c)
    if (get(((n * C + c) * H + y) * W + x)) return static_cast<long long>(c);
  return -1;
}

// matplotlib's viridis at 0, 1/16, ..., 1 (rounded to 8 bits), interpolated linearly (within 6 levels of
// matplotlib's own 256 colours): purple (0) to yellow (1).
std::array<double, 3> viridis(double t) {
  static constexpr double anchors[17][3] = {
      {68, 1, 84},    {72, 24, 106},  {71, 45, 123},  {66, 64, 134},  {59, 82, 139},  {51, 99, 141},
      {44, 114, 142}, {38, 130, 142}, {33, 145, 140}, {31, 160, 136}, {40, 174, 128}, {63, 188, 115},
      {94, 201, 98},  {132, 212, 75}, {173, 220, 48}, {216, 226, 25}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 16;
  const int i = std::min(static_cast<int>(t), 15);
  const double f = t - i;
  std::array<double, 3> out{};
  for (std::size_t c = 0; c < 3; ++c) out[c] = anchors[i][c] * (1 - f) + anchors[i + 1][c] * f;
  return out;
}

// A box row of the `boxes` tensor as x1, y1, x2, y2 output pixels, whatever the format.
std::array<double, 4> to_xyxy(const float* v, const boxes_target& t, double w, double h) {
  double a = v[0], b = v[1], c = v[2], d = v[3];
  if (t.format == box_format::xywh) {
    c += a;
    d += b;
  } else if (t.format == box_format::cxcywh) {
    const double cx = a, cy = b;
    a = cx - c / 2;
    b = cy - d / 2;
    c = cx + c / 2;
    d = cy + d / 2;
  }
  if (t.normalized) return {a * w, b * h, c * w, d * h};
  return {a, b, c, d};
}

void draw_rect(image& im, int x1, int y1, int x2, int y2, std::array<std::uint8_t, 3> col, int x0, int y0, int w,
               int h) {
  auto put = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    std::uint8_t* d = im.row(y0 + y) + 3 * (x0 + x);
    d[0] = col[0];
    d[1] = col[1];
    d[2] = col[2];
  };
  for (int t = 0; t < 2; ++t) {
    for (int x = x1; x <= x2; ++x) {
      put(x, y1 + t);
      put(x, y2 - t);
    }
    for (int y = y1; y <= y2; ++y) {
      put(x1 + t, y);
      put(x2 - t, y);
    }
  }
}

}  // namespace

void write_preview(const batch& b, const pipeline_spec& spec, const std::vector<class_info>& classes,
                   const std::string& path) {
  const tensor& img = b["image"];
  const bool nchw = spec.batch.image_layout == layout::nchw;
  const auto N = static_cast<std::size_t>(img.dim(0));
  const auto H = static_cast<std::size_t>(nchw ? img.dim(2) : img.dim(1));
  const auto W = static_cast<std::size_t>(nchw ? img.dim(3) : img.dim(2));
  const op_chain chain = make_chain(spec.transforms);
  const tensor* mask = b.find("mask");
  const tensor* boxes = b.find("boxes");
  const tensor* inst = b.find("instance_masks");
  const bool one_hot = spec.targets.mask && spec.targets.mask->encoding == mask_encoding::one_hot;
  const int ignore = spec.targets.mask ? spec.targets.mask->ignore_index : -1;
  const tensor* depth = b.find("depth");
  // The depth colour map spans the batch's measured values, linear in inverse depth (as disparity maps
  // are shown, so that near structure is not flattened by a far horizon): nearest yellow, farthest purple.
  float near_m = 0, far_m = 0;
  if (depth) {
    const float* d = depth->data<float>();
    near_m = std::numeric_limits<float>::max();
    for (std::size_t i = 0; i < depth->numel(); ++i)
      if (d[i] > 0) {
        near_m = std::min(near_m, d[i]);
        far_m = std::max(far_m, d[i]);
      }
  }
  const std::size_t gap = 4, tile_w = depth ? 2 * W + gap : W;
  const auto cols = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(N))));
  const std::size_t rows = (N + cols - 1) / cols;
  image grid;
  grid.reset(static_cast<int>(cols * (tile_w + gap) + gap), static_cast<int>(rows * (H + gap) + gap), 3);
  std::fill(grid.pixels.begin(), grid.pixels.end(), std::uint8_t{32});
  for (std::size_t n = 0; n < N; ++n) {
    const std::size_t ox = gap + (n % cols) * (tile_w + gap), oy = gap + (n / cols) * (H + gap);
    const sample_geometry& geo = b.samples()[n].geometry;
    for (std::size_t y = 0; y < H; ++y) {
      for (std::size_t x = 0; x < W; ++x) {
        // Padding: output pixels whose centre maps outside the source image (letterbox borders, crops
        // padded to size, batch padding, affine borders), hatched in diagonal stripes darkened to half.
        const auto src = geo.point_to_source(static_cast<double>(x) + 0.5, static_cast<double>(y) + 0.5);
        const bool padding = src[0] < 0 || src[1] < 0 || src[0] >= geo.source_width || src[1] >= geo.source_height;
        if (depth) {
          const float m = depth->data<float>()[(n * H + y) * W + x];
          std::array<double, 3> col{0, 0, 0};
          if (m > 0) col = viridis(far_m > near_m ? (1 / m - 1 / far_m) / (1 / near_m - 1 / far_m) : 1.0);
          std::uint8_t* dd = grid.row(static_cast<int>(oy + y)) + 3 * (ox + W + gap + x);
          for (std::size_t c = 0; c < 3; ++c) dd[c] = static_cast<std::uint8_t>(std::lround(col[c]));
        }
        double px[3];
        for (std::size_t c = 0; c < 3; ++c) {
          const std::size_t i = nchw ? ((n * 3 + c) * H + y) * W + x : ((n * H + y) * W + x) * 3 + c;
          double v = img.type() == dtype::float32 ? img.data<float>()[i] : img.data<std::uint8_t>()[i];
          if (chain.final_op == op_chain::normalize) v = (v * chain.norm.std[c] + chain.norm.mean[c]) * 255.0;
          else if (chain.final_op == op_chain::to_float) v *= 255.0;
          px[c] = v;
        }
        if (mask) {
          const long long cls = mask_at(*mask, one_hot, n, y, x, H, W);
          if (cls == ignore && ignore >= 0) {
            for (double& v : px) v = v * 0.4 + 255 * 0.6;
          } else if (cls > 0) {
            const auto col = class_colour(static_cast<unsigned>(cls));
            for (int c = 0; c < 3; ++c) px[c] = px[c] * 0.55 + col[static_cast<std::size_t>(c)] * 0.45;
          }
        }
        if (inst) {
          const auto M = static_cast<std::size_t>(inst->dim(1));
          const std::uint8_t* im = inst->data<std::uint8_t>();
          for (std::size_t m = 0; m < M; ++m)
            if (im[((n * M + m) * H + y) * W + x]) {
              const auto col = class_colour(static_cast<unsigned>(m + 1));
              for (int c = 0; c < 3; ++c) px[c] = px[c] * 0.6 + col[static_cast<std::size_t>(c)] * 0.4;
            }
        }
        if (padding && ((x + y) / 4) % 2 == 0)
          for (double& v : px) v *= 0.5;
        std::uint8_t* d = grid.row(static_cast<int>(oy + y)) + 3 * (ox + x);
        for (int c = 0; c < 3; ++c) d[c] = static_cast<std::uint8_t>(std::clamp(std::lround(px[c]), 0L, 255L));
      }
    }
    if (boxes && spec.targets.boxes) {
      const auto M = static_cast<std::size_t>(boxes->dim(1));
      const int count = b["box_count"].data<std::int32_t>()[n];
      const auto& g = b.samples()[n].geometry;
      for (int m = 0; m < count; ++m) {
        const float* v = boxes->data<float>() + (n * M + static_cast<std::size_t>(m)) * 4;
        const auto r = to_xyxy(v, *spec.targets.boxes, g.output_width, g.output_height);
        const std::int32_t label = b["labels"].data<std::int32_t>()[n * M + static_cast<std::size_t>(m)];
        const auto col = class_colour(static_cast<unsigned>(std::max(label, 0) + 1));
        const int x1 = static_cast<int>(std::floor(r[0])), y1 = static_cast<int>(std::floor(r[1]));
        const int x2 = static_cast<int>(std::ceil(r[2])) - 1, y2 = static_cast<int>(std::ceil(r[3])) - 1;
        draw_rect(grid, x1, y1, x2, y2, col, static_cast<int>(ox), static_cast<int>(oy), static_cast<int>(W),
                  static_cast<int>(H));
        std::string name = std::to_string(label);
        for (const auto& k : classes)
          if (k.label == label) name = k.name;
        const int tx = static_cast<int>(ox) + std::max(0, x1),
                  ty = static_cast<int>(oy) + std::max(0, y1 - glyph_height - 3);
        const int tw = static_cast<int>(name.size()) * (glyph_width + 1) + 2;
        for (int yy = ty; yy < ty + glyph_height + 2 && yy < grid.height; ++yy)
          for (int xx = tx; xx < tx + tw && xx < static_cast<int>(ox + W); ++xx) {
            std::uint8_t* d = grid.row(yy) + 3 * xx;
            d[0] = col[0];
            d[1] = col[1];
            d[2] = col[2];
          }
        const bool light = col[0] + col[1] + col[2] > 384;
        draw_text(grid, tx + 1, ty + 1, name,
                  light ? std::array<std::uint8_t, 3>{0, 0, 0} : std::array<std::uint8_t, 3>{255, 255, 255});
      }
    }
  }
  write_png(path, grid);
}

}  // namespace imgbatch::detail
