// loader.on_error: fail, skip and substitute, the bad-file list, the log and the quarantine file.
#include <imgbatch/imgbatch.hpp>

#include "decode/decoder.hpp"
#include "support/fixtures.hpp"
#include "support/log_capture.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace imgbatch;

namespace {

constexpr int classes = 4;

// Samples 0..count-1, 8x8 unless size_of says otherwise, textured (every pixel differs), with masks.
void write_data(const test::temp_dir& dir, int count, std::function<std::array<int, 2>(int)> size_of = nullptr) {
  if (!size_of) size_of = [](int) { return std::array<int, 2>{8, 8}; };
  test::write_textured_dataset(dir / "seg", count, true, classes, size_of);
}

std::string image_of(const test::temp_dir& dir, int i) {
  char name[32];
  std::snprintf(name, sizeof name, "%04d.png", i);
  return (dir / "seg" / "images" / name).string();
}

// Three kinds of damage: no image at all, an empty file, a PNG cut short inside its pixel data (its
// header reads, so it fails only when decoded).
void break_file(const test::temp_dir& dir, int i, int how) {
  const std::string f = image_of(dir, i);
  if (how == 0) {
    test::write_text(f, "\x89PNG\r\n\x1a\n garbage");
  } else if (how == 1) {
    test::write_text(f, "");
  } else {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    in.close();
    test::write_text(f, bytes.substr(0, bytes.size() - 40));  // IEND (12 bytes) and the end of IDAT
  }
}

pipeline_spec make_spec(const test::temp_dir& dir, int batch, error_policy policy, int threads = 2) {
  pipeline_spec s;
  s.base_dir = dir.path();
  s.dataset.root = "seg";
  s.dataset.masks = "masks";
  s.targets.mask = mask_target{.num_classes = classes, .ignore_index = 255};
  s.batch.size = batch;
  s.batch.image_type = dtype::uint8;  // no transform: the bytes are the file's pixels
  s.loader.threads = threads;
  s.loader.prefetch_batches = 3;
  s.loader.on_error = policy;
  return s;
}

// Every pixel of sample k of the batch is the pixel of its file (not what a failed or earlier
// sample left in the slot), and so is every mask value; the tensors' leading dimension is the batch size.
void check_pixels(const batch& b) {
  const tensor& img = b["image"];
  const tensor& mask = b["mask"];
  REQUIRE(img.dim(0) == static_cast<std::int64_t>(b.size()));
  REQUIRE(mask.dim(0) == static_cast<std::int64_t>(b.size()));
  const auto h = static_cast<int>(img.dim(2)), w = static_cast<int>(img.dim(3));
  const std::uint8_t* p = img.data<std::uint8_t>();
  const std::int64_t* m = mask.data<std::int64_t>();
  int wrong = 0;
  for (std::size_t k = 0; k < b.size(); ++k) {
    // The file's number, which textures it (ids are positions in the dataset, which a quarantine shortens).
    const int id = std::stoi(std::filesystem::path(b.samples()[k].image_path).stem().string());
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) wrong += p[((k * 3 + c) * h + y) * w + x] != test::texture(id, x, y, c);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) wrong += m[(k * h + y) * w + x] != (x / 3 + (y / 2) * 5 + id) % classes;
  }
  CHECK(wrong == 0);
}

std::vector<std::vector<int>> ids_of_epoch(loader& l, std::uint64_t epoch) {
  l.set_epoch(epoch);
  std::vector<std::vector<int>> out;
  for (const batch& b : l) {
    check_pixels(b);
    std::vector<int> ids;
    for (const auto& s : b.samples()) ids.push_back(static_cast<int>(s.id));
    out.push_back(ids);
  }
  return out;
}

using test::log_capture;

}  // namespace

TEST_CASE("on_error fail: the error names the file, the stage and the reason, and keeps the decoder's exception") {
  test::temp_dir dir;
  write_data(dir, 8);
  break_file(dir, 5, 0);
  std::filesystem::remove(image_of(dir, 2));
  std::filesystem::create_symlink(dir / "nowhere.png", image_of(dir, 2));  // listed, but no file behind it
  {
    loader l(make_spec(dir, 4, error_policy::fail));
    try {
      l.next();
      FAIL("expected a sample_error");
    } catch (const sample_error& e) {
      CHECK(e.file() == image_of(dir, 2));
      CHECK(e.stage() == "read");
      CHECK(e.reason() == "No such file or directory");
      CHECK(std::string(e.what()) == image_of(dir, 2) + ": No such file or directory (read)");
      CHECK(e.cause() == nullptr);  // found by a check, nothing was thrown
    }
  }
  std::filesystem::remove(image_of(dir, 2));
  write_data(dir, 8);
  break_file(dir, 5, 0);
  loader l(make_spec(dir, 4, error_policy::fail));
  CHECK(l.next().has_value());
  try {
    l.next();
    FAIL("expected a sample_error");
  } catch (const sample_error& e) {
    CHECK(e.file() == image_of(dir, 5));
    CHECK(e.sample_id() == 5);
    CHECK(e.stage() == "decode");
    REQUIRE(e.cause() != nullptr);
    CHECK_THROWS_AS(std::rethrow_exception(e.cause()), detail::decode_failure);
  }
  const loader_stats st = l.stats();
  REQUIRE(st.bad_files.size() == 1);
  CHECK(st.bad_files[0].file == image_of(dir, 5));
  CHECK(st.bad_files[0].stage == "decode");
}

TEST_CASE("on_error skip: bad samples are dropped and counted, batches come out short, every pixel is its file's") {
  test::temp_dir dir;
  write_data(dir, 20);
  break_file(dir, 3, 0);
  break_file(dir, 7, 1);
  break_file(dir, 8, 2);  // fails in decode, after its batch's shape is fixed
  break_file(dir, 15, 0);
  log_capture logged;
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    loader l(make_spec(dir, 4, error_policy::skip, threads));
    const std::vector<std::vector<int>> want = {{0, 1, 2}, {4, 5, 6}, {9, 10, 11}, {12, 13, 14}, {16, 17, 18, 19}};
    CHECK(ids_of_epoch(l, 0) == want);
    CHECK(ids_of_epoch(l, 1) == want);  // the same files fail again: each counts, each is listed once
    const loader_stats st = l.stats();
    CHECK(st.batches == 10);
    CHECK(st.samples == 32);
    CHECK(st.skipped == 8);
    CHECK(st.batches_dropped == 0);
    REQUIRE(st.bad_files.size() == 4);
    std::map<std::string, std::string> stage;
    for (const auto& f : st.bad_files) stage[f.file] = f.stage;
    CHECK(stage[image_of(dir, 3)] == "decode");
    CHECK(stage[image_of(dir, 7)] == "read");
    CHECK(stage[image_of(dir, 8)] == "decode");
    CHECK(stage[image_of(dir, 15)] == "decode");
    for (const auto& f : st.bad_files) CHECK(!f.reason.empty());
    for (const auto& f : st.bad_files)
      if (f.file == image_of(dir, 7)) CHECK(f.reason == "empty file");
    CHECK(st.to_string().find("4 bad files; 8 samples skipped") != std::string::npos);
  }
  // Logged once per loader: two loaders, two epochs each.
  CHECK(logged.count(image_of(dir, 7) + ": empty file (read); skipped") == 2);
  CHECK(logged.count(image_of(dir, 8) + ":") == 2);
}

TEST_CASE("on_error skip: a batch with no sample left, or short under drop_last, is dropped and counted") {
  test::temp_dir dir;
  write_data(dir, 12);
  for (int i : {4, 5, 6, 7}) break_file(dir, i, i % 3);
  break_file(dir, 9, 0);
  {
    loader l(make_spec(dir, 4, error_policy::skip));
    CHECK(ids_of_epoch(l, 0) == std::vector<std::vector<int>>{{0, 1, 2, 3}, {8, 10, 11}});
    CHECK(l.stats().batches_dropped == 1);
    CHECK(l.stats().skipped == 5);
    // The cursor counts the dropped batch: a restore there gives the last batch.
    CHECK(l.state().batches == 3);
  }
  pipeline_spec s = make_spec(dir, 4, error_policy::skip);
  s.sampler.drop_last = true;
  loader l(s);
  CHECK(ids_of_epoch(l, 0) == std::vector<std::vector<int>>{{0, 1, 2, 3}});
  CHECK(ids_of_epoch(l, 1) == std::vector<std::vector<int>>{{0, 1, 2, 3}});
  CHECK(l.stats().batches_dropped == 4);
  CHECK(l.stats().batches == 2);
}

TEST_CASE("on_error substitute: batches stay full of good samples, the same ones whatever the thread count") {
  test::temp_dir dir;
  write_data(dir, 20);
  const std::set<int> bad = {3, 7, 8, 15};
  break_file(dir, 3, 0);
  break_file(dir, 7, 1);
  break_file(dir, 8, 2);
  break_file(dir, 15, 0);
  std::vector<std::vector<std::vector<int>>> runs;
  for (int threads : {1, 2}) {
    pipeline_spec s = make_spec(dir, 4, error_policy::substitute, threads);
    s.sampler.shuffle = true;
    s.sampler.seed = 11;
    loader l(s);
    for (std::uint64_t e = 0; e < 3; ++e) {
      const auto batches = ids_of_epoch(l, e);
      REQUIRE(batches.size() == 5);
      for (const auto& b : batches) {
        CHECK(b.size() == 4);
        for (int id : b) CHECK(bad.count(id) == 0);
      }
      runs.push_back(batches);
    }
    const loader_stats st = l.stats();
    CHECK(st.substituted >= 12);  // 4 per epoch, more when a substitute was bad too
    CHECK(st.skipped == 0);
    CHECK(st.bad_files.size() == 4);
  }
  CHECK(runs[0] == runs[3]);
  CHECK(runs[1] == runs[4]);
  CHECK(runs[2] == runs[5]);
  // The good samples keep their places: the same spec on undamaged copies of the files puts the same id
  // at every place whose sample is good; only the bad ones' places hold substitutes.
  test::temp_dir clean;
  write_data(clean, 20);
  pipeline_spec cs = make_spec(clean, 4, error_policy::fail, 2);
  cs.sampler.shuffle = true;
  cs.sampler.seed = 11;
  loader lc(cs);
  int places = 0, substituted = 0;
  for (std::uint64_t e = 0; e < 3; ++e) {
    const auto want = ids_of_epoch(lc, e);
    REQUIRE(want.size() == runs[e].size());
    for (std::size_t j = 0; j < want.size(); ++j)
      for (std::size_t k = 0; k < want[j].size(); ++k) {
        ++places;
        if (bad.count(want[j][k])) ++substituted;
        else CHECK(runs[e][j][k] == want[j][k]);
      }
  }
  CHECK(places == 60);
  CHECK(substituted == 12);
}

TEST_CASE("on_error substitute: a substitute must fit the batch's shape, one that does not is drawn again") {
  // Batches of 2, padded to their largest sample. Sample 1 fails only when decoded, after batch 0's
  // shape (8x8) is fixed; every other sample but 0 is 10x10 and does not fit, so its substitute is 0.
  test::temp_dir dir;
  write_data(dir, 12, [](int i) { return i < 2 ? std::array<int, 2>{8, 8} : std::array<int, 2>{10, 10}; });
  break_file(dir, 1, 2);
  pipeline_spec s = make_spec(dir, 2, error_policy::substitute);
  s.batch.pad = pad_spec{};
  s.loader.substitute_attempts = 1000;
  loader l(s);
  l.set_epoch(0);
  auto b = l.next();
  REQUIRE(b);
  REQUIRE(b->size() == 2);
  CHECK(b->samples()[0].id == 0);
  CHECK(b->samples()[1].id == 0);
  CHECK(b->samples()[1].geometry.output_width == 8);
  CHECK((*b)["image"].dim(3) == 8);
  check_pixels(*b);  // the substitute's pixels, not what the failed sample left
  const loader_stats st = l.stats();
  // Only the broken file is a bad file: substitutes that did not fit are not.
  REQUIRE(st.bad_files.size() == 1);
  CHECK(st.bad_files[0].file == image_of(dir, 1));
  CHECK(st.bad_files[0].stage == "decode");
}

TEST_CASE("on_error substitute: with group_by_aspect, a substitute comes from the failed sample's bin") {
  // Even samples are portrait (12 high, 8 wide), odd ones landscape; two bins. Portrait samples 2 and 4 are
  // broken (their headers are unreadable too, which puts them in bin 0, the portrait one, whatever they
  // are): their substitutes are portrait, never themselves.
  test::temp_dir dir;
  write_data(dir, 16, [](int i) { return i % 2 ? std::array<int, 2>{8, 12} : std::array<int, 2>{12, 8}; });
  break_file(dir, 2, 0);
  break_file(dir, 4, 1);
  pipeline_spec s = make_spec(dir, 2, error_policy::substitute);
  s.batch.pad = pad_spec{};
  s.sampler.group_by_aspect = 2;
  s.sampler.shuffle = true;
  loader l(s);
  int substitutes = 0;
  for (std::uint64_t e = 0; e < 4; ++e) {
    for (const auto& b : ids_of_epoch(l, e)) {
      REQUIRE(b.size() == 2);
      CHECK(b[0] % 2 == b[1] % 2);  // one bin per batch, substitutes included
      for (int id : b) CHECK((id != 2 && id != 4));
    }
  }
  substitutes = static_cast<int>(l.stats().substituted);
  CHECK(substitutes >= 8);  // two per epoch, more when one drew the other broken sample
}

TEST_CASE("on_error substitute: after the attempts, the batch fails naming every file tried") {
  test::temp_dir dir;
  write_data(dir, 6);
  for (int i = 0; i < 6; ++i) break_file(dir, i, i % 2);
  pipeline_spec s = make_spec(dir, 2, error_policy::substitute);
  s.loader.substitute_attempts = 3;
  loader l(s);
  try {
    l.next();
    FAIL("expected a sample_error");
  } catch (const sample_error& e) {
    CHECK(e.file() == image_of(dir, 0));
    CHECK(e.sample_id() == 0);
    CHECK(e.stage() == "decode");
    const std::string why = e.reason();
    CHECK(why.find("its 3 substitute(s) failed too: ") != std::string::npos);
    // file() names the original; the reason names three substitutes, three different files, none of them
    // the original (a place never retries a sample it tried).
    std::size_t named = 0, distinct = 0;
    for (int i = 0; i < 6; ++i) {
      std::size_t n = 0;
      for (std::size_t at = why.find(image_of(dir, i) + ":"); at != std::string::npos;
           at = why.find(image_of(dir, i) + ":", at + 1))
        ++n;
      if (i == 0) CHECK(n == 0);
      named += n;
      distinct += n > 0 ? 1 : 0;
    }
    CHECK(named == 3);
    CHECK(distinct == 3);
  }
}

TEST_CASE("loader.quarantine: bad files are listed once by their path from the root, and fail unread in their place") {
  test::temp_dir dir;
  write_data(dir, 12);
  break_file(dir, 2, 0);
  break_file(dir, 9, 1);
  const std::string q = (dir / "quarantine.tsv").string();
  pipeline_spec s = make_spec(dir, 4, error_policy::skip);
  s.loader.quarantine = "quarantine.tsv";  // relative to the spec's folder
  std::vector<std::vector<int>> first_epoch;
  {
    loader l(s);
    first_epoch = ids_of_epoch(l, 0);
    ids_of_epoch(l, 1);
  }
  auto lines_of = [&] {
    std::ifstream in(q);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  const std::vector<std::string> lines = lines_of();
  REQUIRE(lines.size() == 2);
  // Keyed by the file's identity in the dataset, not by the path as spelled from the working directory.
  CHECK(lines[0].starts_with("images/0002.png\tdecode\t"));
  CHECK(lines[1] == "images/0009.png\tread\tempty file");

  // The files are mended: a quarantined sample is still not read. It keeps its place (the index, its
  // length and the epoch's batches are those of the run that wrote the quarantine) and is skipped.
  write_data(dir, 12);
  loader again(s);
  CHECK(again.dataset_size() == 12);
  CHECK(again.stats().quarantined == 2);
  CHECK(ids_of_epoch(again, 0) == first_epoch);
  CHECK(first_epoch == std::vector<std::vector<int>>{{0, 1, 3}, {4, 5, 6, 7}, {8, 10, 11}});
  CHECK(again.stats().skipped == 2);
  CHECK(again.stats().bad_files.empty());  // known already: neither logged nor appended again
  CHECK(lines_of() == lines);

  // From another working directory, with the spec's folder spelled relatively: the same files match.
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path().parent_path());
  pipeline_spec relative = s;
  relative.base_dir = dir.path().filename();
  std::size_t quarantined = 0;
  std::vector<std::vector<int>> from_elsewhere;
  {
    loader l(relative);
    quarantined = l.stats().quarantined;
    from_elsewhere = ids_of_epoch(l, 0);
  }
  std::filesystem::current_path(cwd);
  CHECK(quarantined == 2);
  CHECK(from_elsewhere == first_epoch);
  CHECK(lines_of() == lines);

  pipeline_spec unwritable = s;
  unwritable.loader.quarantine = dir / "no-such-folder" / "q.tsv";
  const std::string want =
      "loader.quarantine: cannot open " + (dir / "no-such-folder" / "q.tsv").string() + " to append";
  CHECK_THROWS_WITH_AS(loader{unwritable}, doctest::Contains(want.c_str()), config_error);
}

TEST_CASE(
    "loader.quarantine: a run that quarantines files resumes from its checkpoint with the batches it would have given") {
  for (const error_policy policy : {error_policy::skip, error_policy::substitute, error_policy::fail}) {
    CAPTURE(static_cast<int>(policy));
    test::temp_dir dir;
    write_data(dir, 14);
    break_file(dir, 3, 0);   // fails while planned
    break_file(dir, 10, 2);  // fails when decoded, after its batch's shape is fixed
    pipeline_spec s = make_spec(dir, 4, policy);
    s.sampler.shuffle = true;
    s.sampler.drop_last = false;
    s.loader.quarantine = "quarantine.tsv";
    // One batch of the epoch: its sample ids, or the failure's file under `fail`.
    auto take = [](loader& l) -> std::string {
      try {
        auto b = l.next();
        if (!b) return "end";
        check_pixels(*b);
        std::string ids;
        for (const auto& smp : b->samples()) ids += std::to_string(smp.id) + " ";
        return ids;
      } catch (const sample_error& e) {
        return std::string("failed: ") + e.file() + ": " + e.reason();
      }
    };
    // The uninterrupted run: epoch 0 meets the bad files (and quarantines them), epoch 1 whole.
    std::vector<std::string> uninterrupted;
    cursor checkpoint;
    {
      loader l(s);
      l.set_epoch(0);
      for (std::string t; (t = take(l)) != "end" && !t.starts_with("failed");) {
      }
      l.set_epoch(1);
      uninterrupted.push_back(take(l));
      checkpoint = l.state();  // saved after one batch of epoch 1
      for (std::string t; (t = take(l)) != "end";) {
        uninterrupted.push_back(t);
        if (t.starts_with("failed")) break;
      }
    }
    {
      std::ifstream in(dir / "quarantine.tsv");
      std::string text((std::istreambuf_iterator<char>(in)), {});
      CHECK(text.find("images/0003.png\t") != std::string::npos);
      if (policy != error_policy::fail) CHECK(text.find("images/0010.png\t") != std::string::npos);
    }
    // Restarted from the checkpoint, with the files mended meanwhile: the quarantine lists them, so they
    // are not read (reading the mended files would change the batches), the cursor is accepted (the
    // dataset is the same) and the rest of epoch 1 is what the uninterrupted run gave.
    write_data(dir, 14);
    loader again(s);
    if (policy != error_policy::fail) CHECK(again.stats().quarantined == 2);
    again.restore(checkpoint);
    again.set_epoch(1);
    std::vector<std::string> resumed{uninterrupted.front()};
    for (std::string t; (t = take(again)) != "end";) {
      resumed.push_back(t);
      if (t.starts_with("failed")) break;
    }
    auto joined = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& x : v) out += "[" + x + "] ";
      return out;
    };
    INFO("uninterrupted: ", joined(uninterrupted), "\nresumed: ", joined(resumed));
    if (policy != error_policy::fail) {
      CHECK(resumed == uninterrupted);
      CHECK(resumed.size() == 4);
      CHECK(again.stats().bad_files.empty());
      if (policy == error_policy::skip) CHECK(again.stats().skipped >= 1);
      else CHECK(again.stats().substituted >= 1);
    } else {
      // Under fail a batch that fails ends its pass (the uninterrupted run's next pass starts over), so
      // only this holds: the quarantined file fails its batch unread, named with the quarantine's reason.
      CHECK(resumed.back().find("/seg/images/0010.png: listed in loader.quarantine (") != std::string::npos);
      CHECK(resumed.back().ends_with("(decode)): not read"));
    }
  }
}

TEST_CASE("on_error in JSON: the three policies, the attempts and the quarantine file round-trip") {
  const auto s = pipeline_spec::from_json(
      R"({"dataset": {"format": "folder", "root": "x"},
          "loader": {"on_error": "substitute", "substitute_attempts": 5, "quarantine": "bad.tsv"}})",
      "/data");
  CHECK(s.loader.on_error == error_policy::substitute);
  CHECK(s.loader.substitute_attempts == 5);
  CHECK(s.loader.quarantine == "bad.tsv");
  const auto back = pipeline_spec::from_json(s.to_json(), "/data");
  CHECK(back.loader.on_error == error_policy::substitute);
  CHECK(back.loader.substitute_attempts == 5);
  CHECK(back.loader.quarantine == "bad.tsv");
  CHECK(pipeline_spec::from_json(R"({"dataset": {"format": "folder", "root": "x"}, "loader": {"on_error": "skip"}})")
            .loader.on_error == error_policy::skip);
  CHECK_THROWS_WITH_AS(
      pipeline_spec::from_json(R"({"dataset": {"format": "folder", "root": "x"}, "loader": {"on_error": "retry"}})"),
      doctest::Contains("loader.on_error"), config_error);
  CHECK_THROWS_WITH_AS(pipeline_spec::from_json(
                           R"({"dataset": {"format": "folder", "root": "x"}, "loader": {"substitute_attempts": 0}})"),
                       doctest::Contains("loader.substitute_attempts"), config_error);
}
