// imgbatch-bench SPEC [--epochs E] [--threads T] [--data DIR] [--json] [--index-only]
//                     [--compare opencv,torch] [--peers DIR] [--report FILE.svg|FILE.html]
//                     [--sources folder,shards,http]
// One warm-up epoch, then E timed epochs; images/s (median over epochs), decoded megapixels/s, per-stage
// worker time, heap allocations per batch, the first batch's latency, peak RSS, and the decode ceiling of
// the same files measured in this same run. The time to build the loader (index the dataset) is
// reported too; --index-only stops after it. --compare runs the peers of ../shared/bench (peer_opencv,
// built beside it, and peer_torch.py) on the same data, workload and thread count, after imgbatch, and
// prints their images/s and imgbatch's ratio to each. --report writes the run as charts (report.hpp). On a
// terminal, a progress line on stderr shows the epoch and batch.
#include <imgbatch/imgbatch.hpp>

#include "alloc_counter.hpp"
#include "dataset/dataset.hpp"
#include "decode_ceiling.hpp"
#include "peers.hpp"
#include "sources.hpp"
#include "report.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace imgbatch;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// The consumer only touches each batch, as a trainer's first read would.
volatile double sink;
void touch(const batch& b) {
  // Names are the same for every batch: read once, so the consumer itself allocates nothing per batch.
  static const std::vector<std::string> names = [&] {
    std::vector<std::string> v;
    for (auto n : b.names()) v.emplace_back(n);
    return v;
  }();
  double s = 0;
  for (const std::string& name : names) {
    const tensor& t = b[name];
    const auto* p = static_cast<const unsigned char*>(t.raw());
    if (t.nbytes()) s += p[0] + p[t.nbytes() - 1];
  }
  sink = s;
}

[[noreturn]] void usage() {
  std::fputs(
      "usage: imgbatch-bench SPEC [--epochs E] [--threads T] [--data DIR] [--json] [--index-only]\n"
      "                           [--compare opencv,torch] [--peers DIR] [--report FILE.svg|FILE.html]\n"
      "                           [--sources folder,shards,http]\n",
      stderr);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  std::string spec_path = argv[1], data_dir, compare, peers_dir = "../shared/bench", report_path, sources;
  int epochs = 3, threads = -1;
  bool json = false, index_only = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--epochs") epochs = std::max(1, std::atoi(value().c_str()));
    else if (a == "--threads") threads = std::atoi(value().c_str());
    else if (a == "--data") data_dir = value();
    else if (a == "--json") json = true;
    else if (a == "--index-only") index_only = true;
    else if (a == "--compare") compare = value();
    else if (a == "--peers") peers_dir = value();
    else if (a == "--report") report_path = value();
    else if (a == "--sources") sources = value();
    else usage();
  }
  try {
    pipeline_spec spec = pipeline_spec::from_file(spec_path);
    if (!data_dir.empty()) spec.base_dir = data_dir;
    if (threads >= 0) spec.loader.threads = threads;
    const int used_threads =
        spec.loader.threads > 0 ? spec.loader.threads : static_cast<int>(std::thread::hardware_concurrency());

    if (!sources.empty()) {
      // Where the samples come from, side by side; the workload's other figures are not measured then.
      const auto rates = bench::run_sources(spec, sources, epochs);
      const double base = rates.empty() ? 0 : rates.front().images_per_s;
      std::printf("workload %s, %d threads, %d timed epochs after 1 warm-up, sources in turn:\n",
                  std::filesystem::path(spec_path).stem().string().c_str(), used_threads, epochs);
      for (const auto& r : rates) {
        if (!r.note.empty()) {
          std::printf("  %-8s not run: %s\n", r.name.c_str(), r.note.c_str());
          continue;
        }
        std::printf("  %-8s %8.1f images/s (median; epochs:", r.name.c_str(), r.images_per_s);
        for (double e : r.epochs) std::printf(" %.1f", e);
        std::printf(")  %.3f x %s\n", base > 0 ? r.images_per_s / base : 0, rates.front().name.c_str());
      }
      return 0;
    }
    const auto t_index = std::chrono::steady_clock::now();
    loader l(spec);
    const double index_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_index).count();
    if (index_only) {
      const double rss = peak_rss_mib();
      if (json)
        std::printf("{\"index_s\": %.3f, \"samples\": %zu, \"peak_rss_mib\": %.1f}\n", index_s, l.dataset_size(), rss);
      else
        std::printf("indexed %zu samples in %.3f s (loader construction), peak RSS %.1f MiB\n", l.dataset_size(),
                    index_s, rss);
      return 0;
    }
    std::vector<double> first_batch_s;  // from asking for an epoch to holding its first batch
    // Allocations between an epoch's first batch and its end (steady state), and over the batches there.
    std::uint64_t steady_allocs = 0, steady_batches = 0;
    // For --report: each timed batch's arrival and the images so far (reserved: no allocation per batch).
    bench::run_report report;
    report.deliveries.reserve(l.size() * static_cast<std::size_t>(epochs) + 1);
    std::chrono::steady_clock::time_point t_timed{};
    double delivered = 0;
    const bool progress = isatty(STDERR_FILENO) != 0;
    auto last_progress = std::chrono::steady_clock::now();
    auto run_epoch = [&](std::uint64_t e) {
      l.set_epoch(e);
      std::size_t n = 0;
      const auto t0 = std::chrono::steady_clock::now();
      if (e > 0) report.epoch_starts.push_back(std::chrono::duration<double>(t0 - t_timed).count());
      // Steady state: from holding the epoch's second batch to holding its last (the graph is built
      // while the first is made, and torn down after the last).
      std::uint64_t at_second = 0, at_last = 0, batches_seen = 0;
      for (const batch& b : l) {
        if (batches_seen == 0)
          first_batch_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        if (batches_seen == 1) at_second = bench::allocations();
        at_last = bench::allocations();
        touch(b);
        n += b.size();
        ++batches_seen;
        const auto now = std::chrono::steady_clock::now();
        if (e > 0) {
          delivered += static_cast<double>(b.size());
          report.deliveries.emplace_back(std::chrono::duration<double>(now - t_timed).count(), delivered);
        }
        if (progress && now - last_progress > std::chrono::milliseconds(200)) {
          last_progress = now;
          std::fprintf(stderr, "\r  %s epoch %llu/%d, batch %llu/%zu ", e == 0 ? "warm-up" : "timed",
                       static_cast<unsigned long long>(e), epochs, static_cast<unsigned long long>(batches_seen),
                       l.size());
        }
      }
      if (batches_seen > 2) {
        steady_allocs += at_last - at_second;
        steady_batches += batches_seen - 2;
      }
      return std::pair{n, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
    };
    run_epoch(0);  // warm-up: page cache, thread pool, buffers at full size
    t_timed = std::chrono::steady_clock::now();
    first_batch_s.clear();
    steady_allocs = steady_batches = 0;
    const loader_stats before = l.stats();
    const std::uint64_t allocs_before = bench::allocations();
    std::vector<double> rates, mpx;
    std::size_t samples = 0;
    for (int e = 1; e <= epochs; ++e) {
      const loader_stats s0 = l.stats();
      auto [n, dt] = run_epoch(static_cast<std::uint64_t>(e));
      const loader_stats s1 = l.stats();
      rates.push_back(static_cast<double>(n) / dt);
      mpx.push_back(static_cast<double>(s1.decoded_pixels - s0.decoded_pixels) * 1e-6 / dt);
      samples += n;
    }
    const loader_stats after = l.stats();
    const std::uint64_t allocs = bench::allocations() - allocs_before;
    if (progress) std::fprintf(stderr, "\r%60s\r", "");
    const double loader_rss = peak_rss_mib();  // before the ceiling measurement loads every file
    const double per = samples ? 1e3 / static_cast<double>(samples) : 0;
    const double read_ms = (after.read_s - before.read_s) * per, decode_ms = (after.decode_s - before.decode_s) * per,
                 augment_ms = (after.augment_s - before.augment_s) * per,
                 collate_ms = (after.collate_s - before.collate_s) * per;

    std::vector<std::vector<std::string>> files;
    for (const auto& r : detail::build_index(spec).records) {
      files.emplace_back();
      for (const auto& f : r.files) files.back().push_back(f.name);
    }
    const double one_core = bench::decode_rate_one_core(files, 3);
    const double ceiling = one_core * used_threads;
    const double ips = median(rates);
    const std::string name = std::filesystem::path(spec_path).stem().string();
    const double batches = static_cast<double>(after.batches - before.batches);
    const double allocs_per_batch = batches > 0 ? static_cast<double>(allocs) / batches : 0;
    const double steady_allocs_per_batch =
        steady_batches > 0 ? static_cast<double>(steady_allocs) / static_cast<double>(steady_batches) : 0;
    const double batch_s = batches > 0 ? static_cast<double>(samples) / ips / batches : 0;  // steady state
    const double first_s = median(first_batch_s);
    std::vector<bench::peer_result> peers;
    if (!compare.empty())
      peers =
          bench::run_peers(compare, peers_dir, std::filesystem::read_symlink("/proc/self/exe").parent_path().string(),
                           data_dir.empty() ? std::filesystem::path(spec_path).parent_path().string() : data_dir, name,
                           used_threads, epochs);
    if (!report_path.empty()) {
      report.workload = name;
      report.threads = used_threads;
      report.batch_size = spec.batch.size;
      report.epochs = epochs;
      report.images_per_s = ips;
      report.ceiling_images_per_s = ceiling;
      report.read_ms = read_ms;
      report.decode_ms = decode_ms;
      report.augment_ms = augment_ms;
      report.collate_ms = collate_ms;
      report.wait_s = after.wait_s - before.wait_s;
      report.peers = peers;
      bench::write_report(report_path, report);
    }
    if (json) {
      std::printf(
          "{\"workload\": \"%s\", \"images_per_s\": %.1f, \"megapixels_per_s\": %.1f, \"epochs\": %d, \"threads\": %d, "
          "\"batch_size\": %d, \"epoch_images_per_s\": [",
          name.c_str(), ips, median(mpx), epochs, used_threads, spec.batch.size);
      for (std::size_t i = 0; i < rates.size(); ++i) std::printf("%s%.1f", i ? ", " : "", rates[i]);
      std::printf(
          "], \"decode_ceiling_images_per_s\": %.1f, \"decode_one_core_images_per_s\": %.1f, "
          "\"ratio_to_ceiling\": %.3f, "
          "\"stage_ms_per_image\": {\"read\": %.3f, \"decode\": %.3f, \"augment\": %.3f, \"collate\": %.4f}, "
          "\"consumer_wait_s\": %.3f, \"peak_rss_mib\": %.1f, \"index_s\": %.3f, \"allocations_per_batch\": %.1f, \"steady_allocations_per_batch\": %.2f, "
          "\"first_batch_s\": %.4f, \"steady_batch_s\": %.4f, \"peers\": [",
          ceiling, one_core, ips / ceiling, read_ms, decode_ms, augment_ms, collate_ms, after.wait_s - before.wait_s,
          loader_rss, index_s, allocs_per_batch, steady_allocs_per_batch, first_s, batch_s);
      for (std::size_t i = 0; i < peers.size(); ++i)
        std::printf("%s{\"peer\": \"%s\", \"images_per_s\": %.1f, \"ratio\": %.3f, \"note\": \"%s\"}", i ? ", " : "",
                    peers[i].name.c_str(), peers[i].images_per_s,
                    peers[i].images_per_s > 0 ? ips / peers[i].images_per_s : 0.0, peers[i].note.c_str());
      std::printf("]}\n");
    } else {
      std::printf("workload %s: %zu samples/epoch, batch %d, %d threads, %d timed epochs after 1 warm-up\n",
                  name.c_str(), samples / static_cast<std::size_t>(epochs), spec.batch.size, used_threads, epochs);
      std::printf("  images/s         %10.1f  (median; epochs:", ips);
      for (double r : rates) std::printf(" %.1f", r);
      std::printf(")\n  megapixels/s     %10.1f  (decoded source pixels)\n", median(mpx));
      std::printf("  decode ceiling   %10.1f  images/s (%d x %.1f single-thread full decode, files in memory)\n",
                  ceiling, used_threads, one_core);
      std::printf("  ratio to ceiling %10.3f\n", ips / ceiling);
      std::printf("  worker ms/image  read %.3f  decode %.3f  augment %.3f  collate %.4f\n", read_ms, decode_ms,
                  augment_ms, collate_ms);
      std::printf("  consumer waited  %10.3f s\n  peak RSS         %10.1f MiB (loader run)\n",
                  after.wait_s - before.wait_s, loader_rss);
      std::printf(
          "  allocations      %10.2f  per batch from an epoch's second batch to its last; %.1f per batch with each "
          "epoch's start (operator new)\n",
          steady_allocs_per_batch, allocs_per_batch);
      std::printf("  first batch      %10.1f ms after set_epoch (median), %.2f x a steady-state batch (%.1f ms)\n",
                  first_s * 1e3, batch_s > 0 ? first_s / batch_s : 0.0, batch_s * 1e3);
      std::printf("  index built in   %10.3f s\n", index_s);
      for (const auto& p : peers) {
        if (p.images_per_s > 0)
          std::printf("  peer %-22s %8.1f images/s: imgbatch is %.2fx\n", p.name.c_str(), p.images_per_s,
                      ips / p.images_per_s);
        else std::printf("  peer %-22s not run: %s\n", p.name.c_str(), p.note.c_str());
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imgbatch-bench: %s\n", e.what());
    return 1;
  }
}
