// Dense depth: a 16-bit (or 8-bit) grey PNG per image, turned into metres as float with NaN where
// nothing was measured, so that no resampling can mix a hole into a measurement: nearest copies
// values, the validity-aware average skips NaN, and padding is NaN too. NaN becomes 0 on output.
#include "target/depth_target.hpp"

#include "decode/decoder.hpp"
#include "target/raster_read.hpp"
#include "target/raster_write.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace imgbatch::detail {
namespace {

struct depth_scratch : target_scratch {
  std::vector<std::uint8_t> bytes;
  image stored, metres;
};

// Rows [0, rows) of `in`; the rest of `out` is unspecified (not read by the plan).
template <class S>
void to_metres(const image& in, int rows, const depth_target& spec, image& out) {
  out.reset(in.width, in.height, 1, 4);
  const auto* p = reinterpret_cast<const S*>(in.pixels.data());
  auto* o = reinterpret_cast<float*>(out.pixels.data());
  const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(in.width);
  const double scale = spec.scale;
  for (std::size_t i = 0; i < n; ++i)
    o[i] = static_cast<int>(p[i]) == spec.invalid ? std::numeric_limits<float>::quiet_NaN()
                                                  : static_cast<float>(static_cast<double>(p[i]) / scale);
}

}  // namespace

void depth_target_kind::add_tensors(batch_data& b) const { b.tensors.emplace_back("depth", tensor{}); }

std::unique_ptr<target_scratch> depth_target_kind::make_scratch() const { return std::make_unique<depth_scratch>(); }

const std::string* depth_target_kind::file(const sample_record& r) const { return r.file(file_role::depth); }

void depth_target_kind::shape(batch_data& b, const batch_shape& s) const {
  b.find("depth")->reshape(dtype::float32, {static_cast<std::int64_t>(s.n), 1, s.height, s.width});
}

void depth_target_kind::decode(const sample_view& s, target_scratch* scratch, decoder& dec, int image_height,
                               int image_width) const {
  auto& d = static_cast<depth_scratch&>(*scratch);
  const int rows =
      read_target_raster(s, file_role::depth, "depth map", dec, image_height, image_width, d.bytes, d.stored);
  if (d.stored.sample_bytes == 2) to_metres<std::uint16_t>(d.stored, rows, spec_, d.metres);
  else to_metres<std::uint8_t>(d.stored, rows, spec_, d.metres);
}

void depth_target_kind::write(const sample_view& s, target_scratch* scratch, exec_scratch& ex, batch_data& b,
                              std::size_t slot, const batch_shape& shape) const {
  auto& d = static_cast<depth_scratch&>(*scratch);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::uint8_t fill[4];
  std::memcpy(fill, &nan, 4);
  const resample mode = spec_.resample == depth_resample::valid_average ? resample::valid_average : resample::nearest;
  exec_result px = run_plan(s.plan, image_view::of(d.metres), mode, fill, ex);
  const std::size_t plane = static_cast<std::size_t>(shape.height) * shape.width;
  float* dst = b.find("depth")->data<float>() + slot * plane;
  write_plane<float, float>(px, dst, shape.height, shape.width, 0.0f, [](float v) { return std::isnan(v) ? 0.0f : v; });
}

}  // namespace imgbatch::detail
