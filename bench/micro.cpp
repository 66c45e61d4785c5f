// Micro-benchmarks (Google Benchmark) of imgbatch's kernels, one thread each:
//   imgbatch-micro [--benchmark_filter=REGEX] [--benchmark_min_time=0.2]
// decode (full and at 1/2 scale), resize (image bilinear, mask nearest), flip, the image write with
// normalize, color_jitter's fused chain, the plan with boxes, and a flow graph of imgbatch's shape with
// empty bodies (the per-sample cost of the graph itself).
#include <imgbatch/spec.hpp>

#include "collate/batch_layout.hpp"
#include "decode/decoder.hpp"
#include "encode/jpeg_writer.hpp"
#include "target/target.hpp"
#include "transform/color.hpp"
#include "transform/crop_flip.hpp"
#include "transform/normalize.hpp"
#include "transform/plan.hpp"
#include "transform/resize.hpp"
#include "util/file.hpp"

#include <oneapi/tbb/flow_graph.h>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <tuple>

using namespace imgbatch;
using namespace imgbatch::detail;

namespace {

// A smooth, textured photo-like image (JPEG-compressible, not noise).
image photo(int w, int h) {
  image im;
  im.reset(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        im.row(y)[3 * x + c] = static_cast<std::uint8_t>(128 + 60 * std::sin(0.02 * x * (c + 1)) * std::cos(0.015 * y));
  return im;
}

const std::vector<std::uint8_t>& jpeg_bytes(int w, int h) {
  static std::vector<std::uint8_t> bytes;
  if (bytes.empty()) {
    const std::string path =
        (std::filesystem::temp_directory_path() / ("imgbatch-micro-" + std::to_string(getpid()) + ".jpg")).string();
    write_jpeg(path, photo(w, h), 90);
    read_file(path, bytes);
    std::filesystem::remove(path);
  }
  return bytes;
}

void BM_decode_jpeg(benchmark::State& st) {
  const auto& bytes = jpeg_bytes(1024, 768);
  decoder dec;
  image out;
  decode_options opt;
  const int denominator = static_cast<int>(st.range(0));
  for (auto _ : st) {
    const image_header h = dec.read_header(bytes.data(), bytes.size(), opt);
    dec.decode(bytes.data(), bytes.size(), h, pixel_kind::rgb8, opt, out, denominator);
    benchmark::DoNotOptimize(out.pixels.data());
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel("1024x768 JPEG at 1/" + std::to_string(denominator));
}
BENCHMARK(BM_decode_jpeg)->Arg(1)->Arg(2)->Arg(4);

void BM_resize_bilinear(benchmark::State& st) {
  const image src = photo(500, 375);
  image out;
  resize_scratch s;
  const int oh = static_cast<int>(st.range(0)), ow = static_cast<int>(st.range(1));
  for (auto _ : st) {
    resize_bilinear(image_view::of(src), oh, ow, out, s);
    benchmark::DoNotOptimize(out.pixels.data());
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel("500x375 RGB -> " + std::to_string(ow) + "x" + std::to_string(oh));
}
BENCHMARK(BM_resize_bilinear)->Args({256, 256})->Args({384, 512})->Args({200, 266});

void BM_resize_nearest(benchmark::State& st) {
  image mask;
  mask.reset(500, 375, 1);
  for (std::size_t i = 0; i < mask.pixels.size(); ++i) mask.pixels[i] = static_cast<std::uint8_t>(i % 21);
  image out;
  std::vector<int> map;
  for (auto _ : st) {
    resize_nearest(image_view::of(mask), 256, 256, out, map);
    benchmark::DoNotOptimize(out.pixels.data());
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel("500x375 mask -> 256x256");
}
BENCHMARK(BM_resize_nearest);

void BM_flip(benchmark::State& st) {
  const image src = photo(500, 375);
  image out;
  for (auto _ : st) {
    flip(image_view::of(src), true, false, out);
    benchmark::DoNotOptimize(out.pixels.data());
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel("500x375 RGB, left-right");
}
BENCHMARK(BM_flip);

void BM_write_normalize(benchmark::State& st) {
  pipeline_spec spec;
  spec.transforms = {resize_op{.size = size2{256, 256}}, normalize_op{}};
  const op_chain chain = make_chain(spec.transforms);
  const pixel_lut lut = make_lut(chain);
  const target_set targets;
  const batch_layout layout(spec, targets);
  batch_data b;
  layout.init(b);
  batch_shape shape{1, 256, 256, 0};
  layout.shape(b, shape);
  const image src = photo(256, 256);
  exec_result px;
  px.view = image_view::of(src);
  px.fx = st.range(0) != 0;
  for (auto _ : st) {
    layout.write_image(b, 0, px, lut, shape);
    benchmark::DoNotOptimize(b.tensors[0].second.raw());
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(px.fx ? "256x256 -> float32 NCHW, normalized, flipped" : "256x256 -> float32 NCHW, normalized");
}
BENCHMARK(BM_write_normalize)->Arg(0)->Arg(1);

void BM_color_jitter(benchmark::State& st) {
  const image src = photo(400, 300);
  image out;
  const std::array<std::int8_t, 4> bc{0, 1, -1, -1}, all{2, 0, 3, 1};
  const std::array<float, 4> f{1.1f, 0.9f, 1.2f, 0.8f};
  const bool full = st.range(0) != 0;
  const image_view v = image_view::of(src), window = v.sub(50, 20, 256, 256);
  for (auto _ : st) {
    color_chain(v, window, full ? all : bc, f, 12, out);
    benchmark::DoNotOptimize(out.pixels.data());
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(full ? "400x300, all four, 256x256 window" : "400x300, brightness + contrast, 256x256 window");
}
BENCHMARK(BM_color_jitter)->Arg(0)->Arg(1);

void BM_plan_boxes(benchmark::State& st) {
  const op_chain chain = make_chain({hflip_op{0.5}, letterbox_op{{512, 512}, {114, 114, 114}}, normalize_op{}});
  sample_plan p;
  std::uint64_t pos = 0;
  for (auto _ : st) {
    p.boxes.clear();
    for (int i = 0; i < 20; ++i)
      p.boxes.push({10.0 + i, 20.0 + i, 100.0 + 2 * i, 80.0 + 3 * i}, static_cast<std::uint32_t>(i));
    benchmark::DoNotOptimize(plan_sample(chain, {0, 0, pos++}, 480, 640, p));
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel("hflip + letterbox 512, 20 boxes");
}
BENCHMARK(BM_plan_boxes);

// A flow graph of imgbatch's shape (split, plan, gate, decode, augment, collate, sequencer, deliver)
// with empty bodies: batches of 32 samples, 4 buffers in flight. Items are samples.
void BM_graph_empty_bodies(benchmark::State& st) {
  namespace flow = oneapi::tbb::flow;
  constexpr int batch = 32, batches = 64, buffers = 4;
  struct buf {
    int index = 0;
    std::atomic<int> planned{0}, done{0};
    int slots[batch];
  };
  for (auto _ : st) {
    flow::graph g;
    std::vector<std::unique_ptr<buf>> pool(buffers);
    int next = 0;
    using slot = std::pair<buf*, int>;
    flow::multifunction_node<buf*, std::tuple<slot, buf*>> split(g, flow::serial, [&](buf* b, auto& ports) {
      if (next >= batches) return;
      b->index = next++;
      b->planned = batch;
      b->done = batch;
      for (int i = 0; i < batch; ++i) std::get<0>(ports).try_put({b, i});
    });
    auto pass = [](slot s) { return s; };
    flow::function_node<slot, slot> plan(g, flow::unlimited, pass), decode(g, flow::unlimited, pass),
        augment(g, flow::unlimited, pass);
    flow::multifunction_node<slot, std::tuple<slot>> gate(g, flow::unlimited, [](slot s, auto& ports) {
      if (s.first->planned.fetch_sub(1) != 1) return;
      for (int i = 0; i < batch; ++i) std::get<0>(ports).try_put({s.first, i});
    });
    flow::multifunction_node<slot, std::tuple<buf*>> collate(g, flow::unlimited, [](slot s, auto& ports) {
      if (s.first->done.fetch_sub(1) == 1) std::get<0>(ports).try_put(s.first);
    });
    flow::sequencer_node<buf*> seq(g, [](buf* const& b) { return static_cast<std::size_t>(b->index); });
    flow::function_node<buf*, flow::continue_msg> deliver(g, flow::serial, [&](buf* b) {
      split.try_put(b);  // consumed at once: the buffer goes back as a token
      return flow::continue_msg{};
    });
    flow::make_edge(flow::output_port<0>(split), plan);
    flow::make_edge(flow::output_port<1>(split), seq);
    flow::make_edge(plan, gate);
    flow::make_edge(flow::output_port<0>(gate), decode);
    flow::make_edge(decode, augment);
    flow::make_edge(augment, collate);
    flow::make_edge(flow::output_port<0>(collate), seq);
    flow::make_edge(seq, deliver);
    for (auto& b : pool) {
      b = std::make_unique<buf>();
      split.try_put(b.get());
    }
    g.wait_for_all();
  }
  st.SetItemsProcessed(st.iterations() * batch * batches);
  st.SetLabel("per sample: 64 batches of 32 through 8 nodes");
}
BENCHMARK(BM_graph_empty_bodies)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
