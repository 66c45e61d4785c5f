// A libtorch trainer fed by imgbatch: a small fully convolutional network learns the masks of the
// sample data (`imgbatch make-sample DIR`) and prints its loss as it falls. The pipeline is built in
// code; each batch reaches torch without a copy (imgbatch/torch.hpp).
// Usage: train_torch DATA_DIR [steps]      (DATA_DIR holds seg/images and seg/masks)
#include <imgbatch/imgbatch.hpp>
#include <imgbatch/torch.hpp>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <numeric>

namespace {

struct segmenter : torch::nn::Module {
  torch::nn::Conv2d c1{torch::nn::Conv2dOptions(3, 16, 3).padding(1)};
  torch::nn::Conv2d c2{torch::nn::Conv2dOptions(16, 32, 3).padding(1).stride(2)};
  torch::nn::Conv2d c3{torch::nn::Conv2dOptions(32, 32, 3).padding(1)};
  torch::nn::Conv2d head{torch::nn::Conv2dOptions(32, 21, 1)};

  segmenter() {
    register_module("c1", c1);
    register_module("c2", c2);
    register_module("c3", c3);
    register_module("head", head);
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(c1(x));
    y = torch::relu(c3(torch::relu(c2(y))));
    y = head(y);
    namespace F = torch::nn::functional;
    return F::interpolate(y, F::InterpolateFuncOptions()
                                 .size(std::vector<std::int64_t>{x.size(2), x.size(3)})
                                 .mode(torch::kBilinear)
                                 .align_corners(false));
  }
};

double mean(const std::deque<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: train_torch DATA_DIR [steps]\n");
    return 2;
  }
  const int steps = argc > 2 ? std::atoi(argv[2]) : 300;
  try {
    imgbatch::pipeline_spec spec;
    spec.dataset.format = imgbatch::dataset_format::folder;
    spec.dataset.root = std::filesystem::path(argv[1]) / "seg";
    spec.dataset.masks = "masks";
    spec.targets.mask = imgbatch::mask_target{.num_classes = 21, .ignore_index = 255};
    spec.sampler.shuffle = true;
    spec.sampler.drop_last = true;
    spec.transforms = {imgbatch::resize_op{.size = imgbatch::size2{64, 64}}, imgbatch::hflip_op{.p = 0.5},
                       imgbatch::normalize_op{}};
    spec.batch.size = 8;
    spec.loader.threads = 2;
    imgbatch::loader loader(std::move(spec));

    torch::manual_seed(0);
    segmenter net;
    torch::optim::Adam opt(net.parameters(), torch::optim::AdamOptions(3e-3));
    namespace F = torch::nn::functional;
    std::deque<double> first, last;
    int step = 0;
    for (std::uint64_t epoch = 0; step < steps; ++epoch) {
      loader.set_epoch(epoch);
      for (const imgbatch::batch& b : loader) {
        if (step == steps) break;
        const torch::Tensor x = imgbatch::to_torch(b, "image");  // no copy
        const torch::Tensor y = imgbatch::to_torch(b, "mask");
        opt.zero_grad();
        const torch::Tensor loss = F::cross_entropy(net.forward(x), y, F::CrossEntropyFuncOptions().ignore_index(255));
        loss.backward();
        opt.step();
        const double l = loss.item<double>();
        if (first.size() < 20) first.push_back(l);
        last.push_back(l);
        if (last.size() > 20) last.pop_front();
        if (++step % 50 == 0 || step == 1)
          std::printf("step %d (epoch %llu): loss %.4f\n", step, static_cast<unsigned long long>(epoch), l);
      }
    }
    std::printf("loss fell from %.4f to %.4f (mean of the first and of the last 20 steps, %d steps)\n", mean(first),
                mean(last), step);
  } catch (const imgbatch::error& e) {
    std::fprintf(stderr, "train_torch: %s\n", e.what());
    return 1;
  }
}
