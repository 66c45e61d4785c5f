// libFuzzer target: image decoding (JPEG and PNG, told apart by their magic bytes, as the loader does),
// header first, then the pixels as RGB (at half scale for some inputs), then a region (a PNG as the stored
// channels masks use). Any input must
// either decode or fail with decode_failure; anything else (a crash, a sanitizer report, another
// exception) is a finding. Built as fuzz_jpeg and fuzz_png, which differ only in their seed corpus.
#include "decode/decoder.hpp"

#include <cstddef>
#include <cstdint>

using namespace imgbatch::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static decoder dec;  // reused, as a worker thread reuses its decoder
  decode_options opt;
  opt.max_pixels = 1 << 22;  // keeps each input fast; the limit itself is part of what is fuzzed
  opt.strict = size % 2 == 0;
  try {
    image out;
    image_header h = dec.read_header(data, size, opt);
    dec.decode(data, size, h, pixel_kind::rgb8, opt, out, size % 3 == 0 ? 2 : 1);
    if (h.width > 2 && h.height > 2) {
      const pixel_rect region{h.width / 4, h.height / 4, h.width / 2 + 1, h.height / 2 + 1};
      h = dec.read_header(data, size, opt);
      dec.decode(data, size, h, h.format == image_format::png ? pixel_kind::index : pixel_kind::rgb8, opt, out, 1,
                 &region);
    }
  } catch (const decode_failure&) {
  }
  return 0;
}
