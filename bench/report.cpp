#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace imgbatch::bench {
namespace {

std::string fmt(double v, int digits = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

/// A round axis maximum at or above v: 1, 2 or 5 times a power of ten.
double nice_max(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

/// Throughput in equal windows: {window centre (s), images/s}.
std::vector<std::pair<double, double>> windows(const run_report& r) {
  std::vector<std::pair<double, double>> out;
  if (r.deliveries.size() < 2) return out;
  const double end = r.deliveries.back().first;
  const int n = std::max(5, std::min(50, static_cast<int>(r.deliveries.size()) / 4));  // about 4 batches each
  const double w = end / n;
  std::size_t i = 0;
  double before = 0;
  for (int k = 0; k < n; ++k) {
    const double hi = (k + 1) * w;
    double images = before;
    while (i < r.deliveries.size() && r.deliveries[i].first <= hi) images = r.deliveries[i++].second;
    out.emplace_back((k + 0.5) * w, (images - before) / w);
    before = images;
  }
  return out;
}

void throughput_chart(std::ostringstream& s, const run_report& r, double x0, double y0, double w, double h) {
  const auto pts = windows(r);
  double top = r.images_per_s;
  for (const auto& p : pts) top = std::max(top, p.second);
  top = nice_max(top * 1.05);
  const double end = r.deliveries.empty() ? 1 : std::max(1e-9, r.deliveries.back().first);
  auto X = [&](double t) { return x0 + w * t / end; };
  auto Y = [&](double v) { return y0 + h - h * v / top; };
  s << "<text x='" << x0 << "' y='" << y0 - 10
    << "' class='title'>Throughput over the timed epochs (images/s)</text>\n";
  s << "<rect x='" << x0 << "' y='" << y0 << "' width='" << w << "' height='" << h << "' class='frame'/>\n";
  for (int k = 0; k <= 4; ++k) {
    const double v = top * k / 4;
    s << "<line x1='" << x0 << "' x2='" << x0 + w << "' y1='" << Y(v) << "' y2='" << Y(v) << "' class='grid'/>"
      << "<text x='" << x0 - 6 << "' y='" << Y(v) + 4 << "' class='tick' text-anchor='end'>" << fmt(v, 0)
      << "</text>\n";
  }
  for (std::size_t e = 0; e < r.epoch_starts.size(); ++e)
    s << "<line x1='" << X(r.epoch_starts[e]) << "' x2='" << X(r.epoch_starts[e]) << "' y1='" << y0 << "' y2='"
      << y0 + h << "' class='epoch'/><text x='" << X(r.epoch_starts[e]) + 4 << "' y='" << y0 + 14
      << "' class='tick'>epoch " << e + 1 << "</text>\n";
  s << "<line x1='" << x0 << "' x2='" << x0 + w << "' y1='" << Y(r.images_per_s) << "' y2='" << Y(r.images_per_s)
    << "' class='median'/><text x='" << x0 + w - 4 << "' y='" << Y(r.images_per_s) - 5
    << "' class='tick' text-anchor='end'>median of epochs " << fmt(r.images_per_s) << "</text>\n";
  s << "<polyline class='series' points='";
  for (const auto& p : pts) s << fmt(X(p.first), 2) << ',' << fmt(Y(p.second), 2) << ' ';
  s << "'/>\n";
  s << "<text x='" << x0 + w / 2 << "' y='" << y0 + h + 30 << "' class='tick' text-anchor='middle'>seconds ("
    << fmt(end, 2) << " s in all, windows of " << fmt(pts.empty() ? 0 : end / static_cast<double>(pts.size()), 3)
    << " s)</text>\n";
  s << "<text x='" << x0 << "' y='" << y0 + h + 30 << "' class='tick'>0</text>\n";
}

void bars(std::ostringstream& s, const std::string& title, const std::vector<std::pair<std::string, double>>& rows,
          const std::string& unit, double x0, double y0, double w) {
  double top = 0;
  for (const auto& r : rows) top = std::max(top, r.second);
  top = nice_max(top * 1.05);
  s << "<text x='" << x0 << "' y='" << y0 - 10 << "' class='title'>" << escape(title) << "</text>\n";
  const double bar_h = 22, label_w = 190;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y = y0 + static_cast<double>(i) * (bar_h + 8);
    const double len = (w - label_w - 90) * rows[i].second / top;
    s << "<text x='" << x0 + label_w - 8 << "' y='" << y + 16 << "' class='label' text-anchor='end'>"
      << escape(rows[i].first) << "</text><rect x='" << x0 + label_w << "' y='" << y << "' width='" << fmt(len, 2)
      << "' height='" << bar_h << "' class='bar" << i % 6 << "'/><text x='" << x0 + label_w + len + 6 << "' y='"
      << y + 16 << "' class='label'>" << fmt(rows[i].second, unit == "ms" ? 3 : 1) << ' ' << unit << "</text>\n";
  }
}

std::string svg(const run_report& r) {
  std::vector<std::pair<std::string, double>> stages{
      {"read", r.read_ms}, {"decode", r.decode_ms}, {"augment", r.augment_ms}, {"collate", r.collate_ms}};
  std::vector<std::pair<std::string, double>> rates{{"imgbatch", r.images_per_s},
                                                    {"decode ceiling", r.ceiling_images_per_s}};
  for (const auto& p : r.peers)
    if (p.images_per_s > 0) rates.emplace_back(p.name, p.images_per_s);
  const double W = 900, left = 70;
  const double rates_y = 380, stages_y = rates_y + 30 * static_cast<double>(rates.size()) + 60;
  const double H = stages_y + 30 * 4 + 30;
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H << "' viewBox='0 0 " << W << ' ' << H
    << "' font-family='sans-serif'>\n<style>.title{font-size:15px;font-weight:bold}.tick{font-size:11px;fill:#444}"
       ".label{font-size:12px}.frame{fill:none;stroke:#999}.grid{stroke:#ddd}.epoch{stroke:#888;stroke-dasharray:4 3}"
       ".median{stroke:#d62728;stroke-dasharray:6 3}.series{fill:none;stroke:#1f77b4;stroke-width:2}"
       ".bar0{fill:#1f77b4}.bar1{fill:#7f7f7f}.bar2{fill:#ff7f0e}.bar3{fill:#2ca02c}.bar4{fill:#9467bd}"
       ".bar5{fill:#8c564b}</style>\n";
  s << "<rect width='100%' height='100%' fill='white'/>\n";
  s << "<text x='" << left << "' y='24' font-size='18'>imgbatch-bench " << escape(r.workload) << ": " << r.threads
    << " threads, batch " << r.batch_size << ", " << r.epochs << " timed epochs</text>\n";
  s << "<text x='" << left << "' y='46' font-size='15'>" << fmt(r.images_per_s) << " images/s (median of epochs), "
    << fmt(r.ceiling_images_per_s > 0 ? r.images_per_s / r.ceiling_images_per_s : 0, 3)
    << " of the decode ceiling</text>\n";
  throughput_chart(s, r, left, 90, W - left - 30, 220);
  bars(s, "Images/s, this run", rates, "images/s", left - 60, rates_y, W - left);
  bars(s, "Worker time per image, by stage (summed over threads; consumer waited " + fmt(r.wait_s, 3) + " s)", stages,
       "ms", left - 60, stages_y, W - left);
  s << "</svg>\n";
  return s.str();
}

std::string html(const run_report& r) {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>imgbatch-bench " << escape(r.workload)
    << "</title></head>\n<body style='font-family:sans-serif'>\n"
    << svg(r) << "<table border='1' cellpadding='4'>\n";
  auto row = [&](const std::string& k, const std::string& v) {
    s << "<tr><td>" << escape(k) << "</td><td>" << escape(v) << "</td></tr>\n";
  };
  row("workload", r.workload);
  row("threads", std::to_string(r.threads));
  row("images/s (median of epochs)", fmt(r.images_per_s));
  row("decode ceiling, images/s", fmt(r.ceiling_images_per_s));
  row("worker ms/image read, decode, augment, collate",
      fmt(r.read_ms, 3) + ", " + fmt(r.decode_ms, 3) + ", " + fmt(r.augment_ms, 3) + ", " + fmt(r.collate_ms, 4));
  row("consumer waited, s", fmt(r.wait_s, 3));
  for (const auto& p : r.peers)
    row("peer " + p.name, p.images_per_s > 0 ? fmt(p.images_per_s) + " images/s" : "not run: " + p.note);
  s << "</table>\n</body></html>\n";
  return s.str();
}

}  // namespace

void write_report(const std::string& path, const run_report& r) {
  const bool is_svg = path.ends_with(".svg"), is_html = path.ends_with(".html");
  if (!is_svg && !is_html) throw std::runtime_error(path + ": --report writes .svg or .html");
  std::ofstream f(path, std::ios::binary);
  f << (is_svg ? svg(r) : html(r));
  if (!f.flush()) throw std::runtime_error(path + ": cannot write the report");
}

}  // namespace imgbatch::bench
