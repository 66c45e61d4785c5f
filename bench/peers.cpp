#include "peers.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>

namespace imgbatch::bench {
namespace {

std::string quote(const std::string& s) {
  std::ostringstream os;
  os << '\'';
  for (char c : s) {
    if (c == '\'') os << "'\\''";
    else os << c;
  }
  os << '\'';
  return os.str();
}

// Runs a command; returns images_per_s from the JSON line it prints for `workload`, or 0 and a note.
peer_result run(const std::string& name, const std::string& command, const std::string& workload) {
  peer_result r{name, 0, ""};
  std::ostringstream cmd;
  cmd << command << " 2>&1";
  FILE* p = popen(cmd.str().c_str(), "r");
  if (!p) {
    r.note = "cannot start: " + command;
    return r;
  }
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::ostringstream key;
    key << "\"workload\": \"" << workload << '"';
    if (line.find(key.str()) == std::string::npos) continue;
    const auto at = line.find("\"images_per_s\": ");
    if (at == std::string::npos) continue;
    r.images_per_s = std::strtod(line.c_str() + at + 16, nullptr);
  }
  if (r.images_per_s <= 0) {
    std::string tail = out.size() > 300 ? out.substr(out.size() - 300) : out;
    for (char& c : tail)
      if (c == '\n' || c == '"') c = ' ';
    std::ostringstream note;
    note << "exit status " << status << ": " << tail;
    r.note = note.str();
  }
  return r;
}

}  // namespace

std::vector<peer_result> run_peers(const std::string& list, const std::string& dir, const std::string& build_dir,
                                   const std::string& data, const std::string& workload, int threads, int epochs) {
  namespace fs = std::filesystem;
  std::vector<peer_result> out;
  std::istringstream names(list);
  std::string name;
  while (std::getline(names, name, ',')) {
    std::ostringstream common_os;
    common_os << ' ' << quote(data) << " --workloads " << workload << " --epochs " << epochs;
    const std::string common = common_os.str();
    if (name == "opencv") {
      fs::path bin = fs::path(dir) / "peer_opencv";
      if (!fs::exists(bin)) bin = fs::path(build_dir) / "peer_opencv";
      if (!fs::exists(bin)) {
        std::ostringstream note;
        note << "peer_opencv is neither in " << dir << " nor in " << build_dir
             << " (CMake builds it there when Debian's libopencv-dev is installed)";
        out.push_back({"opencv", 0, note.str()});
        continue;
      }
      std::ostringstream label, cmd;
      label << "opencv (area, " << threads << " threads)";
      cmd << quote(bin.string()) << common << " --threads " << threads;
      out.push_back(run(label.str(), cmd.str(), workload));
    } else if (name == "torch") {
      const fs::path script = fs::path(dir) / "peer_torch.py";
      if (!fs::exists(script)) {
        out.push_back({"torch", 0, "peer_torch.py not found in " + dir});
        continue;
      }
      std::ostringstream label, cmd;
      label << "torch (PIL, " << threads << " workers)";
      cmd << "/usr/bin/python3 " << quote(script.string()) << common << " --workers " << threads;
      out.push_back(run(label.str(), cmd.str(), workload));
    } else {
      out.push_back({name, 0, "unknown peer (opencv, torch)"});
    }
  }
  return out;
}

}  // namespace imgbatch::bench
