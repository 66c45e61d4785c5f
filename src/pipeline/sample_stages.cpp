#include "pipeline/sample_stages.hpp"

#include "decode/decoder.hpp"
#include "transform/execute.hpp"
#include "util/file.hpp"

#include <array>
#include <chrono>
#include <cstring>
#include <new>

namespace imgbatch::detail {
namespace {

using clock_type = std::chrono::steady_clock;

struct timer {
  std::atomic<std::uint64_t>& sink;
  clock_type::time_point start = clock_type::now();
  ~timer() {
    sink.fetch_add(static_cast<std::uint64_t>(
                       std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - start).count()),
                   std::memory_order_relaxed);
  }
};

// Per worker thread: the libjpeg handle and transform scratch stay warm across samples.
thread_local decoder tls_decoder;
thread_local exec_scratch tls_scratch;

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

void augment_sample(const stage_context& ctx, sample_slot& s) noexcept;

}  // namespace

std::string check_mask_values(const image& m, const mask_target& t) {
  auto bad = [&](unsigned v, std::size_t at) {
    const int x = static_cast<int>(at % static_cast<std::size_t>(m.width)),
              y = static_cast<int>(at / static_cast<std::size_t>(m.width));
    return "mask value " + std::to_string(v) + " at x=" + std::to_string(x) + ", y=" + std::to_string(y) +
           " is not a class id (num_classes " + std::to_string(t.num_classes) + ", ignore_index " +
           std::to_string(t.ignore_index) + ")";
  };
  auto ok = [&](unsigned v) {
    return v < static_cast<unsigned>(t.num_classes) || static_cast<int>(v) == t.ignore_index;
  };
  const std::size_t n = m.pixel_count();
  if (m.sample_bytes == 1) {
    std::array<bool, 256> seen{};
    const std::uint8_t* p = m.pixels.data();
    for (std::size_t i = 0; i < n; ++i) seen[p[i]] = true;
    for (unsigned v = 0; v < 256; ++v)
      if (seen[v] && !ok(v))
        for (std::size_t i = 0; i < n; ++i)
          if (p[i] == v) return bad(v, i);
  } else {
    const auto* p = reinterpret_cast<const std::uint16_t*>(m.pixels.data());
    for (std::size_t i = 0; i < n; ++i)
      if (!ok(p[i])) return bad(p[i], i);
  }
  return {};
}

void finish_sample(const stage_context& ctx, sample_slot& s) noexcept { ctx.workspaces->release(std::move(s.work)); }

void stage_read(const stage_context& ctx, sample_slot& s) noexcept {
  timer t{ctx.counters->read_ns};
  try {
    if (!s.work) s.work = ctx.workspaces->acquire();
    sample_workspace& w = *s.work;
    if (auto why = read_file(s.record->image, w.image_bytes); !why.empty()) return s.fail(s.record->image, why);
    if (!s.record->mask.empty())
      if (auto why = read_file(s.record->mask, w.mask_bytes); !why.empty()) return s.fail(s.record->mask, why);
  } catch (const std::bad_alloc&) {
    s.fail(s.record->image, "out of memory while reading");
  } catch (const std::exception& e) {
    s.fail(s.record->image, e.what());
  }
}

void stage_decode(const stage_context& ctx, sample_slot& s) noexcept {
  if (s.failed) return;
  timer t{ctx.counters->decode_ns};
  const std::string* current = &s.record->image;
  try {
    decoder& dec = tls_decoder;
    sample_workspace& w = *s.work;
    s.header = dec.read_header(w.image_bytes.data(), w.image_bytes.size(), ctx.decode);
    const int h = s.header.oriented_height(), wd = s.header.oriented_width();
    // The plan is made from the header alone, before any pixel is decoded.
    if (auto why = plan_sample(*ctx.chain, ctx.seed, ctx.epoch, s.record->id, h, wd, s.plan); !why.empty())
      return s.fail(s.record->image, why);
    s.plan.geometry.exif_orientation = s.header.orientation;
    dec.decode(w.image_bytes.data(), w.image_bytes.size(), s.header, pixel_kind::rgb8, ctx.decode, w.pixels);
    ctx.counters->decoded_pixels.fetch_add(w.pixels.pixel_count(), std::memory_order_relaxed);
    if (!s.record->mask.empty()) {
      current = &s.record->mask;
      decode_options mopt = ctx.decode;
      mopt.apply_exif = false;
      dec.decode(w.mask_bytes.data(), w.mask_bytes.size(), pixel_kind::index, mopt, w.mask);
      if (w.mask.width != w.pixels.width || w.mask.height != w.pixels.height)
        return s.fail(s.record->mask, "mask is " + size_text(w.mask.width, w.mask.height) + " but its image " +
                                          s.record->image + " is " + size_text(w.pixels.width, w.pixels.height) +
                                          (s.header.orientation != 1 ? " after EXIF orientation" : ""));
      if (auto why = check_mask_values(w.mask, *ctx.layout->mask()); !why.empty()) return s.fail(s.record->mask, why);
    }
  } catch (const decode_failure& e) {
    s.fail(*current, e.what());
  } catch (const std::bad_alloc&) {
    s.fail(*current, "out of memory while decoding");
  } catch (const std::exception& e) {
    s.fail(*current, e.what());
  }
}

void stage_augment(const stage_context& ctx, sample_slot& s) noexcept {
  if (s.failed) return finish_sample(ctx, s);
  timer t{ctx.counters->augment_ns};
  augment_sample(ctx, s);
  finish_sample(ctx, s);
}

namespace {
void augment_sample(const stage_context& ctx, sample_slot& s) noexcept {
  try {
    batch_buffer& b = *s.owner;
    const sample_plan& plan = s.plan;
    {
      std::lock_guard lock(b.shape_mutex);
      if (!b.shaped) {
        ctx.layout->shape(b.data, b.data.size, plan.out_h, plan.out_w);
        b.shaped = true;
        b.height = plan.out_h;
        b.width = plan.out_w;
      } else if (b.height != plan.out_h || b.width != plan.out_w) {
        return s.fail(s.record->image, "output is " + size_text(plan.out_w, plan.out_h) + " but this batch is " +
                                           size_text(b.width, b.height) +
                                           "; samples of one batch must share a size: end the transforms with a "
                                           "fixed-size resize or crop");
      }
    }
    exec_scratch& scratch = tls_scratch;
    const std::uint8_t zero[3] = {0, 0, 0};
    const sample_workspace& w = *s.work;
    exec_result px = run_plan(plan, image_view::of(w.pixels), resample::bilinear, zero, scratch);
    ctx.layout->write_image(b.data, s.index, px, *ctx.lut);
    if (ctx.layout->has_mask()) {
      const int ignore = ctx.layout->mask()->ignore_index;
      const std::uint16_t fill16 = static_cast<std::uint16_t>(ignore < 0 ? 0 : ignore);
      std::uint8_t fill[2];
      if (w.mask.sample_bytes == 2) std::memcpy(fill, &fill16, 2);
      else fill[0] = static_cast<std::uint8_t>(fill16 > 255 ? 0 : fill16);
      exec_result m = run_plan(plan, image_view::of(w.mask), resample::nearest, fill, scratch);
      ctx.layout->write_mask(b.data, s.index, m);
    }
    sample_info& info = b.data.samples[s.index];
    info.id = s.record->id;
    info.image_path = s.record->image;
    info.mask_path = s.record->mask;
    info.geometry = plan.geometry;
  } catch (const std::bad_alloc&) {
    s.fail(s.record->image, "out of memory while transforming");
  } catch (const std::exception& e) {
    s.fail(s.record->image, e.what());
  }
}

}  // namespace

}  // namespace imgbatch::detail
