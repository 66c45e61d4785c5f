// Depth estimation: image plus a depth map in metres (N×1×H×W float32, 0 where nothing was measured).
// Per epoch, the share of measured pixels and their range, as a loss masked to valid pixels sees them.
// Usage: depth SPEC.json [epochs]      (SPEC: a depth target, for example make-sample's depth.json)
#include <imgbatch/imgbatch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: depth SPEC.json [epochs]\n");
    return 2;
  }
  try {
    imgbatch::loader loader(imgbatch::pipeline_spec::from_file(argv[1]));
    const int epochs = argc > 2 ? std::atoi(argv[2]) : 2;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      loader.set_epoch(static_cast<std::uint64_t>(epoch));
      std::size_t valid = 0, total = 0, samples = 0;
      float lo = std::numeric_limits<float>::max(), hi = 0;
      for (const imgbatch::batch& b : loader) {
        const imgbatch::tensor& d = b["depth"];
        const float* m = d.data<float>();
        for (std::size_t i = 0; i < d.numel(); ++i)
          if (m[i] > 0) {
            ++valid;
            lo = std::min(lo, m[i]);
            hi = std::max(hi, m[i]);
          }
        total += d.numel();
        samples += b.size();
      }
      std::printf("epoch %d: %zu batches, %zu samples, %.1f%% of depth pixels measured, %.3f to %.3f m\n", epoch,
                  loader.size(), samples, 100.0 * static_cast<double>(valid) / static_cast<double>(total), lo, hi);
    }
  } catch (const imgbatch::error& e) {
    std::fprintf(stderr, "depth: %s\n", e.what());
    return 1;
  }
}
