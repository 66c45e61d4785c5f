#include <imgbatch/cursor.hpp>
#include <imgbatch/error.hpp>

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <sstream>

namespace imgbatch {
namespace {

std::string hex16(std::uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

[[noreturn]] void bad(std::string_view text, const std::string& why) {
  std::string shown(text.substr(0, 120));
  throw error("not an imgbatch cursor (" + why + "): \"" + shown + (text.size() > 120 ? "...\"" : "\""));
}

std::uint64_t number(std::string_view text, std::string_view value, std::string_view key, int base) {
  std::uint64_t v = 0;
  const char* end = value.data() + value.size();
  auto [p, ec] = std::from_chars(value.data(), end, v, base);
  if (value.empty() || ec != std::errc() || p != end)
    bad(text, std::string(key) + " is not " + (base == 16 ? "16 hex digits" : "a non-negative integer"));
  return v;
}

cursor parse_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) bad(text, "invalid JSON");
  simdjson::dom::object o;
  if (doc.get_object().get(o) != simdjson::SUCCESS) bad(text, "expected a JSON object");
  cursor c;
  std::uint64_t version = 0;
  if (o["version"].get_uint64().get(version) != simdjson::SUCCESS || version != 1) bad(text, "version must be 1");
  const std::pair<const char*, std::uint64_t*> ints[] = {
      {"epoch", &c.epoch}, {"batches", &c.batches}, {"seed", &c.seed}};
  for (auto [key, out] : ints)
    if (o[key].get_uint64().get(*out) != simdjson::SUCCESS)
      bad(text, std::string(key) + " must be a non-negative integer");
  const std::pair<const char*, std::uint64_t*> hashes[] = {{"spec", &c.spec_hash}, {"dataset", &c.dataset_hash}};
  for (auto [key, out] : hashes) {
    std::string_view s;
    if (o[key].get_string().get(s) != simdjson::SUCCESS || s.size() != 16)
      bad(text, std::string(key) + " must be 16 hex digits");
    *out = number(text, s, key, 16);
  }
  return c;
}

}  // namespace

std::string cursor::to_string() const {
  std::ostringstream os;
  os << "imgbatch-cursor/1 epoch=" << epoch << " batches=" << batches << " seed=" << seed
     << " spec=" << hex16(spec_hash) << " dataset=" << hex16(dataset_hash);
  return os.str();
}

std::string cursor::to_json() const {
  std::ostringstream os;
  os << "{\"version\": 1, \"epoch\": " << epoch << ", \"batches\": " << batches << ", \"seed\": " << seed
     << ", \"spec\": \"" << hex16(spec_hash) << "\", \"dataset\": \"" << hex16(dataset_hash) << "\"}";
  return os.str();
}

cursor cursor::parse(std::string_view text) {
  std::size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) bad(text, "empty");
  std::string_view t = text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
  if (t.front() == '{') return parse_json(t);
  constexpr std::string_view magic = "imgbatch-cursor/1";
  if (t.substr(0, magic.size()) != magic) bad(text, "it does not start with " + std::string(magic));
  cursor c;
  const std::pair<std::string_view, std::uint64_t*> fields[] = {{"epoch", &c.epoch},
                                                                {"batches", &c.batches},
                                                                {"seed", &c.seed},
                                                                {"spec", &c.spec_hash},
                                                                {"dataset", &c.dataset_hash}};
  std::string_view rest = t.substr(magic.size());
  for (auto [key, out] : fields) {
    if (rest.empty() || rest.front() != ' ') bad(text, "expected ' " + std::string(key) + "='");
    rest.remove_prefix(1);
    if (rest.substr(0, key.size() + 1) != std::string(key) + "=") bad(text, "expected '" + std::string(key) + "='");
    rest.remove_prefix(key.size() + 1);
    const std::size_t end = std::min(rest.find(' '), rest.size());
    const bool hex = key == "spec" || key == "dataset";
    if (hex && end != 16) bad(text, std::string(key) + " must be 16 hex digits");
    *out = number(text, rest.substr(0, end), key, hex ? 16 : 10);
    rest.remove_prefix(end);
  }
  if (!rest.empty()) bad(text, "unexpected text after dataset=");
  return c;
}

}  // namespace imgbatch
