#pragma once

#include "peers.hpp"

#include <string>
#include <vector>

namespace imgbatch::bench {

/// What one imgbatch-bench run measured, for the --report file.
struct run_report {
  std::string workload;
  int threads = 0, batch_size = 0, epochs = 0;
  double images_per_s = 0, ceiling_images_per_s = 0;
  double read_ms = 0, decode_ms = 0, augment_ms = 0, collate_ms = 0;  ///< worker time per image
  double wait_s = 0;                                                  ///< consumer blocked, timed epochs
  /// Every batch of the timed epochs as it reached the consumer: seconds since the first timed epoch
  /// began and the images delivered so far (cumulative).
  std::vector<std::pair<double, double>> deliveries;
  std::vector<double> epoch_starts;  ///< seconds, same clock
  std::vector<peer_result> peers;
};

/// Writes the report as SVG (`.svg`) or as an HTML page with the same charts and the figures in a table
/// (`.html`): throughput over time (images/s in windows of 1/50 of the run, epoch starts marked, the
/// median as a line), worker time per image by stage, and images/s against the decode ceiling and the
/// peers. Throws std::runtime_error when the file cannot be written or the extension is neither.
void write_report(const std::string& path, const run_report& r);

}  // namespace imgbatch::bench
