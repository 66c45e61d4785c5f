#include "dataset/box_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace imgbatch::detail {
namespace {
std::string box_text(const annotation& a) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "[%g, %g, %g, %g]", static_cast<double>(a.x1), static_cast<double>(a.y1),
                static_cast<double>(a.x2), static_cast<double>(a.y2));
  return buf;
}
}  // namespace

bool admit_box(annotation& a, double width, double height, const std::string& file, const std::string& entry,
               std::vector<index_problem>& problems) {
  if (!std::isfinite(a.x1) || !std::isfinite(a.y1) || !std::isfinite(a.x2) || !std::isfinite(a.y2)) {
    problems.push_back({file, entry, "box (x1, y1, x2, y2) " + box_text(a) + " has a coordinate that is not a number"});
    return false;
  }
  if (a.x2 < a.x1 || a.y2 < a.y1) {
    problems.push_back({file, entry, "box (x1, y1, x2, y2) " + box_text(a) + " has a negative width or height"});
    return false;
  }
  if (width > 0 && height > 0 &&
      (a.x1 < 0 || a.y1 < 0 || static_cast<double>(a.x2) > width || static_cast<double>(a.y2) > height)) {
    const std::string before = box_text(a);
    a.x1 = std::clamp(a.x1, 0.0f, static_cast<float>(width));
    a.x2 = std::clamp(a.x2, 0.0f, static_cast<float>(width));
    a.y1 = std::clamp(a.y1, 0.0f, static_cast<float>(height));
    a.y2 = std::clamp(a.y2, 0.0f, static_cast<float>(height));
    char size[64];
    std::snprintf(size, sizeof size, "%gx%g", width, height);
    const bool empty = a.x2 <= a.x1 || a.y2 <= a.y1;
    problems.push_back({file, entry,
                        "box (x1, y1, x2, y2) " + before + " reaches outside its " + size +
                            " image: " + (empty ? "dropped, nothing of it is inside" : "clipped to " + box_text(a)),
                        false});
    return !empty;
  }
  if (a.x2 == a.x1 || a.y2 == a.y1) {
    problems.push_back({file, entry, "box (x1, y1, x2, y2) " + box_text(a) + " is empty: dropped", false});
    return false;
  }
  return true;
}

}  // namespace imgbatch::detail
