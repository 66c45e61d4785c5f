#include <imgbatch/error.hpp>
#include <imgbatch/spec.hpp>

#include "support/fixtures.hpp"

#include <doctest/doctest.h>

using namespace imgbatch;

namespace {
const char* seg_json = R"({
  "dataset":   {"format": "folder", "root": "seg", "images": "images", "masks": "masks"},
  "targets":   {"mask": {"num_classes": 21, "ignore_index": 255, "encoding": "index"}},
  "sampler":   {"shuffle": true, "seed": 0, "drop_last": true},
  "transforms": [
    {"op": "resize", "size": [256, 256]},
    {"op": "hflip", "p": 0.5},
    {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
  ],
  "batch":     {"size": 32, "layout": "NCHW", "dtype": "float32"},
  "loader":    {"threads": 2, "prefetch_batches": 4}
})";

std::string error_of(const std::string& json) {
  try {
    pipeline_spec::from_json(json);
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = seg_json;
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}
}  // namespace

TEST_CASE("spec: the seg workload of WORKLOADS.md parses to what it says") {
  pipeline_spec s = pipeline_spec::from_json(seg_json, "/data");
  CHECK(s.dataset.format == dataset_format::folder);
  CHECK(s.dataset.root == "seg");
  CHECK(s.dataset.masks == "masks");
  CHECK(s.base_dir == "/data");
  REQUIRE(s.targets.mask.has_value());
  CHECK(s.targets.mask->num_classes == 21);
  CHECK(s.targets.mask->ignore_index == 255);
  CHECK(s.sampler.shuffle);
  CHECK(s.sampler.drop_last);
  REQUIRE(s.transforms.size() == 3);
  CHECK(std::get<resize_op>(s.transforms[0]).size == size2{256, 256});
  CHECK(std::get<hflip_op>(s.transforms[1]).p == 0.5);
  CHECK(std::get<normalize_op>(s.transforms[2]).std[2] == doctest::Approx(0.225));
  CHECK(s.batch.size == 32);
  CHECK(s.loader.threads == 2);
  CHECK(s.loader.prefetch_batches == 4);
}

TEST_CASE("spec: to_json reads back to the same spec") {
  pipeline_spec s = pipeline_spec::from_json(seg_json);
  pipeline_spec t = pipeline_spec::from_json(s.to_json());
  CHECK(t.to_json() == s.to_json());
  CHECK(std::get<normalize_op>(t.transforms[2]).mean[1] == std::get<normalize_op>(s.transforms[2]).mean[1]);
}

TEST_CASE("spec: errors name the key path and what was expected") {
  CHECK(error_of(with(R"("size": [256, 256])", R"("szie": [256, 256])")) ==
        "transforms[0].szie: unknown key (expected one of: op, size, shorter, max_longer)");
  CHECK(error_of(with(R"("size": 32)", R"("size": "32")")) == "batch.size: expected an integer, got a string");
  CHECK(error_of(with(R"("size": [256, 256])", R"("size": [256])")) ==
        "transforms[0].size: expected [height, width], two positive integers");
  CHECK(error_of(with(R"("size": [256, 256])", R"("size": [256, 0])")) ==
        "transforms[0].size[1]: must be between 1 and 1048576, got 0");
  CHECK(error_of(with(R"("op": "hflip")", R"("op": "hflop")")) ==
        "transforms[1].op: unknown op 'hflop' (expected resize, letterbox, center_crop, random_crop, "
        "random_resized_crop, random_iou_crop, hflip, vflip, normalize, to_float)");
  CHECK(error_of(with(R"("layout": "NCHW")", R"("layout": "CHW")")) ==
        "batch.layout: 'CHW' is not one of 'NCHW', 'NHWC'");
  CHECK(error_of(with(R"("p": 0.5)", R"("p": 1.5)")) == "transforms[1].p: must be a probability in [0, 1]");
  CHECK(error_of(R"({"batch": {"size": 2}})") == "dataset: required");
  CHECK(error_of("{\"dataset\": ").starts_with("invalid JSON: "));
  CHECK(error_of(R"({"dataset": {"format": "folder"}, "extra": 1})").starts_with("extra: unknown key"));
}

TEST_CASE("spec: inconsistent settings are refused with the reason") {
  CHECK(error_of(with(R"({"op": "hflip", "p": 0.5},)", "")) == "no error");
  std::string normalize_first = with(R"({"op": "resize", "size": [256, 256]},)", "");
  normalize_first = normalize_first.replace(normalize_first.find("{\"op\": \"hflip\""), 0, R"({"op": "normalize"}, )");
  CHECK(error_of(normalize_first) == "transforms[0]: normalize must be the last op (it turns pixels into floats)");
  CHECK(error_of(with(R"("dtype": "float32")", R"("dtype": "uint8")")) ==
        "transforms[2]: normalize produces floats but batch.dtype is uint8");
  CHECK(error_of(with(R"(, "masks": "masks")", "")) ==
        "dataset.masks: required: targets.mask is set, so every image needs a mask");
  CHECK(error_of(with(R"("ignore_index": 255)", R"("ignore_index": 255, "dtype": "uint8")")) == "no error");
  CHECK(error_of(with(R"("num_classes": 21)", R"("num_classes": 300, "dtype": "uint8")")) ==
        "targets.mask.dtype: uint8 cannot hold class ids above 255");
  CHECK(error_of(with(R"("drop_last": true)", R"("drop_last": true, "rank": 2, "world_size": 2)")) ==
        "sampler.rank: must be in [0, world_size)");
}

TEST_CASE("spec: options of later versions are refused by name, not ignored") {
  CHECK(error_of(with(R"({"op": "hflip", "p": 0.5})", R"({"op": "color_jitter", "brightness": [0.8, 1.2]})")) ==
        "transforms[1].op: op 'color_jitter' is not supported by this version of imgbatch");
  CHECK(error_of(with(R"("masks": "masks")", R"("masks": "masks", "depth": "depth")")) ==
        "dataset.depth: a depth folder is not supported by this version of imgbatch");
}

TEST_CASE("spec: from_file names the file and resolves paths against its folder") {
  test::temp_dir dir;
  test::write_text(dir / "good.json", seg_json);
  pipeline_spec s = pipeline_spec::from_file(dir / "good.json");
  CHECK(s.base_dir == dir.path());
  test::write_text(dir / "bad.json", with(R"("size": 32)", R"("size": -1)"));
  try {
    pipeline_spec::from_file(dir / "bad.json");
    FAIL("expected a config_error");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()) == (dir / "bad.json").string() + ": batch.size: must be between 1 and 1048576, got -1");
    CHECK(e.key_path() == "batch.size");
    CHECK(e.file() == (dir / "bad.json").string());
  }
  CHECK_THROWS_WITH_AS(pipeline_spec::from_file(dir / "missing.json"),
                       ((dir / "missing.json").string() + ": cannot open spec file").c_str(), config_error);
}

TEST_CASE("spec: a pipeline built in C++ is validated the same way") {
  pipeline_spec s;
  s.dataset.root = "x";
  s.transforms = {resize_op{.size = size2{8, 8}}, to_float_op{}, hflip_op{}};
  CHECK_THROWS_WITH_AS(s.validate(), "transforms[1]: to_float must be the last op (it turns pixels into floats)",
                       config_error);
  s.transforms = {resize_op{}};
  CHECK_THROWS_WITH_AS(s.validate(), "transforms[0].size: resize needs size [h, w] or shorter", config_error);
  s.transforms = {resize_op{.size = size2{8, 8}}};
  s.batch.size = 0;
  CHECK_THROWS_WITH_AS(s.validate(), "batch.size: must be at least 1", config_error);
}
