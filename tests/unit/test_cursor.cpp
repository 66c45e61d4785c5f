#include <imgbatch/cursor.hpp>
#include <imgbatch/error.hpp>

#include <doctest/doctest.h>

using namespace imgbatch;

namespace {
std::string error_of(const std::string& text) {
  try {
    cursor::parse(text);
  } catch (const error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("cursor: one line and JSON, written and read back exactly") {
  const cursor c{.epoch = 3,
                 .batches = 17,
                 .seed = 18446744073709551615ull,
                 .spec_hash = 0x0123456789abcdefull,
                 .dataset_hash = 0xfedcba9876543210ull};
  CHECK(
      c.to_string() ==
      "imgbatch-cursor/1 epoch=3 batches=17 seed=18446744073709551615 spec=0123456789abcdef dataset=fedcba9876543210");
  CHECK(
      c.to_json() ==
      R"({"version": 1, "epoch": 3, "batches": 17, "seed": 18446744073709551615, "spec": "0123456789abcdef", "dataset": "fedcba9876543210"})");
  CHECK(cursor::parse(c.to_string()) == c);
  CHECK(cursor::parse("  " + c.to_json() + "\n") == c);
  CHECK(cursor::parse(c.to_string() + "\n") == c);
}

TEST_CASE("cursor: malformed text is refused with the reason") {
  CHECK(error_of("") == "not an imgbatch cursor (empty): \"\"");
  CHECK(error_of("epoch=3") == "not an imgbatch cursor (it does not start with imgbatch-cursor/1): \"epoch=3\"");
  CHECK(error_of("imgbatch-cursor/1 epoch=3 batches=x seed=0 spec=0123456789abcdef dataset=0123456789abcdef") ==
        "not an imgbatch cursor (batches is not a non-negative integer): \"imgbatch-cursor/1 epoch=3 batches=x seed=0 "
        "spec=0123456789abcdef dataset=0123456789abcdef\"");
  CHECK(error_of("imgbatch-cursor/1 epoch=3 batches=1 seed=0 spec=0123 dataset=0123456789abcdef") ==
        "not an imgbatch cursor (spec must be 16 hex digits): \"imgbatch-cursor/1 epoch=3 batches=1 seed=0 spec=0123 "
        "dataset=0123456789abcdef\"");
  CHECK(error_of("imgbatch-cursor/1 epoch=3 batches=1 seed=0 spec=0123456789abcdef dataset=0123456789abcdef x") ==
        "not an imgbatch cursor (unexpected text after dataset=): \"imgbatch-cursor/1 epoch=3 batches=1 seed=0 "
        "spec=0123456789abcdef dataset=0123456789abcdef x\"");
  CHECK(
      error_of(
          R"({"version": 2, "epoch": 0, "batches": 0, "seed": 0, "spec": "0123456789abcdef", "dataset": "0123456789abcdef"})")
          .find("(version must be 1)") != std::string::npos);
  CHECK(
      error_of(
          R"({"version": 1, "epoch": -1, "batches": 0, "seed": 0, "spec": "0123456789abcdef", "dataset": "0123456789abcdef"})")
          .find("(epoch must be a non-negative integer)") != std::string::npos);
}
