// Segmentation: the loop of the README. Per epoch, the share of each class among the labelled pixels
// of the masks (ignore_index pixels counted apart), as a trainer would weight its loss.
// Usage: segmentation SPEC.json [epochs]      (SPEC: a mask target, for example make-sample's seg.json)
#include <imgbatch/imgbatch.hpp>

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: segmentation SPEC.json [epochs]\n");
    return 2;
  }
  try {
    imgbatch::loader loader(imgbatch::pipeline_spec::from_file(argv[1]));
    const auto& mask_spec = loader.spec().targets.mask;
    if (!mask_spec) throw imgbatch::error("the spec has no mask target");
    const int epochs = argc > 2 ? std::atoi(argv[2]) : 2;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      loader.set_epoch(static_cast<std::uint64_t>(epoch));
      std::vector<std::size_t> pixels(static_cast<std::size_t>(mask_spec->num_classes), 0);
      std::size_t ignored = 0, samples = 0;
      for (const imgbatch::batch& b : loader) {
        const imgbatch::tensor& image = b["image"];  // N×3×H×W float32, normalized
        const imgbatch::tensor& mask = b["mask"];    // N×H×W int64 class indices
        if (image.dim(0) != mask.dim(0) || image.dim(2) != mask.dim(1) || image.dim(3) != mask.dim(2))
          throw imgbatch::error("image and mask disagree in size");
        const std::int64_t* m = mask.data<std::int64_t>();
        for (std::size_t i = 0; i < mask.numel(); ++i) {
          if (m[i] == mask_spec->ignore_index) ++ignored;
          else ++pixels.at(static_cast<std::size_t>(m[i]));
        }
        samples += b.size();
      }
      std::size_t labelled = 0;
      for (std::size_t n : pixels) labelled += n;
      std::printf("epoch %d: %zu batches, %zu samples, %zu labelled pixels, %zu ignored; classes present:", epoch,
                  loader.size(), samples, labelled, ignored);
      for (std::size_t c = 0; c < pixels.size(); ++c)
        if (pixels[c])
          std::printf(" %zu (%.1f%%)", c, 100.0 * static_cast<double>(pixels[c]) / static_cast<double>(labelled));
      std::printf("\n");
    }
    std::printf("%s\n", loader.stats().to_string().c_str());
  } catch (const imgbatch::error& e) {
    std::fprintf(stderr, "segmentation: %s\n", e.what());
    return 1;
  }
}
