// Detection: boxes of images of any size. Per batch the boxes come padded to the batch's largest count
// (N×M×4 `boxes`, N×M `labels`, N `box_count`) and without padding (`batch::boxes()`); each sample's
// geometry maps a box predicted in the batch's pixels back to the original image, as an evaluator needs.
// Usage: detection SPEC.json [epochs]      (SPEC: a COCO, VOC or YOLO dataset, e.g. make-sample's det.json)
#include <imgbatch/imgbatch.hpp>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: detection SPEC.json [epochs]\n");
    return 2;
  }
  try {
    imgbatch::loader loader(imgbatch::pipeline_spec::from_file(argv[1]));
    const auto& classes = loader.classes();
    const int epochs = argc > 2 ? std::atoi(argv[2]) : 2;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      loader.set_epoch(static_cast<std::uint64_t>(epoch));
      std::size_t boxes = 0, samples = 0;
      for (const imgbatch::batch& b : loader) {
        const imgbatch::ragged_boxes r = b.boxes();
        boxes += r.labels.size();
        samples += b.size();
        if (b.index() != 0 || epoch != 0) continue;
        // The first sample of the first batch: its boxes in output pixels and in the source image.
        const imgbatch::sample_info& s = b.samples()[0];
        std::printf("%s (%d×%d → %d×%d):\n", s.image_path.c_str(), s.geometry.source_width, s.geometry.source_height,
                    s.geometry.output_width, s.geometry.output_height);
        for (auto i = r.offsets[0]; i < r.offsets[1]; ++i) {
          const std::array<double, 4> out{r.boxes[4 * i], r.boxes[4 * i + 1], r.boxes[4 * i + 2], r.boxes[4 * i + 3]};
          const auto src = s.geometry.box_to_source(out);
          const std::int32_t label = r.labels[static_cast<std::size_t>(i)];
          const char* name = "?";
          for (const auto& c : classes)
            if (c.label == label) name = c.name.c_str();
          std::printf("  %-12s output [%.1f %.1f %.1f %.1f]  source [%.1f %.1f %.1f %.1f]\n", name, out[0], out[1],
                      out[2], out[3], src[0], src[1], src[2], src[3]);
        }
      }
      std::printf("epoch %d: %zu batches, %zu samples, %zu boxes\n", epoch, loader.size(), samples, boxes);
    }
  } catch (const imgbatch::error& e) {
    std::fprintf(stderr, "detection: %s\n", e.what());
    return 1;
  }
}
