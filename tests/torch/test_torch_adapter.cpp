// The libtorch adapter (include/imgbatch/torch.hpp), linked as a user links it: imgbatch::torch over the
// shared library. Sample data from `imgbatch make-sample` (IMGBATCH_CLI).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <imgbatch/imgbatch.hpp>
#include <imgbatch/torch.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>

namespace {

/// `imgbatch make-sample` data in a temporary folder, made once, removed at exit.
struct sample_data {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("imgbatch_torch_test_" + std::to_string(::getpid()));
  sample_data() {
    const std::string cmd = std::string(IMGBATCH_CLI) + " make-sample " + dir.string() + " --n 32 > /dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  ~sample_data() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const std::filesystem::path& sample_dir() {
  static const sample_data data;
  return data.dir;
}

imgbatch::pipeline_spec spec(const char* name, int prefetch = 4) {
  auto s = imgbatch::pipeline_spec::from_file(sample_dir() / name);
  s.loader.prefetch_batches = prefetch;
  return s;
}

}  // namespace

TEST_CASE("torch: batch tensors become torch tensors over the same memory, with the dtypes losses take") {
  imgbatch::loader loader(spec("seg.json"));
  auto b = loader.next();
  REQUIRE(b);
  const imgbatch::tensor& image = (*b)["image"];
  const imgbatch::tensor& mask = (*b)["mask"];
  torch::Tensor x = imgbatch::to_torch(*b, "image");
  torch::Tensor y = imgbatch::to_torch(*b, "mask");
  CHECK(x.data_ptr() == image.raw());
  CHECK(y.data_ptr() == mask.raw());
  CHECK(x.dtype() == torch::kFloat32);
  CHECK(y.dtype() == torch::kInt64);
  CHECK(x.sizes() == torch::IntArrayRef({16, 3, 256, 256}));
  CHECK(y.sizes() == torch::IntArrayRef({16, 256, 256}));
  CHECK(x.is_contiguous());
  // Element by element through torch's indexing, against the raw imgbatch memory.
  const float* px = image.data<float>();
  CHECK(x[3][2][100][7].item<float>() == px[((3 * 3 + 2) * 256 + 100) * 256 + 7]);
  const std::int64_t* py = mask.data<std::int64_t>();
  CHECK(y[5][31][200].item<std::int64_t>() == py[(5 * 256 + 31) * 256 + 200]);
  // cross_entropy takes them as they are (255 is the spec's ignore_index).
  auto logits = torch::zeros({16, 21, 256, 256});
  auto loss = torch::nn::functional::cross_entropy(logits, y,
                                                   torch::nn::functional::CrossEntropyFuncOptions().ignore_index(255));
  CHECK(loss.item<float>() == doctest::Approx(std::log(21.0)).epsilon(1e-5));

  auto all = imgbatch::to_torch(*b);
  REQUIRE(all.size() == 2);
  CHECK(all[0].first == "image");
  CHECK(all[1].first == "mask");
  CHECK(all[1].second.data_ptr() == mask.raw());
  CHECK_THROWS_WITH_AS(imgbatch::to_torch(*b, "depth"), doctest::Contains("image, mask"), std::out_of_range);
}

TEST_CASE("torch: uint8 images stay unsigned bytes, boxes are float32") {
  auto s = spec("det.json");
  s.batch.image_type = imgbatch::dtype::uint8;
  s.transforms.pop_back();  // normalize: a uint8 batch ends without it
  imgbatch::loader loader(s);
  auto b = loader.next();
  REQUIRE(b);
  torch::Tensor x = imgbatch::to_torch(*b, "image");
  CHECK(x.dtype() == torch::kUInt8);
  const std::uint8_t* raw = (*b)["image"].data<std::uint8_t>();
  std::size_t above_127 = 0;
  for (std::int64_t i = 0; i < 4096; ++i) {
    CHECK(x.view({-1})[i].item<int>() == raw[i]);  // as unsigned: a signed view turns 200 into -56
    above_127 += raw[i] > 127;
  }
  CHECK(above_127 > 0);
  CHECK(imgbatch::to_torch(*b, "boxes").dtype() == torch::kFloat32);
  CHECK(imgbatch::to_torch(*b, "box_count").dtype() == torch::kInt32);
}

TEST_CASE("torch: a torch tensor keeps its batch alive while the loader reuses the other buffers") {
  imgbatch::loader loader(spec("det.json", 3));
  auto b = loader.next();
  REQUIRE(b);
  torch::Tensor boxes = imgbatch::to_torch(*b, "boxes");
  torch::Tensor image = imgbatch::to_torch(*b, "image").slice(0, 2, 4);  // a view keeps it too
  const torch::Tensor want_boxes = boxes.clone(), want_image = image.clone();
  const void* held = boxes.data_ptr();
  b.reset();
  std::set<const void*> seen;
  for (std::uint64_t epoch = 1; epoch < 4; ++epoch) {
    loader.set_epoch(epoch);
    for (const imgbatch::batch& other : loader) seen.insert(other["boxes"].raw());
  }
  CHECK(seen.count(held) == 0);
  CHECK(seen.size() >= 2);
  CHECK(torch::equal(boxes, want_boxes));
  CHECK(torch::equal(image, want_image));
  CHECK(imgbatch::to_torch(*loader.next(), "labels").dtype() == torch::kInt32);
  // Once the torch tensors are gone, the buffer goes back to the loader and is used again.
  boxes = torch::Tensor();
  image = torch::Tensor();
  seen.clear();
  for (std::uint64_t epoch = 4; epoch < 7; ++epoch) {
    loader.set_epoch(epoch);
    for (const imgbatch::batch& other : loader) seen.insert(other["boxes"].raw());
  }
  CHECK(seen.count(held) == 1);
}
