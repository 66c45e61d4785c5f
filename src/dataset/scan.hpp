#pragma once

#include <imgbatch/spec.hpp>

#include "dataset/dataset.hpp"

#include <filesystem>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace imgbatch::detail {

/// Relative path without extension -> file, for every entry below `dir` whose lower-case extension is
/// one of `extensions` (hidden entries skipped), regular file or not: a directory, a broken or looping
/// link named like an image is listed too, so that reading it names it and says why it failed.
/// Sub-folders are searched, through symbolic links too, except a link to a folder on the path from
/// `dir` to it (a loop), which is reported in `problems` and not followed. Throws dataset_error when the
/// folder is missing or two files share a key. `what` names the folder's role in messages ("images").
std::map<std::string, std::string> scan_folder(const std::filesystem::path& dir, const char* what,
                                               std::initializer_list<std::string_view> extensions,
                                               std::vector<index_problem>& problems);

/// The extensions imgbatch decodes by content (.jpg, .jpeg, .jpe, .jfif, .png, .webp).
extern const std::initializer_list<std::string_view> image_extensions;

/// Up to five items joined by ", ", then "... (N in all)".
std::string first_few(const std::vector<std::string>& v);

/// The class names of a VOC or YOLO dataset: the inline list, or the lines of the names file (blank
/// lines and trailing spaces dropped). Empty when neither is given. Throws dataset_error.
std::vector<std::string> class_names(const pipeline_spec& spec);

}  // namespace imgbatch::detail
