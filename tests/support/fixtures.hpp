#pragma once

#include <imgbatch/spec.hpp>

#include "decode/decode_options.hpp"
#include "decode/image.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace imgbatch::test {

/// A fresh directory under the system temp folder, removed with everything in it at scope exit.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

/// An 8-bit image filled by f(x, y, channel).
detail::image make_image(int w, int h, int channels, const std::function<int(int, int, int)>& f);

using pixel_fn = std::function<int(int sample, int x, int y, int channel)>;
using mask_fn = std::function<int(int sample, int x, int y)>;
/// A folder dataset: root/images/NNNN.png (lossless RGB from pixel) and, when with_masks, root/masks/NNNN.png
/// (palette indices from mask). Sizes from size_of(i) as {h, w}.
void write_dataset(const std::filesystem::path& root, int count, bool with_masks,
                   const std::function<std::array<int, 2>(int)>& size_of, const pixel_fn& pixel, const mask_fn& mask);

/// Pseudo-random 8-bit values that differ from pixel to pixel, channel to channel and sample to
/// sample: any crop, flip or resize changes the bytes (unlike a constant colour).
int texture(int sample, int x, int y, int channel);
/// write_dataset with texture() pixels and striped masks ((x / 3 + (y / 2) * 5 + i) % classes).
void write_textured_dataset(const std::filesystem::path& root, int count, bool with_masks, int classes,
                            const std::function<std::array<int, 2>(int)>& size_of);

/// A folder dataset: root/images/NNNN.png (lossless, every pixel = colour_of(i)) and, when with_masks,
/// root/masks/NNNN.png (palette, every pixel = i % classes). Sizes from size_of(i) as {h, w}.
void write_constant_dataset(const std::filesystem::path& root, int count, bool with_masks, int classes,
                            const std::function<std::array<int, 2>(int)>& size_of);
std::array<std::uint8_t, 3> colour_of(int i);

/// Decodes bytes into `out`; returns the decode_failure text, or "" when it decoded.
std::string decode_error_of(const std::vector<std::uint8_t>& bytes, detail::pixel_kind kind,
                            const detail::decode_options& opt, detail::image& out);

/// A segmentation spec over the folder dataset `root` (images/ and masks/, as write_textured_dataset
/// makes it) under `base`: a mask target of `classes` classes with ignore_index 255; no transform.
pipeline_spec seg_spec(const std::filesystem::path& base, const std::string& root, int classes);

/// Writes text to a file.
void write_text(const std::filesystem::path& p, const std::string& text);

}  // namespace imgbatch::test
