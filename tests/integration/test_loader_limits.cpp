// What a loader refuses or lowers at construction instead of running for minutes: batch buffers beyond
// loader.max_memory (named with the figures, nothing allocated), and more threads than cores can use.
#include <imgbatch/imgbatch.hpp>

#include "support/fixtures.hpp"
#include "support/log_capture.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

using namespace imgbatch;

namespace {

pipeline_spec small_spec(const test::temp_dir& dir) {
  test::write_textured_dataset(dir / "seg", 8, true, 4, [](int) { return std::array<int, 2>{12, 10}; });
  pipeline_spec s = test::seg_spec(dir.path(), "seg", 4);
  s.transforms = {resize_op{.size = size2{8, 8}}};
  s.batch.size = 4;
  s.loader.prefetch_batches = 3;
  return s;
}

}  // namespace

TEST_CASE("limits: batch buffers beyond loader.max_memory are refused with the figures, before any allocation") {
  test::temp_dir dir;
  pipeline_spec s = small_spec(dir);
  // By hand: an image buffer of 4 x 3 x 8 x 8 float32 = 3072 bytes, a mask of 4 x 8 x 8 int64 = 2048:
  // 5120 bytes a buffer, 15360 for the 3.
  s.loader.max_memory = 15360;
  CHECK(loader(s).size() == 2);
  s.loader.max_memory = 15359;
  CHECK_THROWS_WITH_AS(loader{s},
                       "loader.max_memory: 3 batch buffers (loader.prefetch_batches) of 4 samples at 8x8 take 5120 "
                       "bytes each (0.0 GiB), 0.0 GiB in all, more than the limit of 15359 bytes (0.0 GiB): lower "
                       "batch.size, the output size or prefetch_batches, or raise loader.max_memory",
                       config_error);
  s.loader.prefetch_batches = 2;  // 10240 bytes
  CHECK(loader(s).size() == 2);

  // Before: batch.size 1048576 with a 4000x4000 crop ran for a minute and gigabytes, then ran out of
  // memory. 1048576 x 3 x 4000 x 4000 float32 = 201326592000000 bytes a buffer (no mask here).
  pipeline_spec huge = small_spec(dir);
  huge.targets.mask.reset();
  huge.dataset.masks.clear();
  huge.transforms = {center_crop_op{.size = size2{4000, 4000}}};
  huge.batch.size = 1048576;
  huge.sampler.drop_last = false;
  const auto start = std::chrono::steady_clock::now();
  try {
    loader l(huge);
    FAIL("expected a config_error");
  } catch (const config_error& e) {
    const std::string msg = e.what();
    CHECK(
        msg.starts_with("loader.max_memory: 3 batch buffers (loader.prefetch_batches) of 1048576 samples at "
                        "4000x4000 take 201326592000000 bytes each (187500.0 GiB), 562500.0 GiB in all"));
    CHECK(msg.find("half of this machine's memory") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // A size no machine has is refused without counting it in 64 bits.
  huge.transforms = {resize_op{.size = size2{1 << 20, 1 << 20}}};
  CHECK_THROWS_WITH_AS(loader{huge},
                       "loader.max_memory: a batch of 1048576 samples at 1048576x1048576 takes more memory than any "
                       "machine has: lower batch.size or the output size",
                       config_error);
}

TEST_CASE("limits: loader.max_memory in JSON, and refused at 0") {
  const auto s = pipeline_spec::from_json(R"({"dataset": {"root": "x"}, "loader": {"max_memory": 1000000}})", "/d");
  REQUIRE(s.loader.max_memory);
  CHECK(*s.loader.max_memory == 1000000);
  const auto back = pipeline_spec::from_json(s.to_json(), "/d");
  CHECK(back.loader.max_memory == s.loader.max_memory);
  CHECK_FALSE(pipeline_spec::from_json(R"({"dataset": {"root": "x"}})", "/d").loader.max_memory);
  CHECK_THROWS_WITH_AS(pipeline_spec::from_json(R"({"dataset": {"root": "x"}, "loader": {"max_memory": 0}})", "/d"),
                       "loader.max_memory: must be between 1 and 9223372036854775807, got 0", config_error);
}

TEST_CASE("limits: more than 4 threads per core are lowered to that, with a warning") {
  test::temp_dir dir;
  pipeline_spec s = small_spec(dir);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s.loader.threads = 1024;
  test::log_capture logged;
  loader l(s);
  CHECK(l.spec().loader.threads == 4 * cores);
  CHECK(logged.count("loader.threads 1024 is more than 4 per core on this machine's " + std::to_string(cores) +
                     " cores: using " + std::to_string(4 * cores)) == 1);
  CHECK(l.next()->size() == 4);
  s.loader.threads = 4 * cores;  // at the cap: kept, nothing logged
  loader at_cap(s);
  CHECK(at_cap.spec().loader.threads == 4 * cores);
  CHECK(logged.count("loader.threads") == 1);
}
