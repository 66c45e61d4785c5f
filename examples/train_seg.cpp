// A segmentation "trainer": the loop of the README, with a stand-in train step that reads every batch.
// Usage: train_seg SPEC.json [epochs]
#include <imgbatch/imgbatch.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace {
// Stands in for a framework's step: reads the whole batch once, as copying it to a device would.
double train_step(const float* x, const std::int64_t* y, std::size_t images, std::size_t pixels) {
  double s = 0;
  for (std::size_t i = 0; i < images * 3 * pixels; i += 97) s += x[i];
  for (std::size_t i = 0; i < images * pixels; i += 97) s += static_cast<double>(y[i]);
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: train_seg SPEC.json [epochs]\n");
    return 2;
  }
  try {
    auto spec = imgbatch::pipeline_spec::from_file(argv[1]);
    imgbatch::loader loader(spec);
    const int epochs = argc > 2 ? std::atoi(argv[2]) : 2;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      loader.set_epoch(static_cast<std::uint64_t>(epoch));
      double checksum = 0;
      for (const imgbatch::batch& b : loader) {
        const imgbatch::tensor& x = b["image"];  // N x 3 x H x W float32
        const imgbatch::tensor& y = b["mask"];   // N x H x W int64
        checksum += train_step(x.data<float>(), y.data<std::int64_t>(), b.size(),
                               static_cast<std::size_t>(x.dim(2) * x.dim(3)));
      }
      std::cout << "epoch " << epoch << ": " << loader.size() << " batches, checksum " << checksum << "\n";
    }
    std::cout << loader.stats() << "\n";
  } catch (const imgbatch::error& e) {
    std::fprintf(stderr, "train_seg: %s\n", e.what());
    return 1;
  }
}
