#pragma once

#include <imgbatch/export.hpp>

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>

namespace imgbatch {

/// Base of every exception imgbatch throws on purpose.
class IMGBATCH_API error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A pipeline spec that cannot run: names the key path (`transforms[1].size`) and what was expected.
/// Thrown by `pipeline_spec::from_file`/`from_json` and by the `loader` constructor.
class IMGBATCH_API config_error : public error {
 public:
  /// `what()` reads "<file>: <key_path>: <message>", leaving out an empty file or key path.
  config_error(std::string key_path, std::string message, std::string file = {})
      : error(compose(file, key_path, message)),
        key_path_(std::move(key_path)),
        message_(std::move(message)),
        file_(std::move(file)) {}
  /// The key path in the spec, for example `transforms[1].size`; empty for a whole-file problem.
  const std::string& key_path() const noexcept { return key_path_; }
  /// The problem alone, without file or key path.
  const std::string& message() const noexcept { return message_; }
  /// The spec file, when the spec came from one.
  const std::string& file() const noexcept { return file_; }

 private:
  static std::string compose(const std::string& file, const std::string& key, const std::string& msg) {
    std::string s = file.empty() ? std::string() : file + ": ";
    if (!key.empty()) s += key + ": ";
    return s + msg;
  }
  std::string key_path_;
  std::string message_;
  std::string file_;
};

/// A dataset that cannot be indexed: missing folders, unmatched masks, a bad manifest line.
class IMGBATCH_API dataset_error : public error {
 public:
  using error::error;
};

/// One sample failed to load (unreadable file, corrupt image, bad mask value, size mismatch).
/// `what()` reads "<file>: <reason> (<stage>)"; the parts are kept apart for programs.
class IMGBATCH_API sample_error : public error {
 public:
  /// `sample_id` is the dataset index of the sample that failed; `stage` where it failed ("read",
  /// "annotations", "plan", "batch", "decode", "augment"); `cause` the exception that made it fail, when
  /// one did (a decoder's error, std::bad_alloc), else null.
  sample_error(std::string file, std::string reason, std::uint64_t sample_id, std::string stage = {},
               std::exception_ptr cause = nullptr)
      : error(file + ": " + reason + (stage.empty() ? std::string() : " (" + stage + ")")),
        file_(std::move(file)),
        reason_(std::move(reason)),
        stage_(std::move(stage)),
        sample_id_(sample_id),
        cause_(std::move(cause)) {}
  /// The file that failed (image, mask or depth map).
  const std::string& file() const noexcept { return file_; }
  /// What went wrong, without the file.
  const std::string& reason() const noexcept { return reason_; }
  /// The stage that failed: "read" (the file or its header), "annotations" (they disagree with the
  /// image), "plan" (the transforms cannot apply), "batch" (the sample does not fit its batch),
  /// "decode" (pixels, mask or depth), "augment" (transforms and writing the batch); empty if unknown.
  const std::string& stage() const noexcept { return stage_; }
  /// The dataset index of the sample.
  std::uint64_t sample_id() const noexcept { return sample_id_; }
  /// The original exception, or null when the failure was found by a check rather than thrown;
  /// `std::rethrow_exception(e.cause())` recovers its type.
  std::exception_ptr cause() const noexcept { return cause_; }

 private:
  std::string file_;
  std::string reason_;
  std::string stage_;
  std::uint64_t sample_id_;
  std::exception_ptr cause_;
};

}  // namespace imgbatch
