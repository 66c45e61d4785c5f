// The class mask: a palette or grey PNG per image (folder and list datasets), or the COCO
// segmentations of the image painted with their labels. Moved by nearest neighbour, never blended.
#include "target/mask_target.hpp"

#include "dataset/rle.hpp"
#include "decode/decoder.hpp"
#include "decode/orientation.hpp"
#include "target/raster_read.hpp"
#include "target/raster_write.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace imgbatch::detail {

std::string check_mask_values(const image& m, const mask_target& t, int rows) {
  auto bad = [&](unsigned v, std::size_t at) {
    const int x = static_cast<int>(at % static_cast<std::size_t>(m.width)),
              y = static_cast<int>(at / static_cast<std::size_t>(m.width));
    return "mask value " + std::to_string(v) + " at x=" + std::to_string(x) + ", y=" + std::to_string(y) +
           " is not a class id (num_classes " + std::to_string(t.num_classes) + ", ignore_index " +
           std::to_string(t.ignore_index) + ")";
  };
  auto ok = [&](unsigned v) {
    return v < static_cast<unsigned>(t.num_classes) || static_cast<int>(v) == t.ignore_index;
  };
  const std::size_t n = rows < 0
                            ? m.pixel_count()
                            : static_cast<std::size_t>(std::min(rows, m.height)) * static_cast<std::size_t>(m.width);
  if (m.sample_bytes == 1) {
    if (t.num_classes >= 256) return {};
    // v is bad when v >= num_classes and v != ignore_index; an ignore_index outside 0..255 exempts
    // nothing, and neither does exempting 0 (a class whenever num_classes >= 1). Branch-free so the
    // compiler vectorises it; the position is looked up only when something is bad.
    const auto limit = static_cast<std::uint8_t>(std::max(t.num_classes, 0));
    const bool ignore8 = t.ignore_index >= 0 && t.ignore_index < 256;
    const auto exempt = static_cast<std::uint8_t>(ignore8 ? t.ignore_index : 0);
    const std::uint8_t* p = m.pixels.data();
    std::uint8_t any = t.num_classes <= 0 && !ignore8 && n > 0 ? 1 : 0;
    for (std::size_t i = 0; i < n; ++i) any |= static_cast<std::uint8_t>((p[i] >= limit) & (p[i] != exempt));
    if (any)
      for (std::size_t i = 0; i < n; ++i)
        if (!ok(p[i])) return bad(p[i], i);
  } else {
    const auto* p = reinterpret_cast<const std::uint16_t*>(m.pixels.data());
    for (std::size_t i = 0; i < n; ++i)
      if (!ok(p[i])) return bad(p[i], i);
  }
  return {};
}

namespace {

struct mask_scratch : target_scratch {
  std::vector<std::uint8_t> bytes;
  image raster, oriented, wide;          // wide: an 8-bit mask widened to hold an ignore_index above 255
  std::vector<std::uint8_t> cover, one;  // COCO: instances covering each pixel; one instance
  std::vector<std::uint32_t> counts;
};

template <class S, class T>
void write_typed(const exec_result& px, const mask_target& m, T* dst, const batch_shape& shape) {
  const int H = shape.height, W = shape.width;
  if (m.encoding == mask_encoding::index) {
    const T fill = static_cast<T>(m.ignore_index < 0 ? 0 : m.ignore_index);
    write_plane<S, T>(px, dst, H, W, fill, [](S v) { return static_cast<T>(v); });
    return;
  }
  const std::size_t plane = static_cast<std::size_t>(H) * W;
  std::memset(dst, 0, plane * static_cast<std::size_t>(m.num_classes) * sizeof(T));
  const image_view& v = px.view;
  for (int y = 0; y < v.height; ++y) {
    const S* row = reinterpret_cast<const S*>(v.row(px.fy ? v.height - 1 - y : y));
    for (int x = 0; x < v.width; ++x) {
      const unsigned c = row[px.fx ? v.width - 1 - x : x];
      if (c < static_cast<unsigned>(m.num_classes)) dst[c * plane + static_cast<std::size_t>(y) * W + x] = T(1);
    }
  }
}

template <class S>
void write_mask(const exec_result& px, const mask_target& m, tensor& t, std::size_t slot, const batch_shape& shape) {
  const std::size_t plane = static_cast<std::size_t>(shape.height) * shape.width;
  const std::size_t per = m.encoding == mask_encoding::one_hot ? plane * m.num_classes : plane;
  switch (t.type()) {
    case dtype::uint8:
      return write_typed<S>(px, m, t.data<std::uint8_t>() + slot * per, shape);
    case dtype::int32:
      return write_typed<S>(px, m, t.data<std::int32_t>() + slot * per, shape);
    case dtype::int64:
      return write_typed<S>(px, m, t.data<std::int64_t>() + slot * per, shape);
    default:
      throw std::logic_error("mask dtype must be uint8, int32 or int64");
  }
}

// Paints the sample's COCO segmentations into m.raster at the decoded image size.
void paint(const sample_view& s, const mask_target& spec, mask_scratch& m) {
  // Annotations are in the decoded frame, or in the stored one and then oriented like the image.
  const annotation_space space = s.annotations();
  const bool orient = space.orient;
  const int h = space.height, w = space.width;
  const auto n = static_cast<std::size_t>(h) * w;
  // As torchvision's references (ConvertCocoPolysToMask): each pixel takes the label of the one
  // instance covering it; pixels covered by several instances, and crowd regions, are ignore_index.
  const auto ignore = static_cast<std::uint8_t>(spec.ignore_index);
  image& r = orient ? m.oriented : m.raster;
  r.reset(w, h, 1, 1);
  std::fill(r.pixels.begin(), r.pixels.end(), std::uint8_t{0});
  m.cover.assign(n, 0);
  for (const annotation& a : s.index.annotations_of(s.record)) {
    if (a.segm == annotation::no_segmentation) continue;
    if (a.label < 0 || a.label > 255)
      throw target_failure(s.record.annotation_file,
                           "label " + std::to_string(a.label) + " does not fit a mask painted from COCO (0..255)");
    const segmentation& seg = s.index.segmentations[a.segm];
    m.one.assign(n, 0);
    paint_segmentation(seg, h, w, 1, m.one.data(), m.counts);
    const bool crowd = (a.flags & (box_flag_crowd | annotation::region_only)) != 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!m.one[i]) continue;
      if (crowd) {
        m.cover[i] = 2;
      } else if (m.cover[i] == 0) {
        r.pixels[i] = static_cast<std::uint8_t>(a.label);
        m.cover[i] = 1;
      } else {
        m.cover[i] = 2;
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (m.cover[i] > 1) r.pixels[i] = ignore;
  if (orient) apply_orientation(m.oriented, s.header.orientation, m.raster);
}

}  // namespace

mask_target_kind::mask_target_kind(const pipeline_spec& spec)
    : spec_(*spec.targets.mask),
      type_(spec_.type ? *spec_.type : (spec_.encoding == mask_encoding::one_hot ? dtype::uint8 : dtype::int64)),
      from_annotations_(spec.dataset.format == dataset_format::coco) {}

void mask_target_kind::add_tensors(batch_data& b) const { b.tensors.emplace_back("mask", tensor{}); }

std::unique_ptr<target_scratch> mask_target_kind::make_scratch() const { return std::make_unique<mask_scratch>(); }

const std::string* mask_target_kind::file(const sample_record& r) const { return r.file(file_role::mask); }

void mask_target_kind::shape(batch_data& b, const batch_shape& s) const {
  const auto N = static_cast<std::int64_t>(s.n);
  tensor& t = *b.find("mask");
  if (spec_.encoding == mask_encoding::one_hot) t.reshape(type_, {N, spec_.num_classes, s.height, s.width});
  else t.reshape(type_, {N, s.height, s.width});
}

void mask_target_kind::decode(const sample_view& s, target_scratch* scratch, decoder& dec, int image_height,
                              int image_width) const {
  auto& m = static_cast<mask_scratch&>(*scratch);
  if (from_annotations_) {
    paint(s, spec_, m);  // at the annotations' size, which the plan stage checked against the image
    if (auto why = check_mask_values(m.raster, spec_); !why.empty())
      throw target_failure(s.record.annotation_file, s.record.image() + ": " + why);
    return;
  }
  const int rows = read_target_raster(s, file_role::mask, "mask", dec, image_height, image_width, m.bytes, m.raster);
  if (auto why = check_mask_values(m.raster, spec_, rows); !why.empty())
    throw target_failure(*s.record.file(file_role::mask), why);
}

void mask_target_kind::write(const sample_view& s, target_scratch* scratch, exec_scratch& ex, batch_data& b,
                             std::size_t slot, const batch_shape& shape) const {
  auto& m = static_cast<mask_scratch&>(*scratch);
  const int ignore = spec_.ignore_index;  // >= 0 whenever an op can pad (validate)
  const std::uint16_t fill16 = static_cast<std::uint16_t>(ignore < 0 ? 0 : ignore);
  std::uint8_t fill[2];
  if (m.raster.sample_bytes == 1 && fill16 > 255) {
    // An 8-bit mask cannot hold the padding value: widen it to 16 bits (values kept) first.
    image& wide = m.wide;
    wide.reset(m.raster.width, m.raster.height, m.raster.channels, 2);
    auto* out = reinterpret_cast<std::uint16_t*>(wide.pixels.data());
    for (std::size_t i = 0; i < m.raster.pixels.size(); ++i) out[i] = m.raster.pixels[i];
    std::swap(m.raster, wide);
  }
  if (m.raster.sample_bytes == 2) std::memcpy(fill, &fill16, 2);
  else fill[0] = static_cast<std::uint8_t>(fill16);
  exec_result px = run_plan(s.plan, image_view::of(m.raster), resample::nearest, fill, ex);
  tensor& t = *b.find("mask");
  if (px.view.sample_bytes == 2) write_mask<std::uint16_t>(px, spec_, t, slot, shape);
  else write_mask<std::uint8_t>(px, spec_, t, slot, shape);
}

}  // namespace imgbatch::detail
