#include "source/brace_expand.hpp"

#include <imgbatch/error.hpp>

#include <charconv>

namespace imgbatch::detail {
namespace {

struct expander {
  const std::string& key;
  std::string_view whole;
  std::size_t max_names;

  [[noreturn]] void fail(const std::string& why) const {
    throw config_error(key, "'" + std::string(whole) + "': " + why);
  }

  // The index of the '}' closing the '{' at `open`, or npos.
  static std::size_t closing(std::string_view s, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < s.size(); ++i) {
      if (s[i] == '{') ++depth;
      else if (s[i] == '}' && --depth == 0) return i;
    }
    return std::string_view::npos;
  }

  // A numeric range "a..b" or "a..b..step", or false when `body` is not one.
  bool range(std::string_view body, std::vector<std::string>& out) const {
    const std::size_t dots = body.find("..");
    if (dots == std::string_view::npos) return false;
    std::string_view a = body.substr(0, dots), rest = body.substr(dots + 2), b = rest, step_text;
    if (const std::size_t d2 = rest.find(".."); d2 != std::string_view::npos) {
      b = rest.substr(0, d2);
      step_text = rest.substr(d2 + 2);
    }
    auto integer = [](std::string_view t, long long& v) {
      if (t.empty()) return false;
      const char* first = t.data() + (t[0] == '+' ? 1 : 0);
      auto r = std::from_chars(first, t.data() + t.size(), v);
      return r.ec == std::errc() && r.ptr == t.data() + t.size();
    };
    long long lo = 0, hi = 0, step = 1;
    if (!integer(a, lo) || !integer(b, hi)) return false;
    if (!step_text.empty() && (!integer(step_text, step) || step == 0))
      fail("a range's step must be a non-zero integer");
    if (step < 0) step = -step;
    auto padded = [](std::string_view t) {
      const std::string_view digits = t.substr(t[0] == '-' || t[0] == '+' ? 1 : 0);
      return digits.size() > 1 && digits[0] == '0';
    };
    const std::size_t width = padded(a) || padded(b) ? std::max(a.size(), b.size()) : 0;
    const unsigned long long count =
        static_cast<unsigned long long>(lo <= hi ? hi - lo : lo - hi) / static_cast<unsigned long long>(step) + 1;
    if (count > max_names) fail("the range " + std::string(body) + " names more than " + std::to_string(max_names));
    for (unsigned long long k = 0; k < count; ++k) {
      const long long v = lo <= hi ? lo + static_cast<long long>(k) * step : lo - static_cast<long long>(k) * step;
      std::string t = std::to_string(v < 0 ? -v : v);
      if (t.size() + (v < 0 ? 1 : 0) < width) t.insert(0, width - t.size() - (v < 0 ? 1 : 0), '0');
      out.push_back(v < 0 ? "-" + t : t);
    }
    return true;
  }

  // Every expansion of `s`.
  std::vector<std::string> expand(std::string_view s) const {
    const std::size_t open = s.find('{');
    if (open == std::string_view::npos) {
      if (s.find('}') != std::string_view::npos) fail("a '}' without its '{'");
      return {std::string(s)};
    }
    if (s.substr(0, open).find('}') != std::string_view::npos) fail("a '}' without its '{'");
    const std::size_t close = closing(s, open);
    if (close == std::string_view::npos) fail("a '{' without its '}'");
    const std::string_view prefix = s.substr(0, open), body = s.substr(open + 1, close - open - 1);
    std::vector<std::string> choices;
    if (!range(body, choices)) {
      // Alternatives split at top-level commas; a group without a comma is literal text, as in braceexpand.
      std::size_t start = 0;
      int depth = 0;
      std::vector<std::string_view> parts;
      for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '{') ++depth;
        else if (body[i] == '}') --depth;
        else if (body[i] == ',' && depth == 0) {
          parts.push_back(body.substr(start, i - start));
          start = i + 1;
        }
      }
      parts.push_back(body.substr(start));
      if (parts.size() == 1) {
        for (std::string& e : expand(body)) choices.push_back("{" + e + "}");
      } else {
        for (std::string_view p : parts)
          for (std::string& e : expand(p)) choices.push_back(std::move(e));
      }
    }
    const std::vector<std::string> tails = expand(s.substr(close + 1));
    if (choices.size() * tails.size() > max_names) fail("it names more than " + std::to_string(max_names) + " shards");
    std::vector<std::string> out;
    out.reserve(choices.size() * tails.size());
    for (const std::string& c : choices)
      for (const std::string& t : tails) out.push_back(std::string(prefix) + c + t);
    return out;
  }
};

}  // namespace

std::vector<std::string> brace_expand(std::string_view pattern, const std::string& key, std::size_t max_names) {
  return expander{key, pattern, max_names}.expand(pattern);
}

}  // namespace imgbatch::detail
