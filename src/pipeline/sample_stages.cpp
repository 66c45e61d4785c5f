#include "pipeline/sample_stages.hpp"

#include <imgbatch/error.hpp>

#include "decode/decoder.hpp"
#include "transform/execute.hpp"

#include <algorithm>
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

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

sample_view view_of(const stage_context& ctx, const sample_slot& s) {
  return {*s.record, *ctx.index, s.header, s.plan, ctx.decode, ctx.frame, &ctx.counters->largest_file, *ctx.source};
}

const char* doing(sample_stage st) noexcept {
  switch (st) {
    case sample_stage::read:
      return "reading";
    case sample_stage::decode:
      return "decoding";
    case sample_stage::augment:
      return "transforming";
    default:
      return "planning";
  }
}

// Runs f, turning any exception into the slot's failure at stage `where` (which f may advance), naming
// `file` unless a target names its own; the exception is kept as the failure's cause.
template <class F>
void guarded(sample_slot& s, const std::string& file, const sample_stage& where, F&& f) noexcept {
  try {
    f();
  } catch (const target_failure& e) {
    s.fail(where, e.file(), e.what(), std::current_exception());
  } catch (const decode_failure& e) {
    s.fail(where, file, e.what(), std::current_exception());
  } catch (const std::bad_alloc&) {
    s.fail_with(
        where, file, [&] { return std::string("out of memory while ") + doing(where); }, std::current_exception());
  } catch (const std::exception& e) {
    s.fail(where, file, e.what(), std::current_exception());
  }
}

// The size the annotations declare must be the size of the frame they are in.
std::string check_declared_size(const stage_context& ctx, const sample_slot& s) {
  const sample_record& r = *s.record;
  if (r.width <= 0 || r.height <= 0) return {};
  const image_header& h = s.header;
  const bool oriented = ctx.decode.apply_exif;
  const bool stored = ctx.frame == annotation_frame::stored;
  const annotation_space a = annotation_space_of(h, ctx.decode, ctx.frame);
  const int fw = a.width, fh = a.height;
  if (r.width == fw && r.height == fh) return {};
  std::string why = "the annotations (" + r.annotation_file + ") give its size as " + size_text(r.width, r.height) +
                    " but the image is " + size_text(fw, fh) +
                    (stored                           ? " as stored"
                     : oriented && h.orientation != 1 ? " after EXIF orientation"
                                                      : "");
  if (r.width == fh && r.height == fw && h.orientation >= 5) {
    why += "; the swapped size matches: its EXIF orientation " + std::to_string(h.orientation) +
           " turns it by 90 degrees. ";
    why += oriented ? "If the annotations were made on the stored pixels, set decode.exif to \"ignore\", or "
                      "dataset.annotation_frame to \"stored\" to turn the boxes with the image"
                    : "Set decode.exif to \"apply\" if the annotations were made on the upright image";
  }
  return why;
}

// The sample's boxes in the frame of the decoded image.
void initial_boxes(const stage_context& ctx, const sample_slot& s, box_set& out) {
  out.clear();
  const sample_record& r = *s.record;
  const image_header& h = s.header;
  const annotation_space space = annotation_space_of(h, ctx.decode, ctx.frame);
  const double fw = space.width, fh = space.height;
  const auto anns = ctx.index->annotations_of(r);
  for (std::size_t i = 0; i < anns.size(); ++i) {
    const annotation& a = anns[i];
    if (a.flags & annotation::region_only) continue;
    std::array<double, 4> b{a.x1, a.y1, a.x2, a.y2};
    if (r.normalized) b = {b[0] * fw, b[1] * fh, b[2] * fw, b[3] * fh};
    if (space.orient) b = orient_box(h.orientation, h.width, h.height, b);
    out.push(b, static_cast<std::uint32_t>(i));
  }
}

// decode.plan fast: Pillow's draft choice for the first resize (after flips), in the stored frame.
int draft_denominator(const image_header& h, const decode_options& opt, const sample_plan& plan) {
  if (h.format != image_format::jpeg) return 1;
  for (const plan_step& st : plan.steps) {
    if (st.kind == plan_step::hflip || st.kind == plan_step::vflip) continue;
    if (st.kind != plan_step::resize) return 1;
    const bool swapped = opt.apply_exif && h.orientation >= 5;
    const int out_w = swapped ? st.out_h : st.out_w, out_h = swapped ? st.out_w : st.out_h;
    const int scale = std::min(h.width / out_w, h.height / out_h);
    for (int a : {8, 4, 2})
      if (scale >= a) return a;
    return 1;
  }
  return 1;
}

}  // namespace

void finish_sample(const stage_context& ctx, sample_slot& s) noexcept { ctx.workspaces->release(std::move(s.work)); }

void stage_plan(const stage_context& ctx, sample_slot& s) noexcept {
  timer t{ctx.counters->read_ns};
  const std::string& file = s.record->image();
  sample_stage where = sample_stage::read;
  guarded(s, file, where, [&] {
    if (ctx.quarantined && !ctx.quarantined->empty())
      if (auto q = ctx.quarantined->find(s.record->id); q != ctx.quarantined->end())
        return s.fail(where, q->second.file, "listed in loader.quarantine (" + q->second.reason + "): not read");
    if (auto why = ctx.source->read(*s.record, file_role::image, s.image_bytes,
                                    {ctx.decode.max_file_bytes, &ctx.counters->largest_file});
        !why.empty())
      return s.fail(where, file, why);
    s.text_bytes.clear();
    if (const sample_file* text = s.record->find(file_role::text))
      if (auto why = ctx.source->fetch(*s.record, *text, s.text_bytes, {ctx.decode.max_file_bytes, nullptr});
          !why.empty())
        return s.fail(where, text->name, why);
    where = sample_stage::decode;  // the header: the decoder refuses a corrupt one
    s.header = ctx.threads->local().dec.read_header(s.image_bytes.data(), s.image_bytes.size(), ctx.decode);
    where = sample_stage::annotations;
    if (auto why = check_declared_size(ctx, s); !why.empty()) return s.fail(where, file, why);
    where = sample_stage::plan;
    const int h = s.header.decoded_height(ctx.decode.apply_exif), w = s.header.decoded_width(ctx.decode.apply_exif);
    if (ctx.targets->wants_boxes) initial_boxes(ctx, s, s.plan.boxes);
    else s.plan.boxes.clear();
    const boxes_target* bt = ctx.targets->boxes;
    if (auto why = plan_sample(*ctx.chain, {ctx.seed, ctx.epoch, s.position}, h, w, s.plan, bt ? bt->min_size : 0,
                               bt ? bt->min_visibility : 0, ctx.decode.max_pixels);
        !why.empty())
      return s.fail(where, file, why);
    s.plan.geometry.exif_orientation = ctx.decode.apply_exif ? s.header.orientation : 1;
    s.jpeg_denominator = ctx.decode.plan == decode_plan::fast ? draft_denominator(s.header, ctx.decode, s.plan) : 1;
  });
}

void shape_batch(const stage_context& ctx, batch_buffer& b) noexcept {
  const std::size_t n = b.data.size;
  const sample_slot* first = nullptr;
  for (std::size_t i = 0; i < n && !first; ++i)
    if (!b.slots[i].failed) first = &b.slots[i];
  batch_shape shape;
  shape.n = n;
  if (first) {
    if (ctx.pad && ctx.pad->to) {
      shape.height = (*ctx.pad->to)[0];
      shape.width = (*ctx.pad->to)[1];
    } else {
      shape.height = first->plan.out_h;
      shape.width = first->plan.out_w;
    }
    for (std::size_t i = 0; i < n; ++i) {
      sample_slot& s = b.slots[i];
      if (s.failed) continue;
      const int h = s.plan.out_h, w = s.plan.out_w;
      if (ctx.pad && !ctx.pad->to) {
        shape.height = std::max(shape.height, h);
        shape.width = std::max(shape.width, w);
      } else if (ctx.pad && (h > shape.height || w > shape.width)) {
        s.fail_with(sample_stage::batch, s.record->image(), [&] {
          return "output is " + size_text(w, h) + ", larger than batch.pad.to " + size_text(shape.width, shape.height);
        });
      } else if (!ctx.pad && (h != shape.height || w != shape.width)) {
        s.fail_with(sample_stage::batch, s.record->image(), [&] {
          return "output is " + size_text(w, h) + " but this batch is " + size_text(shape.width, shape.height) +
                 " (its first sample, " + first->record->image() +
                 "); samples of one batch must share a size: end the transforms with a fixed-size resize or crop, or "
                 "set batch.pad";
        });
      }
    }
    if (ctx.pad) {
      const int d = ctx.pad->divisor;
      shape.height = (shape.height + d - 1) / d * d;
      shape.width = (shape.width + d - 1) / d * d;
    }
    if (ctx.targets->boxes && ctx.targets->boxes->max_boxes > 0) {
      shape.max_boxes = static_cast<std::size_t>(ctx.targets->boxes->max_boxes);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        const sample_slot& s = b.slots[i];
        if (s.failed) continue;
        for (const auto& t : ctx.targets->list)
          shape.max_boxes = std::max(shape.max_boxes, t->box_count(view_of(ctx, s)));
      }
    }
  }
  b.shape = shape;
  try {
    ctx.layout->shape(b.data, shape);
  } catch (const std::bad_alloc&) {
    for (std::size_t i = 0; i < n; ++i)
      b.slots[i].fail(sample_stage::batch, b.slots[i].record->image(), "out of memory for the batch tensors",
                      std::current_exception());
  } catch (const std::exception& e) {
    for (std::size_t i = 0; i < n; ++i)
      b.slots[i].fail(sample_stage::batch, b.slots[i].record->image(), e.what(), std::current_exception());
  }
}

void stage_decode(const stage_context& ctx, sample_slot& s) noexcept {
  if (s.failed) return;
  timer t{ctx.counters->decode_ns};
  guarded(s, s.record->image(), sample_stage::decode, [&] {
    if (!s.work) s.work = ctx.workspaces->acquire();
    sample_workspace& w = *s.work;
    decoder& dec = ctx.threads->local().dec;
    // The header was read on whichever thread planned the sample: open the file again on this one.
    const image_header h = dec.read_header(s.image_bytes.data(), s.image_bytes.size(), ctx.decode);
    // Only the pixels the plan reads (its first crop's window, when nothing before it needs more).
    const pixel_rect region = source_region(s.plan);
    const bool partial = region != pixel_rect{0, 0, s.plan.src_w, s.plan.src_h};
    dec.decode(s.image_bytes.data(), s.image_bytes.size(), h, pixel_kind::rgb8, ctx.decode, w.pixels,
               s.jpeg_denominator, partial ? &region : nullptr);
    ctx.counters->decoded_pixels.fetch_add(dec.decoded_pixels(), std::memory_order_relaxed);
    const sample_view v = view_of(ctx, s);
    // Targets match the image at full size, whatever scale it was decoded at.
    const int full_h = h.decoded_height(ctx.decode.apply_exif), full_w = h.decoded_width(ctx.decode.apply_exif);
    for (std::size_t k = 0; k < ctx.targets->list.size(); ++k)
      ctx.targets->list[k]->decode(v, w.targets[k].get(), dec, full_h, full_w);
  });
}

void stage_augment(const stage_context& ctx, sample_slot& s) noexcept {
  if (s.failed) return finish_sample(ctx, s);
  {
    timer t{ctx.counters->augment_ns};
    guarded(s, s.record->image(), sample_stage::augment, [&] {
      batch_buffer& b = *s.owner;
      exec_scratch& scratch = ctx.threads->local().scratch;
      sample_workspace& w = *s.work;
      exec_result px = run_plan(s.plan, image_view::of(w.pixels), resample::bilinear, nullptr, scratch);
      ctx.layout->write_image(b.data, s.index, px, *ctx.lut, b.shape);
      if (s.plan.erase) ctx.layout->erase(b.data, s.index, *s.plan.erase, b.shape);
      if (ctx.layout->has_valid()) {
        if (s.plan.per_pixel_valid) {
          image& ones = scratch.ones;
          ones.reset(s.plan.src_w, s.plan.src_h, 1);  // the plan's frame: the image may be decoded smaller
          std::fill(ones.pixels.begin(), ones.pixels.end(), std::uint8_t{1});
          const std::uint8_t outside = 0;
          ctx.layout->write_valid(
              b.data, s.index, run_plan(s.plan, image_view::of(ones), resample::nearest, &outside, scratch), b.shape);
        } else {
          ctx.layout->write_valid(b.data, s.index, s.plan.visible, b.shape);
        }
      }
      const sample_view v = view_of(ctx, s);
      for (std::size_t k = 0; k < ctx.targets->list.size(); ++k)
        ctx.targets->list[k]->write(v, w.targets[k].get(), scratch, b.data, s.index, b.shape);
      sample_info& info = b.data.samples[s.index];
      info.id = s.record->id;
      info.position = s.position;
      info.source_id = s.record->source_id;
      info.image_path = s.record->image();
      info.text.assign(s.text_bytes.begin(), s.text_bytes.end());
      // Assigned in place: the strings keep their capacity from batch to batch.
      std::size_t nf = 0;
      for (const auto& tk : ctx.targets->list)
        if (const std::string* f = tk->file(*s.record)) {
          if (info.files.size() <= nf) info.files.emplace_back();
          info.files[nf].first.assign(tk->name());
          info.files[nf].second.assign(*f);
          ++nf;
        }
      info.files.resize(nf);
      info.geometry = s.plan.geometry;
    });
  }
  finish_sample(ctx, s);
}

bool retry_sample(const stage_context& ctx, sample_slot& s) noexcept {
  if (!s.failed) return false;
  if (ctx.faults) ctx.faults->report(s, ctx.on_error);
  if (ctx.on_error != error_policy::substitute || !ctx.substitutes || s.attempts >= ctx.substitute_attempts)
    return false;
  // Never one this slot tried already: drawn again (a fixed sequence of draws, so still deterministic).
  std::optional<std::uint64_t> k;
  for (int redraw = 0; redraw < 64; ++redraw) {
    k = ctx.substitutes->draw(s.record->id, ctx.seed, ctx.epoch, s.position, (s.attempts + 1) * 64 + redraw);
    if (!k || std::none_of(s.tried.begin(), s.tried.end(), [&](const failed_sample& t) { return t.sample_id == *k; }))
      break;
    k.reset();
  }
  if (!k) return false;  // no other sample to take its place
  try {
    s.tried.push_back({s.error_file, s.stage, s.error_reason, s.record->id});
  } catch (...) {
    return false;  // out of memory: the slot stays failed
  }
  ++s.attempts;
  s.record = &ctx.index->records[static_cast<std::size_t>(*k)];
  s.clear_failure();
  if (ctx.faults) ctx.faults->substituted.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void stage_replan(const stage_context& ctx, sample_slot& s) noexcept {
  stage_plan(ctx, s);
  if (s.failed) return;
  const batch_shape& shape = s.owner->shape;
  const int h = s.plan.out_h, w = s.plan.out_w;
  // With batch.pad.to the limit is `to`, not the size rounded up to the divisor.
  const int max_h = ctx.pad && ctx.pad->to ? (*ctx.pad->to)[0] : shape.height;
  const int max_w = ctx.pad && ctx.pad->to ? (*ctx.pad->to)[1] : shape.width;
  s.misfit = true;  // until it fits
  if (ctx.pad ? (h > max_h || w > max_w) : (h != shape.height || w != shape.width))
    return s.fail_with(sample_stage::batch, s.record->image(), [&] {
      return "as a substitute its output is " + size_text(w, h) + ", which does not fit its batch of " +
             size_text(shape.width, shape.height) + (ctx.pad ? " (padded)" : "");
    });
  if (!(ctx.targets->boxes && ctx.targets->boxes->max_boxes > 0)) {  // else more boxes are truncated, as for any
    for (const auto& t : ctx.targets->list)
      if (const std::size_t m = t->box_count(view_of(ctx, s)); m > shape.max_boxes)
        return s.fail_with(sample_stage::batch, s.record->image(), [&] {
          return "as a substitute it has " + std::to_string(m) + " boxes, its batch holds at most " +
                 std::to_string(shape.max_boxes);
        });
  }
  s.misfit = false;
}

namespace {

// on_error skip: moves the samples that did not fail to the front of every tensor, in order, and shortens
// the batch to them.
void compact_batch(batch_buffer& b) {
  const std::size_t n = b.data.size;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (b.slots[i].failed) continue;
    if (kept != i) {
      for (auto& [name, t] : b.data.tensors) {
        const std::size_t row = t.nbytes() / n;
        auto* base = static_cast<std::byte*>(t.raw());
        std::memmove(base + kept * row, base + i * row, row);
      }
      std::swap(b.data.samples[kept], b.data.samples[i]);
    }
    ++kept;
  }
  if (kept == n || kept == 0) return;
  std::vector<std::int64_t> dims;
  for (auto& [name, t] : b.data.tensors) {
    dims.assign(t.shape().begin(), t.shape().end());
    dims[0] = static_cast<std::int64_t>(kept);
    t.reshape(t.type(), dims);  // smaller: keeps the storage and the rows in it
  }
  b.data.size = kept;
  b.shape.n = kept;
}

std::string with_stage(const std::string& file, const std::string& reason, sample_stage st) {
  return file + ": " + reason + " (" + stage_name(st) + ")";
}

}  // namespace

void finish_batch(const stage_context& ctx, batch_buffer& b) noexcept {
  const std::size_t n = b.data.size;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < n; ++i) failed += b.slots[i].failed ? 1 : 0;
  if (failed && ctx.on_error == error_policy::skip) {
    if (ctx.faults) ctx.faults->skipped.fetch_add(failed, std::memory_order_relaxed);
    // drop_last promises full batches: a short one is not handed out.
    if (failed == n || ctx.drop_last) {
      b.dropped = true;
      if (ctx.faults) ctx.faults->batches_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    try {
      compact_batch(b);
    } catch (...) {
      b.error = std::current_exception();
      return;
    }
  } else if (failed) {
    for (std::size_t i = 0; i < n; ++i) {
      const sample_slot& x = b.slots[i];
      if (!x.failed) continue;
      try {
        if (x.tried.empty()) {
          b.error = std::make_exception_ptr(
              sample_error(x.error_file, x.error_reason, x.record->id, stage_name(x.stage), x.cause));
        } else {
          // Substitutes failed too: the sample first drawn is the error's; every file tried is named.
          const failed_sample& first = x.tried.front();
          std::string why = first.reason + "; its " + std::to_string(x.tried.size()) + " substitute(s) failed too: ";
          for (std::size_t k = 1; k < x.tried.size(); ++k)
            why += with_stage(x.tried[k].file, x.tried[k].reason, x.tried[k].stage) + "; ";
          why += with_stage(x.error_file, x.error_reason, x.stage);
          b.error =
              std::make_exception_ptr(sample_error(first.file, why, first.sample_id, stage_name(first.stage), x.cause));
        }
      } catch (...) {
        b.error = std::current_exception();
      }
      return;
    }
  }
  try {
    for (const auto& t : ctx.targets->list) t->finish(b.data, b.shape);
  } catch (...) {
    b.error = std::current_exception();
  }
}

}  // namespace imgbatch::detail
