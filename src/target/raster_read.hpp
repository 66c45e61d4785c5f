#pragma once

#include "decode/decoder.hpp"
#include "target/target.hpp"
#include "transform/plan.hpp"
#include "util/file.hpp"

#include <string>
#include <vector>

namespace imgbatch::detail {

/// Reads and decodes a target's raster file (mask, depth map: one channel as stored, in the image's
/// decoded frame, so no EXIF orientation) into `out`, and checks it has the image's decoded size.
/// Throws target_failure naming `path`; `what` names the raster in the size message ("mask").
/// Returns the rows the plan reads, [0, rows): only those are decoded when the plan's first crop allows
/// (transform/plan.hpp source_region); the rows below are unspecified.
inline int read_target_raster(const sample_view& s, const std::string& path, const char* what, decoder& dec,
                              int image_height, int image_width, std::vector<std::uint8_t>& bytes, image& out) {
  if (auto why = read_file(path, bytes, s.largest_file, s.decode.max_file_bytes); !why.empty())
    throw target_failure(path, why);
  decode_options opt = s.decode;
  opt.apply_exif = false;
  const pixel_rect region = source_region(s.plan);
  const bool partial = region.y1 < image_height;
  try {
    dec.decode(bytes.data(), bytes.size(), pixel_kind::index, opt, out, partial ? &region : nullptr);
  } catch (const decode_failure& e) {
    throw target_failure(path, e.what());
  }
  if (out.width != image_width || out.height != image_height) {
    auto size = [](int w, int h) { return std::to_string(w) + "x" + std::to_string(h); };
    throw target_failure(path, std::string(what) + " is " + size(out.width, out.height) + " but its image " +
                                   s.record.image + " is " + size(image_width, image_height) +
                                   (s.header.orientation != 1 && s.decode.apply_exif ? " after EXIF orientation" : ""));
  }
  return partial ? region.y1 : out.height;
}

}  // namespace imgbatch::detail
