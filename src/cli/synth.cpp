#include "cli/synth.hpp"

#include <imgbatch/error.hpp>

#include "decode/image.hpp"
#include "encode/jpeg_writer.hpp"
#include "encode/png_writer.hpp"
#include "util/file.hpp"
#include "util/rng.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

namespace imgbatch::detail {
namespace {

constexpr int num_classes = 21;

// Smooth value noise on an integer lattice, hashed from the coordinates.
double lattice(std::uint64_t key, long ix, long iy) {
  return static_cast<double>(
             mix64(key ^ mix64(static_cast<std::uint64_t>(ix) * 0x9E3779B1ull + static_cast<std::uint64_t>(iy))) >>
             11) *
         0x1.0p-53;
}

double value_noise(std::uint64_t key, double x, double y) {
  const double fx = std::floor(x), fy = std::floor(y);
  const long ix = static_cast<long>(fx), iy = static_cast<long>(fy);
  double tx = x - fx, ty = y - fy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  const double a = lattice(key, ix, iy), b = lattice(key, ix + 1, iy), c = lattice(key, ix, iy + 1),
               d = lattice(key, ix + 1, iy + 1);
  return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

double fbm(std::uint64_t key, double x, double y, int octaves) {
  double sum = 0, amp = 0.5, norm = 0;
  for (int o = 0; o < octaves; ++o) {
    sum += amp * value_noise(key + static_cast<std::uint64_t>(o) * 7919, x, y);
    norm += amp;
    x *= 2.03;
    y *= 2.03;
    amp *= 0.5;
  }
  return sum / norm;
}

struct object {
  int cls;
  bool ellipse;
  double cx, cy, rx, ry, angle;
  std::array<double, 3> color;
  double light_dx, light_dy;
  std::uint64_t texture;
};

// Signed inside-ness in pixels: > 0 inside, < 0 outside (approximate distance to the border).
double inside(const object& o, double x, double y) {
  const double ca = std::cos(o.angle), sa = std::sin(o.angle);
  const double u = (x - o.cx) * ca + (y - o.cy) * sa, v = -(x - o.cx) * sa + (y - o.cy) * ca;
  if (o.ellipse) {
    const double r = std::sqrt((u * u) / (o.rx * o.rx) + (v * v) / (o.ry * o.ry));
    return (1 - r) * std::min(o.rx, o.ry);
  }
  return std::min(o.rx - std::fabs(u), o.ry - std::fabs(v));
}

std::vector<std::array<std::uint8_t, 3>> voc_palette() {
  std::vector<std::array<std::uint8_t, 3>> pal(256);
  for (int i = 0; i < 256; ++i) {
    int r = 0, g = 0, b = 0, c = i;
    for (int j = 0; j < 8; ++j) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    pal[static_cast<std::size_t>(i)] = {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g),
                                        static_cast<std::uint8_t>(b)};
  }
  return pal;
}

// One object's COCO annotation: its visible pixels' box and its outline.
struct instance {
  int cls = 0;
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;  // visible pixels, inclusive
  long pixels = 0;
  std::vector<double> polygon;
};

std::vector<double> outline(const object& o) {
  std::vector<double> xy;
  const double ca = std::cos(o.angle), sa = std::sin(o.angle);
  auto put = [&](double u, double v) {
    xy.push_back(std::round((o.cx + u * ca - v * sa) * 100) / 100);
    xy.push_back(std::round((o.cy + u * sa + v * ca) * 100) / 100);
  };
  if (o.ellipse) {
    for (int k = 0; k < 32; ++k) put(o.rx * std::cos(k * M_PI / 16), o.ry * std::sin(k * M_PI / 16));
  } else {
    put(-o.rx, -o.ry);
    put(o.rx, -o.ry);
    put(o.rx, o.ry);
    put(-o.rx, o.ry);
  }
  return xy;
}

struct scene {
  int width = 0, height = 0;
  std::vector<instance> instances;
};

scene make_one(const std::filesystem::path& img_path, const std::filesystem::path& mask_path,
               const std::filesystem::path& depth_path, std::uint64_t seed, std::uint64_t index,
               const std::vector<std::array<std::uint8_t, 3>>& palette) {
  counter_rng rng = counter_rng::for_op(seed, 0, index, 0xda7a);
  const int w = 320 + 64 * static_cast<int>(rng.below(6)), h = 240 + 48 * static_cast<int>(rng.below(6));
  const double horizon = h * rng.uniform(0.3, 0.6);
  const std::array<double, 3> sky_top{rng.uniform(60, 120), rng.uniform(110, 170), rng.uniform(180, 240)};
  const std::array<double, 3> sky_low{rng.uniform(170, 230), rng.uniform(180, 230), rng.uniform(200, 245)};
  const std::array<double, 3> ground{rng.uniform(60, 140), rng.uniform(70, 140), rng.uniform(30, 90)};
  const std::uint64_t sky_key = rng.next_u64(), ground_key = rng.next_u64(), grain_key = rng.next_u64();
  std::vector<object> objects(static_cast<std::size_t>(3 + rng.below(5)));
  for (auto& o : objects) {
    o.cls = 1 + static_cast<int>(rng.below(num_classes - 1));
    o.ellipse = rng.bernoulli(0.5);
    o.rx = rng.uniform(0.06, 0.22) * w;
    o.ry = rng.uniform(0.06, 0.22) * h;
    o.cx = rng.uniform(0.1, 0.9) * w;
    o.cy = rng.uniform(horizon / h, 0.95) * h;
    o.angle = rng.uniform(-0.6, 0.6);
    // Class-tinted colour so classes are tellable apart, varied per object.
    const auto& pc = palette[static_cast<std::size_t>(o.cls)];
    for (int c = 0; c < 3; ++c)
      o.color[static_cast<std::size_t>(c)] = 0.55 * pc[static_cast<std::size_t>(c)] + rng.uniform(30, 110);
    o.light_dx = rng.uniform(-1, 1);
    o.light_dy = rng.uniform(-1, 0.2);
    o.texture = rng.next_u64();
  }
  image im, mask, depth;
  im.reset(w, h, 3);
  mask.reset(w, h, 1);
  depth.reset(w, h, 1, 2);  // KITTI style: metres * 256, 0 = no measurement
  // A camera above flat ground: a ground row at dy below the horizon is about 600 / dy metres away; an
  // object stands at the distance of its base. The sky returns nothing, and 2% of pixels drop out.
  auto ground_depth = [&](double y) { return std::min(80.0, 600.0 / std::max(1.0, y - horizon + 1)); };
  scene out;
  out.width = w;
  out.height = h;
  out.instances.resize(objects.size());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      std::array<double, 3> px;
      int cls = 0;
      if (y < horizon) {
        const double t = y / horizon, cloud = fbm(sky_key, x / 90.0, y / 45.0, 5);
        const double c = std::clamp((cloud - 0.45) * 2.2, 0.0, 1.0);
        for (int k = 0; k < 3; ++k)
          px[static_cast<std::size_t>(k)] =
              (sky_top[static_cast<std::size_t>(k)] * (1 - t) + sky_low[static_cast<std::size_t>(k)] * t) * (1 - c) +
              245 * c;
      } else {
        const double t = (y - horizon) / (h - horizon + 1), tex = fbm(ground_key, x / 25.0, y / 12.0, 5);
        for (int k = 0; k < 3; ++k)
          px[static_cast<std::size_t>(k)] = ground[static_cast<std::size_t>(k)] * (0.6 + 0.5 * t) * (0.7 + 0.6 * tex);
      }
      int front = -1;
      for (std::size_t oi = 0; oi < objects.size(); ++oi) {  // later objects sit in front
        const object& o = objects[oi];
        const double d = inside(o, x + 0.5, y + 0.5);
        if (d <= -1) continue;
        const double cover = std::clamp(d + 0.5, 0.0, 1.0);  // antialiased edge
        const double shade = 0.75 + 0.35 * (o.light_dx * (x - o.cx) / o.rx + o.light_dy * (y - o.cy) / o.ry) * 0.5;
        const double tex = 0.8 + 0.4 * fbm(o.texture, x / 9.0, y / 9.0, 4);
        for (int k = 0; k < 3; ++k) {
          const double v = o.color[static_cast<std::size_t>(k)] * shade * tex;
          px[static_cast<std::size_t>(k)] = px[static_cast<std::size_t>(k)] * (1 - cover) + v * cover;
        }
        if (d > 0) {
          cls = o.cls;
          front = static_cast<int>(oi);
        }
      }
      if (front >= 0) {
        instance& in = out.instances[static_cast<std::size_t>(front)];
        in.x0 = std::min(in.x0, x);
        in.y0 = std::min(in.y0, y);
        in.x1 = std::max(in.x1, x);
        in.y1 = std::max(in.y1, y);
        ++in.pixels;
      }
      const double grain = (lattice(grain_key, x, y) - 0.5) * 10;
      std::uint8_t* p = im.row(y) + 3 * x;
      for (int k = 0; k < 3; ++k)
        p[k] = static_cast<std::uint8_t>(std::clamp(px[static_cast<std::size_t>(k)] + grain, 0.0, 255.0));
      mask.row(y)[x] = static_cast<std::uint8_t>(cls);
      double metres = y < horizon ? 0.0 : ground_depth(y + 0.5);
      if (front >= 0) {
        const object& o = objects[static_cast<std::size_t>(front)];
        metres = ground_depth(o.cy + o.ry) * (1.0 - 0.05 * (o.light_dx * (x - o.cx) / o.rx));
      }
      if (lattice(grain_key ^ 0xdeb7, x, y) < 0.02) metres = 0;
      const auto stored = static_cast<std::uint16_t>(std::clamp(std::lround(metres * 256.0), 0L, 65535L));
      std::memcpy(depth.row(y) + 2 * x, &stored, 2);
    }
  }
  // Ignore band where the class changes within a 3x3 neighbourhood, as in VOC's SegmentationClass.
  image banded = mask;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::uint8_t c = mask.row(y)[x];
      bool edge = false;
      for (int dy = -1; dy <= 1 && !edge; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w && mask.row(yy)[xx] != c) {
            edge = true;
            break;
          }
        }
      if (edge) banded.row(y)[x] = 255;
    }
  write_jpeg(img_path.string(), im, 88 + static_cast<int>(rng.below(8)));
  write_png(mask_path.string(), banded, palette);
  write_png(depth_path.string(), depth);
  for (std::size_t oi = 0; oi < objects.size(); ++oi) {
    out.instances[oi].cls = objects[oi].cls;
    out.instances[oi].polygon = outline(objects[oi]);
  }
  return out;
}

}  // namespace

void make_sample_dataset(const std::filesystem::path& out, int count, std::uint64_t seed) {
  namespace fs = std::filesystem;
  const fs::path images = out / "seg" / "images", masks = out / "seg" / "masks", depth = out / "seg" / "depth";
  std::error_code ec;
  fs::create_directories(images, ec);
  fs::create_directories(masks, ec);
  fs::create_directories(depth, ec);
  if (ec) throw error(out.string() + ": cannot create: " + ec.message());
  const auto palette = voc_palette();
  std::ostringstream coco_images, coco_anns;
  int ann_id = 0;
  coco_images.precision(10);
  coco_anns.precision(10);
  for (int i = 0; i < count; ++i) {
    char stem[32];
    std::snprintf(stem, sizeof stem, "%06d", i);
    const scene sc = make_one(images / (std::string(stem) + ".jpg"), masks / (std::string(stem) + ".png"),
                              depth / (std::string(stem) + ".png"), seed, static_cast<std::uint64_t>(i), palette);
    coco_images << (i ? ",\n  " : "\n  ") << "{\"id\": " << i + 1 << ", \"file_name\": \"" << stem
                << ".jpg\", \"width\": " << sc.width << ", \"height\": " << sc.height << "}";
    for (const instance& in : sc.instances) {
      if (in.pixels < 16) continue;  // hidden behind the others
      coco_anns << (ann_id ? ",\n  " : "\n  ");
      ++ann_id;
      coco_anns << "{\"id\": " << ann_id << ", \"image_id\": " << i + 1 << ", \"category_id\": " << in.cls
                << ", \"iscrowd\": 0, \"area\": " << in.pixels << ", \"bbox\": [" << in.x0 << ", " << in.y0 << ", "
                << in.x1 + 1 - in.x0 << ", " << in.y1 + 1 - in.y0 << "], \"segmentation\": [[";
      for (std::size_t k = 0; k < in.polygon.size(); ++k) coco_anns << (k ? ", " : "") << in.polygon[k];
      coco_anns << "]]}";
    }
  }
  static const char* const names[num_classes] = {
      "background", "aeroplane", "bicycle",     "bird",  "boat",        "bottle", "bus",
      "car",        "cat",       "chair",       "cow",   "diningtable", "dog",    "horse",
      "motorbike",  "person",    "pottedplant", "sheep", "sofa",        "train",  "tvmonitor"};
  std::ostringstream coco;
  coco << "{\"images\": [" << coco_images.str() << "\n], \"annotations\": [" << coco_anns.str()
       << "\n], \"categories\": [";
  for (int c = 1; c < num_classes; ++c)
    coco << (c > 1 ? ", " : "") << "{\"id\": " << c << ", \"name\": \"" << names[c] << "\"}";
  coco << "]}\n";
  const std::string coco_text = coco.str();
  write_file((out / "seg" / "annotations.json").string(), coco_text.data(), coco_text.size());
  const std::string det_spec = R"({
  "dataset":   {"format": "coco", "root": "seg", "annotations": "annotations.json", "images": "images"},
  "targets":   {"instance_masks": true},
  "sampler":   {"shuffle": true, "seed": 0, "drop_last": true},
  "transforms": [
    {"op": "hflip", "p": 0.5},
    {"op": "letterbox", "size": [384, 384], "fill": [114, 114, 114]},
    {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
  ],
  "batch":     {"size": 16, "layout": "NCHW", "dtype": "float32"},
  "loader":    {"threads": 2, "prefetch_batches": 4}
}
)";
  write_file((out / "det.json").string(), det_spec.data(), det_spec.size());
  const std::string spec = R"({
  "dataset":   {"format": "folder", "root": "seg", "images": "images", "masks": "masks"},
  "targets":   {"mask": {"num_classes": 21, "ignore_index": 255, "encoding": "index"}},
  "sampler":   {"shuffle": true, "seed": 0, "drop_last": true},
  "transforms": [
    {"op": "resize", "size": [256, 256]},
    {"op": "hflip", "p": 0.5},
    {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
  ],
  "batch":     {"size": 16, "layout": "NCHW", "dtype": "float32"},
  "loader":    {"threads": 2, "prefetch_batches": 4}
}
)";
  write_file((out / "seg.json").string(), spec.data(), spec.size());
  const std::string depth_spec = R"({
  "dataset":   {"format": "folder", "root": "seg", "images": "images", "depth": "depth"},
  "targets":   {"depth": {"scale": 256.0, "invalid": 0}},
  "sampler":   {"shuffle": true, "seed": 0, "drop_last": true},
  "transforms": [
    {"op": "random_crop", "size": [224, 288]},
    {"op": "hflip", "p": 0.5},
    {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
  ],
  "batch":     {"size": 16, "layout": "NCHW", "dtype": "float32"},
  "loader":    {"threads": 2, "prefetch_batches": 4}
}
)";
  write_file((out / "depth.json").string(), depth_spec.data(), depth_spec.size());
  const std::string gen_spec = R"({
  "dataset":   {"format": "folder", "root": "seg", "images": "images"},
  "sampler":   {"shuffle": true, "replacement": true, "seed": 0, "drop_last": true},
  "transforms": [
    {"op": "color_jitter", "brightness": [0.8, 1.2], "contrast": [0.8, 1.2]},
    {"op": "hflip", "p": 0.5},
    {"op": "vflip", "p": 0.5},
    {"op": "random_crop", "size": [224, 224]},
    {"op": "to_float"}
  ],
  "batch":     {"size": 16, "layout": "NCHW", "dtype": "float32"},
  "loader":    {"threads": 2, "prefetch_batches": 4}
}
)";
  write_file((out / "gen.json").string(), gen_spec.data(), gen_spec.size());
}

}  // namespace imgbatch::detail
