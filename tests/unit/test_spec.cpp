#include <imgbatch/error.hpp>
#include <imgbatch/spec.hpp>

#include "support/fixtures.hpp"

#include <doctest/doctest.h>

#include <variant>

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

TEST_CASE("spec: a -0 reads back as 0, so to_json of a spec read back is the same text") {
  // Found by fuzz_spec: "p": -0.0 was written as -0, which JSON reads as the integer 0.
  const auto s = pipeline_spec::from_json(
      R"({"dataset": {"format": "folder", "root": "x"},
          "transforms": [{"op": "vflip", "p": -0.0}, {"op": "normalize", "mean": [-0.0, 0.5, 0.5], "std": [1, 1, 1]}]})");
  const std::string json = s.to_json();
  CHECK(json.find("\"p\": 0}") != std::string::npos);
  CHECK(json.find("-0") == std::string::npos);
  CHECK(pipeline_spec::from_json(json).to_json() == json);
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
        "random_resized_crop, random_iou_crop, random_affine, hflip, vflip, color_jitter, random_grayscale, "
        "gaussian_blur, random_erasing, normalize, to_float)");
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
  CHECK(error_of(normalize_first) ==
        "transforms[1]: hflip cannot follow normalize, which must be the last op (it turns pixels into floats)");
  CHECK(error_of(with(R"("dtype": "float32")", R"("dtype": "uint8")")) ==
        "transforms[2]: normalize produces floats but batch.dtype is uint8");
  CHECK(error_of(with(R"(, "masks": "masks")", "")) ==
        "dataset.masks: required: targets.mask is set, so every image needs a mask");
  CHECK(error_of(with(R"("ignore_index": 255)", R"("ignore_index": 255, "dtype": "uint8")")) == "no error");
  CHECK(error_of(with(R"("num_classes": 21)", R"("num_classes": 300, "dtype": "uint8")")) ==
        "targets.mask.dtype: uint8 cannot hold class ids above 255");
  CHECK(error_of(with(R"("drop_last": true)", R"("drop_last": true, "rank": 2, "world_size": 2)")) ==
        "sampler.rank: must be in [0, world_size)");
  // A mask without ignore_index: an op that pads it would make the padding class 0.
  const std::string no_ignore = with(R"("ignore_index": 255)", R"("ignore_index": null)");
  const std::string resize = R"({"op": "resize", "size": [256, 256]})";
  CHECK(error_of(no_ignore) == "no error");  // resize and hflip never pad
  for (const char* op : {R"({"op": "letterbox", "size": [64, 64]})", R"({"op": "center_crop", "size": [64, 64]})",
                         R"({"op": "random_crop", "size": [64, 64], "pad_if_needed": true})",
                         R"({"op": "random_affine", "degrees": [-10, 10]})"}) {
    CAPTURE(op);
    std::string s2 = no_ignore;
    s2.replace(s2.find(resize), resize.size(), resize + ", " + op);  // the op is transforms[1]
    const std::string name = std::string(op).substr(8, std::string(op).find('"', 8) - 8);
    CHECK(error_of(s2) == "transforms[1]: " + name +
                              " can pad the mask, and targets.mask.ignore_index is null, so the padding would become "
                              "class 0: set targets.mask.ignore_index (the value padding takes)");
  }
  std::string crop_no_pad = no_ignore;
  crop_no_pad.replace(crop_no_pad.find(resize), resize.size(), R"({"op": "random_crop", "size": [64, 64]})");
  CHECK(error_of(crop_no_pad) == "no error");
  std::string letterbox_255 = seg_json;  // the same op with an ignore_index to pad with
  letterbox_255.replace(letterbox_255.find(resize), resize.size(), R"({"op": "letterbox", "size": [64, 64]})");
  CHECK(error_of(letterbox_255) == "no error");
}

TEST_CASE("spec: rank and world_size \"auto\" come from the environment, both or neither") {
  const auto s = pipeline_spec::from_json(
      with(R"("drop_last": true)", R"("drop_last": true, "rank": "auto", "world_size": "auto")"));
  CHECK(s.sampler.rank == from_environment);
  CHECK(s.sampler.world_size == from_environment);
  const auto again = pipeline_spec::from_json(s.to_json());
  CHECK(again.sampler.rank == from_environment);
  CHECK(again.sampler.world_size == from_environment);
  CHECK(error_of(with(R"("drop_last": true)", R"("drop_last": true, "rank": "auto")")) ==
        "sampler.rank: rank and world_size are both \"auto\" or neither");
  CHECK(error_of(with(R"("drop_last": true)", R"("drop_last": true, "rank": "first", "world_size": 2)")) ==
        "sampler.rank: expected an integer or \"auto\", got \"first\"");
}

TEST_CASE("spec: photometric ops parse with torchvision's shorthands, read back, and are checked") {
  auto ops = [](const std::string& json) {
    return pipeline_spec::from_json(with(R"({"op": "hflip", "p": 0.5})", json)).transforms.at(1);
  };
  const auto cj = std::get<color_jitter_op>(
      ops(R"({"op": "color_jitter", "brightness": 0.4, "contrast": [0.8, 1.2], "hue": 0.1})"));
  REQUIRE(cj.brightness);
  CHECK((*cj.brightness == std::array<double, 2>{0.6, 1.4}));
  CHECK((*cj.contrast == std::array<double, 2>{0.8, 1.2}));
  CHECK(!cj.saturation);
  CHECK((*cj.hue == std::array<double, 2>{-0.1, 0.1}));
  CHECK((*std::get<color_jitter_op>(ops(R"({"op": "color_jitter", "brightness": 2})")).brightness ==
         std::array<double, 2>{0.0, 3.0}));  // the low end is clipped at 0, as torchvision
  const auto gb = std::get<gaussian_blur_op>(ops(R"({"op": "gaussian_blur", "kernel_size": 5, "sigma": [0.5, 1.5]})"));
  CHECK((gb.kernel_size == std::array<int, 2>{5, 5}));
  CHECK((gb.sigma == std::array<double, 2>{0.5, 1.5}));
  CHECK(std::get<random_grayscale_op>(ops(R"({"op": "random_grayscale"})")).p == 0.1);
  const std::string base = with(
      R"({"op": "hflip", "p": 0.5})",
      R"({"op": "color_jitter", "saturation": [0.5, 1.5], "hue": [-0.2, 0.3]}, {"op": "random_grayscale", "p": 0.2}, {"op": "gaussian_blur", "kernel_size": [3, 7], "sigma": 0.8})");
  const auto s = pipeline_spec::from_json(base);
  const auto again = pipeline_spec::from_json(s.to_json());
  CHECK(again.to_json() == s.to_json());
  CHECK(std::get<color_jitter_op>(again.transforms[1]).hue == std::get<color_jitter_op>(s.transforms[1]).hue);
  CHECK(std::get<gaussian_blur_op>(again.transforms[3]).kernel_size == std::array<int, 2>{3, 7});
  CHECK(error_of(with(R"({"op": "hflip", "p": 0.5})", R"({"op": "color_jitter", "hue": 0.7})")) ==
        "transforms[1].hue: must be [low, high] turns with -0.5 <= low <= high <= 0.5");
  CHECK(error_of(with(R"({"op": "hflip", "p": 0.5})", R"({"op": "color_jitter"})")) ==
        "transforms[1]: color_jitter needs at least one of brightness, contrast, saturation, hue");
  CHECK(error_of(with(R"({"op": "hflip", "p": 0.5})", R"({"op": "gaussian_blur", "kernel_size": 4})")) ==
        "transforms[1].kernel_size: must be odd and positive");
  CHECK(error_of(with(R"({"op": "hflip", "p": 0.5})", R"({"op": "gaussian_blur"})")) ==
        "transforms[1].kernel_size: required: odd, [height, width] or one number");
}

TEST_CASE("spec: random_erasing works on the output: after normalize, nothing but the final op after it") {
  const std::string erase_last =
      with(R"(, "std": [0.229, 0.224, 0.225]})",
           R"(, "std": [0.229, 0.224, 0.225]}, {"op": "random_erasing", "value": "random"})");
  const auto s = pipeline_spec::from_json(erase_last);
  const auto& e = std::get<random_erasing_op>(s.transforms.back());
  CHECK(e.random);
  CHECK(e.p == 0.5);
  CHECK((e.scale == std::array<double, 2>{0.02, 0.33}));
  CHECK(std::get<random_erasing_op>(pipeline_spec::from_json(s.to_json()).transforms.back()).random);
  CHECK(error_of(with(R"({"op": "hflip", "p": 0.5})", R"({"op": "random_erasing"}, {"op": "hflip", "p": 0.5})")) ==
        "transforms[2]: hflip cannot follow random_erasing, which works on the output tensor: put it last");
  CHECK(error_of(with(R"({"op": "hflip", "p": 0.5})", R"({"op": "random_erasing", "value": "noise"})")) ==
        "transforms[1].value: expected a number, [r, g, b] or \"random\"");
}

TEST_CASE("spec: decode.plan is exact unless \"fast\" is asked for") {
  CHECK(pipeline_spec::from_json(seg_json).decode.plan == decode_plan::exact);
  const auto fast = pipeline_spec::from_json(with(R"("loader":)", R"("decode": {"plan": "fast"}, "loader":)"));
  CHECK(fast.decode.plan == decode_plan::fast);
  CHECK(pipeline_spec::from_json(fast.to_json()).decode.plan == decode_plan::fast);
  CHECK(error_of(with(R"("loader":)", R"("decode": {"plan": "quick"}, "loader":)")) ==
        "decode.plan: 'quick' is not one of 'exact', 'fast'");
}

TEST_CASE("spec: decode limits are explicit: a 0 that would turn one off is refused, they read back") {
  const auto limits = pipeline_spec::from_json(
      with(R"("loader":)",
           R"("decode": {"max_pixels": 1000000, "max_file_bytes": 2048, "max_png_chunk_bytes": 4096}, "loader":)"));
  CHECK(limits.decode.max_pixels == 1'000'000);
  CHECK(limits.decode.max_file_bytes == 2048);
  CHECK(limits.decode.max_png_chunk_bytes == 4096);
  const auto again = pipeline_spec::from_json(limits.to_json());
  CHECK(again.decode.max_file_bytes == 2048);
  CHECK(again.decode.max_png_chunk_bytes == 4096);
  const pipeline_spec defaults = pipeline_spec::from_json(seg_json);
  CHECK(defaults.decode.max_file_bytes == std::uint64_t{1} << 30);
  CHECK(defaults.decode.max_png_chunk_bytes == 8'000'000);
  for (const char* key : {"max_pixels", "max_file_bytes", "max_png_chunk_bytes"}) {
    const std::string why =
        error_of(with(R"("loader":)", std::string(R"("decode": {")") + key + R"(": 0}, "loader":)"));
    CHECK_MESSAGE(why.starts_with(std::string("decode.") + key + ": "), why);
  }
  pipeline_spec in_code = pipeline_spec::from_json(seg_json);
  in_code.decode.max_pixels = 0;
  CHECK_THROWS_WITH_AS(in_code.validate(), "decode.max_pixels: must be at least 1 (default 89478485, Pillow's)",
                       config_error);
}

TEST_CASE("spec: a depth target reads its folder, scale, invalid value and resampling, and says what is missing") {
  const std::string depth = with(R"("masks": "masks")", R"("masks": "masks", "depth": "depth")");
  const std::string target = R"("targets":   {"mask")";
  auto with_depth = [&](const std::string& t) {
    std::string s = depth;
    return s.replace(s.find(target), target.size(), R"("targets": {"depth": )" + t + R"(, "mask")");
  };
  const auto s =
      pipeline_spec::from_json(with_depth(R"({"scale": 256, "invalid": 65535, "resample": "valid_average"})"));
  REQUIRE(s.targets.depth);
  CHECK(s.targets.depth->scale == 256.0);
  CHECK(s.targets.depth->invalid == 65535);
  CHECK(s.targets.depth->resample == depth_resample::valid_average);
  CHECK(s.dataset.depth == "depth");
  const auto again = pipeline_spec::from_json(s.to_json());
  REQUIRE(again.targets.depth);
  CHECK(again.targets.depth->invalid == 65535);
  CHECK(again.targets.depth->resample == depth_resample::valid_average);
  CHECK(again.dataset.depth == "depth");
  const auto defaults = pipeline_spec::from_json(with_depth(R"({"scale": 1000})"));
  CHECK(defaults.targets.depth->invalid == 0);
  CHECK(defaults.targets.depth->resample == depth_resample::nearest);
  CHECK(error_of(depth) == "targets.depth: required: dataset.depth is set but no depth target gives its scale");
  CHECK(error_of(with_depth("{}")) ==
        "targets.depth.scale: required: stored value / scale = metres (KITTI 256, millimetres 1000)");
  CHECK(error_of(with_depth(R"({"scale": 0})")) ==
        "targets.depth.scale: must be a positive number (stored value / scale = metres)");
  CHECK(error_of(with_depth(R"({"scale": 256, "resample": "bilinear"})")) ==
        "targets.depth.resample: 'bilinear' is not one of 'nearest', 'valid_average'");
  std::string no_folder = with_depth(R"({"scale": 256})");
  no_folder.replace(no_folder.find(R"(, "depth": "depth")"), 18, "");
  CHECK(error_of(no_folder) == "dataset.depth: required: targets.depth is set, so every image needs a depth map");
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
  CHECK_THROWS_WITH_AS(
      pipeline_spec::from_file(dir / "missing.json"),
      ((dir / "missing.json").string() + ": cannot read the spec file: No such file or directory").c_str(),
      config_error);
}

TEST_CASE("spec: a pipeline built in C++ is validated the same way") {
  pipeline_spec s;
  s.dataset.root = "x";
  s.transforms = {resize_op{.size = size2{8, 8}}, to_float_op{}, hflip_op{}};
  CHECK_THROWS_WITH_AS(
      s.validate(),
      "transforms[2]: hflip cannot follow to_float, which must be the last op (it turns pixels into floats)",
      config_error);
  s.transforms = {resize_op{}};
  CHECK_THROWS_WITH_AS(s.validate(), "transforms[0].size: resize needs size [h, w] or shorter", config_error);
  s.transforms = {resize_op{.size = size2{8, 8}}};
  s.batch.size = 0;
  CHECK_THROWS_WITH_AS(s.validate(), "batch.size: must be at least 1", config_error);
}

namespace {
const char* det_json = R"({
  "dataset":   {"format": "coco", "root": "det", "annotations": "annotations.json", "images": "images"},
  "sampler":   {"shuffle": true, "seed": 0, "drop_last": true},
  "transforms": [
    {"op": "hflip", "p": 0.5},
    {"op": "letterbox", "size": [512, 512], "fill": [114, 114, 114]},
    {"op": "normalize", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
  ],
  "batch":     {"size": 16, "layout": "NCHW", "dtype": "float32"},
  "loader":    {"threads": 2, "prefetch_batches": 4}
})";

std::string det_error(const std::string& from, const std::string& to) {
  std::string s = det_json;
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return error_of(s.replace(at, from.size(), to));
}
}  // namespace

TEST_CASE("spec: the det workload parses, annotated datasets carry boxes unless told not to") {
  pipeline_spec s = pipeline_spec::from_json(det_json);
  CHECK(s.dataset.format == dataset_format::coco);
  CHECK(s.dataset.annotations == "annotations.json");
  REQUIRE(s.targets.boxes.has_value());
  CHECK(s.targets.boxes->format == box_format::xyxy);
  const auto& lb = std::get<letterbox_op>(s.transforms[1]);
  CHECK(lb.size == size2{512, 512});
  CHECK(lb.fill == std::array<std::uint8_t, 3>{114, 114, 114});
  std::string off = det_json;
  off.insert(off.find("\"sampler\""), R"("targets": {"boxes": false}, )");
  CHECK_FALSE(pipeline_spec::from_json(off).targets.boxes.has_value());
  std::string opts = det_json;
  opts.insert(
      opts.find("\"sampler\""),
      R"("targets": {"boxes": {"format": "cxcywh", "normalized": true, "min_size": 2, "min_visibility": 0.25, "max_boxes": 50}, "instance_masks": true}, )");
  pipeline_spec o = pipeline_spec::from_json(opts);
  CHECK(o.targets.boxes->format == box_format::cxcywh);
  CHECK(o.targets.boxes->normalized);
  CHECK(o.targets.boxes->min_size == 2);
  CHECK(o.targets.boxes->min_visibility == 0.25);
  CHECK(o.targets.boxes->max_boxes == 50);
  CHECK(o.targets.instance_masks.has_value());
}

TEST_CASE("spec: new ops, padding and grouping parse, and to_json reads back to the same spec") {
  std::string s = det_json;
  s.replace(s.find(R"({"op": "hflip", "p": 0.5})"), std::string(R"({"op": "hflip", "p": 0.5})").size(),
            R"({"op": "random_iou_crop", "min_scale": 0.5, "options": [0.3, 1.0], "trials": 10},
               {"op": "random_resized_crop", "size": [300, 400], "scale": [0.2, 0.9], "ratio": [0.5, 2]},
               {"op": "resize", "shorter": [480, 512, 544], "max_longer": 900})");
  s.replace(s.find(R"("dtype": "float32"})"), std::string(R"("dtype": "float32"})").size(),
            R"("dtype": "float32", "pad": {"to": "max", "divisor": 32, "value": 0.5}})");
  s.replace(s.find(R"("drop_last": true})"), std::string(R"("drop_last": true})").size(),
            R"("drop_last": true, "group_by_aspect": 2})");
  s.replace(
      s.find(R"("images": "images"})"), std::string(R"("images": "images"})").size(),
      R"("images": "images", "crowd": "ignore_region", "category_labels": "contiguous_from_1", "empty_images": "drop", "missing_images": "skip", "annotation_frame": "stored"})");
  pipeline_spec a = pipeline_spec::from_json(s);
  const auto& iou = std::get<random_iou_crop_op>(a.transforms[0]);
  CHECK(iou.min_scale == 0.5);
  CHECK(iou.options == std::vector<double>{0.3, 1.0});
  CHECK(iou.trials == 10);
  const auto& rrc = std::get<random_resized_crop_op>(a.transforms[1]);
  CHECK(rrc.size == size2{300, 400});
  CHECK(rrc.scale == std::array<double, 2>{0.2, 0.9});
  CHECK(std::get<resize_op>(a.transforms[2]).shorter == std::vector<int>{480, 512, 544});
  CHECK(std::get<resize_op>(a.transforms[2]).max_longer == 900);
  REQUIRE(a.batch.pad.has_value());
  CHECK_FALSE(a.batch.pad->to.has_value());
  CHECK(a.batch.pad->divisor == 32);
  CHECK(a.batch.pad->value == std::array<float, 3>{0.5f, 0.5f, 0.5f});
  CHECK(a.sampler.group_by_aspect == 2);
  CHECK(a.dataset.crowd == crowd_policy::ignore_region);
  CHECK(a.dataset.category_labels == label_mapping::contiguous_from_1);
  CHECK_FALSE(a.dataset.keep_empty);
  CHECK(a.dataset.skip_missing);
  CHECK(a.dataset.frame == annotation_frame::stored);
  // to_json is read back to the same values
  pipeline_spec b = pipeline_spec::from_json(a.to_json());
  CHECK(b.to_json() == a.to_json());
  CHECK(std::get<random_iou_crop_op>(b.transforms[0]).options == iou.options);
  CHECK(std::get<random_resized_crop_op>(b.transforms[1]).ratio == rrc.ratio);
  CHECK(std::get<random_iou_crop_op>(b.transforms[0]).min_scale == 0.5);
  CHECK(std::get<random_iou_crop_op>(b.transforms[0]).trials == 10);
  CHECK(std::get<random_resized_crop_op>(b.transforms[1]).scale == rrc.scale);
  CHECK(std::get<resize_op>(b.transforms[2]).shorter == std::vector<int>{480, 512, 544});
  CHECK(std::get<resize_op>(b.transforms[2]).max_longer == 900);
  CHECK(std::get<letterbox_op>(b.transforms[3]).fill == std::array<std::uint8_t, 3>{114, 114, 114});
  CHECK(b.batch.pad->divisor == 32);
  CHECK_FALSE(b.batch.pad->to.has_value());
  CHECK(b.batch.pad->value == std::array<float, 3>{0.5f, 0.5f, 0.5f});
  CHECK(b.sampler.group_by_aspect == 2);
  CHECK(b.dataset.crowd == crowd_policy::ignore_region);
  CHECK(b.dataset.category_labels == label_mapping::contiguous_from_1);
  CHECK_FALSE(b.dataset.keep_empty);
  CHECK(b.dataset.skip_missing);
  CHECK(b.dataset.frame == annotation_frame::stored);
  CHECK(b.targets.boxes.has_value());
  // boxes options and instance masks survive too
  pipeline_spec o = a;
  o.targets.boxes = boxes_target{
      .format = box_format::xywh, .normalized = true, .min_size = 2.5, .min_visibility = 0.3, .max_boxes = 7};
  o.targets.instance_masks = instance_masks_target{};
  o.batch.pad->to = size2{640, 480};
  pipeline_spec p = pipeline_spec::from_json(o.to_json());
  CHECK(p.targets.boxes->format == box_format::xywh);
  CHECK(p.targets.boxes->normalized);
  CHECK(p.targets.boxes->min_size == 2.5);
  CHECK(p.targets.boxes->min_visibility == 0.3);
  CHECK(p.targets.boxes->max_boxes == 7);
  CHECK(p.targets.instance_masks.has_value());
  CHECK(p.batch.pad->to == size2{640, 480});
}

TEST_CASE("spec: detection mistakes are named by key path") {
  CHECK(det_error(R"("annotations": "annotations.json", )", "") ==
        "dataset.annotations: required: the COCO instances JSON file");
  CHECK(det_error(R"("format": "coco")", R"("format": "voc")") ==
        "dataset.classes: required for VOC: the class names in label order, or a names file");
  CHECK(det_error(R"("size": [512, 512], "fill": [114, 114, 114])", R"("size": [512, 512], "fill": [114, 300, 0])") ==
        "transforms[1].fill[1]: must be between 0 and 255, got 300");
  CHECK(
      det_error(R"({"op": "hflip", "p": 0.5})", R"({"op": "random_resized_crop", "size": [8, 8], "scale": [0, 1]})") ==
      "transforms[0].scale: must be [low, high] with 0 < low <= high <= 1 (fractions of the area)");
  CHECK(det_error(R"("dtype": "float32"})", R"("dtype": "float32", "pad": {"to": "min"}})") ==
        "batch.pad.to: expected \"max\" or [height, width]");
  CHECK(det_error(R"("drop_last": true})", R"("drop_last": true, "group_by_aspect": 1})") ==
        "sampler.group_by_aspect: must be 0 (off) or a number of bins of at least 2");
  CHECK(det_error(R"("images": "images"})", R"("images": "images", "crowd": "keep"})") ==
        "dataset.crowd: 'keep' is not one of 'flag', 'drop', 'ignore_region'");
  pipeline_spec m = pipeline_spec::from_json(det_json);
  m.targets.mask = mask_target{.num_classes = 91, .ignore_index = -1};
  CHECK_THROWS_WITH_AS(
      m.validate(),
      "targets.mask.ignore_index: a mask painted from COCO needs one for crowd regions and overlapping "
      "instances",
      config_error);
  m.targets.mask->ignore_index = 255;
  m.dataset.category_labels = label_mapping::contiguous;
  CHECK_THROWS_WITH_AS(m.validate(), doctest::Contains("\"contiguous\" makes the first category label 0"),
                       config_error);
  pipeline_spec f = pipeline_spec::from_json(seg_json);
  f.targets.boxes = boxes_target{};
  CHECK_THROWS_WITH_AS(f.validate(),
                       "targets.boxes: boxes come from a coco, voc or yolo dataset, not from a folder dataset",
                       config_error);
  f.targets.boxes.reset();
  f.transforms.insert(f.transforms.begin(), random_iou_crop_op{});
  CHECK_THROWS_WITH_AS(f.validate(),
                       "transforms[0]: random_iou_crop chooses its crop by the boxes: it needs targets.boxes",
                       config_error);
  f.transforms.erase(f.transforms.begin());
  f.batch.pad = pad_spec{};
  f.targets.mask->ignore_index = -1;
  CHECK_THROWS_WITH_AS(f.validate(),
                       "batch.pad: padding a mask needs targets.mask.ignore_index (padding must not become class 0)",
                       config_error);
}
