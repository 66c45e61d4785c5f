#pragma once

#include "decode/decoder.hpp"
#include "source/sample_source.hpp"
#include "target/target.hpp"
#include "transform/plan.hpp"

#include <string>
#include <vector>

namespace imgbatch::detail {

/// Reads (through the sample's source) and decodes the sample's raster file of role `role` (mask, depth
/// map: one channel as stored, in the image's decoded frame, so no EXIF orientation) into `out`, and
/// checks it has the image's decoded size. Throws target_failure naming the file; `what` names the raster
/// in the size message ("mask").
/// Returns the rows the plan reads, [0, rows): only those are decoded when the plan's first crop allows
/// (transform/plan.hpp source_region); the rows below are unspecified.
inline int read_target_raster(const sample_view& s, file_role role, const char* what, decoder& dec, int image_height,
                              int image_width, std::vector<std::uint8_t>& bytes, image& out) {
  const sample_file* file = s.record.find(role);
  if (!file) throw target_failure(s.record.image(), "the sample has no " + std::string(role_name(role)) + " file");
  const std::string& path = file->name;
  if (auto why = s.source.fetch(s.record, *file, bytes, {s.decode.max_file_bytes, s.largest_file}); !why.empty())
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
                                   s.record.image() + " is " + size(image_width, image_height) +
                                   (s.header.orientation != 1 && s.decode.apply_exif ? " after EXIF orientation" : ""));
  }
  return partial ? region.y1 : out.height;
}

}  // namespace imgbatch::detail
