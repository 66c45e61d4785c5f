#pragma once

#include "decode/decoder.hpp"
#include "target/target.hpp"
#include "util/file.hpp"

#include <string>
#include <vector>

namespace imgbatch::detail {

/// Reads and decodes a target's raster file (mask, depth map: one channel as stored, in the image's
/// decoded frame, so no EXIF orientation) into `out`, and checks it has the image's decoded size.
/// Throws target_failure naming `path`; `what` names the raster in the size message ("mask").
inline void read_target_raster(const sample_view& s, const std::string& path, const char* what, decoder& dec,
                               int image_height, int image_width, std::vector<std::uint8_t>& bytes, image& out) {
  if (auto why = read_file(path, bytes); !why.empty()) throw target_failure(path, why);
  decode_options opt = s.decode;
  opt.apply_exif = false;
  try {
    dec.decode(bytes.data(), bytes.size(), pixel_kind::index, opt, out);
  } catch (const decode_failure& e) {
    throw target_failure(path, e.what());
  }
  if (out.width != image_width || out.height != image_height) {
    auto size = [](int w, int h) { return std::to_string(w) + "x" + std::to_string(h); };
    throw target_failure(path, std::string(what) + " is " + size(out.width, out.height) + " but its image " +
                                   s.record.image + " is " + size(image_width, image_height) +
                                   (s.header.orientation != 1 && s.decode.apply_exif ? " after EXIF orientation" : ""));
  }
}

}  // namespace imgbatch::detail
