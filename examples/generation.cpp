// Image generation: unlabelled images, randomly augmented, drawn with replacement. Per epoch, the mean
// and standard deviation of each channel of what the generator is fed (values in [0, 1]).
// Usage: generation SPEC.json [epochs]      (SPEC: images only, for example make-sample's gen.json)
#include <imgbatch/imgbatch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: generation SPEC.json [epochs]\n");
    return 2;
  }
  try {
    imgbatch::loader loader(imgbatch::pipeline_spec::from_file(argv[1]));
    if (loader.spec().batch.image_layout != imgbatch::layout::nchw) throw imgbatch::error("expects an NCHW batch");
    const int epochs = argc > 2 ? std::atoi(argv[2]) : 2;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      loader.set_epoch(static_cast<std::uint64_t>(epoch));
      double sum[3] = {0, 0, 0}, sq[3] = {0, 0, 0};
      std::size_t per_channel = 0, samples = 0;
      for (const imgbatch::batch& b : loader) {
        const imgbatch::tensor& x = b["image"];  // N×3×H×W float32
        const float* p = x.data<float>();
        const auto plane = static_cast<std::size_t>(x.dim(2) * x.dim(3));
        for (std::size_t n = 0; n < b.size(); ++n)
          for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t i = 0; i < plane; ++i) {
              const double v = p[(n * 3 + c) * plane + i];
              sum[c] += v;
              sq[c] += v * v;
            }
        per_channel += b.size() * plane;
        samples += b.size();
      }
      std::printf("epoch %d: %zu batches, %zu samples; mean", epoch, loader.size(), samples);
      const double n = static_cast<double>(per_channel);
      for (double s : sum) std::printf(" %.4f", s / n);
      std::printf(", std");
      for (int c = 0; c < 3; ++c) std::printf(" %.4f", std::sqrt(sq[c] / n - (sum[c] / n) * (sum[c] / n)));
      std::printf("\n");
    }
  } catch (const imgbatch::error& e) {
    std::fprintf(stderr, "generation: %s\n", e.what());
    return 1;
  }
}
