// The `imgbatch` Python module: the public C++ API (include/imgbatch) as Python objects. A batch's
// tensors reach NumPy and PyTorch without a copy, through DLPack (`torch.from_dlpack(batch["image"])`)
// and the NumPy array interface (`numpy.asarray(batch["image"])`); whatever array is made from a
// tensor keeps its batch, and so the batch buffer, alive. The GIL is released while the loader works
// for the caller (construction, next(), stop, set_epoch), and the worker threads never take it.
#include <imgbatch/imgbatch.hpp>

#include "python/dlpack_abi.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace imgbatch::python {
namespace {

// ---- tensors ---------------------------------------------------------------------------------------

const char* numpy_typestr(dtype t) {
  switch (t) {
    case dtype::uint8:
      return "|u1";
    case dtype::uint16:
      return "<u2";
    case dtype::int32:
      return "<i4";
    case dtype::int64:
      return "<i8";
    case dtype::float32:
      return "<f4";
  }
  return "|V1";
}

dl_data_type dlpack_type(dtype t) {
  const auto bits = static_cast<std::uint8_t>(dtype_size(t) * 8);
  switch (t) {
    case dtype::uint8:
    case dtype::uint16:
      return {dl_uint, bits, 1};
    case dtype::int32:
    case dtype::int64:
      return {dl_int, bits, 1};
    case dtype::float32:
      return {dl_float, bits, 1};
  }
  return {dl_uint, 8, 1};
}

/// One tensor of a batch. Holding the batch keeps the buffer the tensor lives in from being reused.
struct py_tensor {
  batch owner;
  const tensor* t = nullptr;

  py::tuple shape() const {
    py::tuple s(t->rank());
    for (std::size_t i = 0; i < t->rank(); ++i) s[i] = t->shape()[i];
    return s;
  }
};

/// What a DLPack consumer owns: the description, its shape and strides, and the batch.
struct dlpack_holder {
  dl_managed_tensor managed{};
  batch owner;
  std::vector<std::int64_t> shape, strides;
};

void dlpack_delete(dl_managed_tensor* m) { delete static_cast<dlpack_holder*>(m->manager_ctx); }

py::capsule to_dlpack(const py_tensor& pt) {
  auto holder = std::make_unique<dlpack_holder>();
  holder->owner = pt.owner;
  holder->shape.assign(pt.t->shape().begin(), pt.t->shape().end());
  holder->strides.assign(holder->shape.size(), 1);
  for (std::size_t i = holder->shape.size(); i-- > 1;) holder->strides[i - 1] = holder->strides[i] * holder->shape[i];
  dl_tensor& d = holder->managed.dl_tensor;
  d.data = const_cast<void*>(pt.t->raw());
  d.device = {dl_cpu, 0};
  d.ndim = static_cast<std::int32_t>(holder->shape.size());
  d.dtype = dlpack_type(pt.t->type());
  d.shape = holder->shape.data();
  d.strides = holder->strides.data();
  d.byte_offset = 0;
  holder->managed.manager_ctx = holder.get();
  holder->managed.deleter = dlpack_delete;
  // A consumer renames the capsule "used_dltensor" and calls the deleter itself; a capsule nobody
  // consumed frees the tensor when it is collected.
  PyObject* capsule = PyCapsule_New(&holder->managed, "dltensor", [](PyObject* c) {
    if (PyCapsule_IsValid(c, "dltensor")) {
      auto* m = static_cast<dl_managed_tensor*>(PyCapsule_GetPointer(c, "dltensor"));
      m->deleter(m);
    }
  });
  if (capsule == nullptr) throw py::error_already_set();
  holder.release();
  return py::reinterpret_steal<py::capsule>(capsule);
}

py::dict array_interface(const py_tensor& pt) {
  py::dict d;
  d["shape"] = pt.shape();
  d["typestr"] = numpy_typestr(pt.t->type());
  d["data"] = py::make_tuple(reinterpret_cast<std::uintptr_t>(pt.t->raw()), false);
  d["strides"] = py::none();
  d["version"] = 3;
  return d;
}

/// A NumPy view of memory inside a batch (the ragged boxes), the batch kept alive by the array.
template <class T>
py::array ragged_view(const batch& b, std::span<const T> values, std::vector<py::ssize_t> shape) {
  auto* keep = new batch(b);
  py::capsule base(keep, [](void* p) { delete static_cast<batch*>(p); });
  return py::array_t<T>(std::move(shape), values.data(), base);
}

// ---- exceptions --------------------------------------------------------------------------------------

py::handle error_type, config_error_type, dataset_error_type, sample_error_type;

void raise(py::handle type, const char* what, std::initializer_list<std::pair<const char*, py::object>> attrs) {
  py::object instance = py::reinterpret_borrow<py::object>(type)(what);
  for (const auto& [name, value] : attrs) instance.attr(name) = value;
  PyErr_SetObject(type.ptr(), instance.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const sample_error& e) {
    raise(sample_error_type, e.what(),
          {{"file", py::str(e.file())},
           {"reason", py::str(e.reason())},
           {"stage", py::str(e.stage())},
           {"sample_id", py::int_(e.sample_id())}});
  } catch (const config_error& e) {
    raise(config_error_type, e.what(),
          {{"key_path", py::str(e.key_path())}, {"message", py::str(e.message())}, {"file", py::str(e.file())}});
  } catch (const dataset_error& e) {
    raise(dataset_error_type, e.what(), {});
  } catch (const error& e) {
    raise(error_type, e.what(), {});
  }
}

// ---- the loader ----------------------------------------------------------------------------------------

/// The loader plus the lock that marks a Python thread driving it (the C++ loader has one consumer at a
/// time): a second thread calling in meanwhile gets imgbatch.Error saying so, instead of waiting for or
/// splitting the first one's pass. The GIL is released while the loader works, so a thread waiting for a
/// batch never blocks the interpreter.
struct py_loader {
  std::unique_ptr<loader> impl;
  // The process of the thread inside a call, or 0. A mark inherited through fork (another thread of the
  // parent was inside) is taken over: that thread does not exist in the child.
  std::atomic<pid_t> consumer{0};

  template <class F>
  auto locked(F&& f) {
    const pid_t me = ::getpid();
    pid_t was = 0;
    while (!consumer.compare_exchange_weak(was, me))
      if (was == me)
        throw error(
            "imgbatch.Loader: another thread is inside next(), a for loop's step, stop(), set_epoch(), restore() or "
            "state() of this Loader: a Loader has one consumer thread at a time");
    struct leave {
      std::atomic<pid_t>& c;
      ~leave() { c.store(0); }
    } left{consumer};
    py::gil_scoped_release nogil;
    return f(*impl);
  }
};

/// Called while next() waits for a batch: a signal that arrived (Ctrl-C) raises its Python exception
/// (KeyboardInterrupt) within one interval, ending the pass; the loader stays usable. Signals are
/// handled on the main thread only (PyErr_CheckSignals does nothing on another).
void check_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

pipeline_spec spec_from(const py::object& spec, const std::optional<std::filesystem::path>& base_dir) {
  if (py::isinstance<py::dict>(spec)) {
    const std::string text = py::module_::import("json").attr("dumps")(spec).cast<std::string>();
    return pipeline_spec::from_json(text, base_dir.value_or(std::filesystem::current_path()));
  }
  if (py::isinstance<py::str>(spec)) {
    const std::string s = spec.cast<std::string>();
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && s[first] == '{')
      return pipeline_spec::from_json(s, base_dir.value_or(std::filesystem::current_path()));
  }
  if (py::isinstance<py::str>(spec) || py::hasattr(spec, "__fspath__")) {
    pipeline_spec p = pipeline_spec::from_file(spec.cast<std::filesystem::path>());
    if (base_dir) p.base_dir = *base_dir;
    return p;
  }
  throw py::type_error("imgbatch.Loader: the spec must be a path to a JSON file, JSON text or a dict");
}

py::dict stats_dict(const loader_stats& s) {
  py::dict d;
  d["batches"] = s.batches;
  d["samples"] = s.samples;
  d["decoded_pixels"] = s.decoded_pixels;
  d["read_s"] = s.read_s;
  d["decode_s"] = s.decode_s;
  d["augment_s"] = s.augment_s;
  d["collate_s"] = s.collate_s;
  d["wait_s"] = s.wait_s;
  d["mean_ready"] = s.mean_ready;
  d["boxes_truncated"] = s.boxes_truncated;
  d["skipped"] = s.skipped;
  d["substituted"] = s.substituted;
  d["batches_dropped"] = s.batches_dropped;
  d["quarantined"] = s.quarantined;
  d["requests"] = s.requests;
  d["retries"] = s.retries;
  d["bytes_received"] = s.bytes_received;
  d["index_cache_hits"] = s.index_cache_hits;
  py::list bad;
  for (const bad_file& f : s.bad_files) {
    py::dict one;
    one["file"] = f.file;
    one["stage"] = f.stage;
    one["reason"] = f.reason;
    bad.append(one);
  }
  d["bad_files"] = bad;
  return d;
}

/// One pass, as `for batch in loader` makes it, over the C++ loader's own iterator: the pass in progress
/// is stopped when it begins, and a pass left unfinished (a `break`, an exception) ends when this object
/// goes away, so its workers stop.
struct py_pass {
  py::object owner;  // the Loader, kept alive while the pass is iterated
  py_loader* l = nullptr;
  std::optional<loader::iterator> it;
  bool started = false;

  py_pass(py::object o, py_loader* loader_) : owner(std::move(o)), l(loader_) {}
  py_pass(const py_pass&) = delete;
  py_pass& operator=(const py_pass&) = delete;
  ~py_pass() {
    if (!it) return;
    // No other thread can be using this pass object (it is being destroyed); ending its pass is skipped
    // by the loader while another thread is inside one of its calls (that thread's pass is current).
    py::gil_scoped_release nogil;
    it.reset();  // ends the pass if it is unfinished and still the loader's current one
  }
};

}  // namespace
}  // namespace imgbatch::python

PYBIND11_MODULE(_imgbatch, m) {
  using namespace imgbatch;
  using namespace imgbatch::python;
  m.doc() = "imgbatch: batches of images and their targets, made ahead on C++ worker threads";
  m.attr("__version__") = std::string(version());

  static py::exception<error> error_exc(m, "Error", PyExc_RuntimeError);
  static py::exception<config_error> config_exc(m, "ConfigError", error_exc.ptr());
  static py::exception<dataset_error> dataset_exc(m, "DatasetError", error_exc.ptr());
  static py::exception<sample_error> sample_exc(m, "SampleError", error_exc.ptr());
  error_type = error_exc;
  config_error_type = config_exc;
  dataset_error_type = dataset_exc;
  sample_error_type = sample_exc;
  py::register_exception_translator(translate);

  py::class_<py_tensor>(m, "Tensor",
                        "A tensor of a batch. Shares the batch's memory: numpy.asarray(t) and torch.from_dlpack(t) "
                        "make no copy and keep the batch alive.")
      .def_property_readonly("shape", &py_tensor::shape)
      .def_property_readonly("dtype", [](const py_tensor& t) { return std::string(dtype_name(t.t->type())); })
      .def_property_readonly("ndim", [](const py_tensor& t) { return t.t->rank(); })
      .def_property_readonly("nbytes", [](const py_tensor& t) { return t.t->nbytes(); })
      .def_property_readonly("data_ptr",
                             [](const py_tensor& t) { return reinterpret_cast<std::uintptr_t>(t.t->raw()); })
      .def_property_readonly("__array_interface__", &array_interface)
      .def(
          "__dlpack__", [](const py_tensor& t, py::object /*stream*/) { return to_dlpack(t); },
          py::arg("stream") = py::none())
      .def("__dlpack_device__", [](const py_tensor&) { return py::make_tuple(static_cast<int>(dl_cpu), 0); })
      .def("__len__", [](const py_tensor& t) { return t.t->rank() ? t.t->dim(0) : 0; })
      .def(
          "numpy", [](py::object self) { return py::module_::import("numpy").attr("asarray")(self); },
          "A NumPy array over the tensor's memory (no copy).")
      .def("__repr__", [](const py_tensor& t) {
        std::string s = "imgbatch.Tensor(shape=(";
        for (std::size_t i = 0; i < t.t->rank(); ++i) s += (i ? ", " : "") + std::to_string(t.t->shape()[i]);
        return s + (t.t->rank() == 1 ? ",)" : ")") + ", dtype=" + std::string(dtype_name(t.t->type())) + ")";
      });

  py::class_<sample_geometry>(m, "Geometry",
                              "Where a sample's output pixels came from: output = matrix · (x, y, 1) in source pixels.")
      .def_readonly("source_height", &sample_geometry::source_height)
      .def_readonly("source_width", &sample_geometry::source_width)
      .def_readonly("exif_orientation", &sample_geometry::exif_orientation)
      .def_readonly("output_height", &sample_geometry::output_height)
      .def_readonly("output_width", &sample_geometry::output_width)
      .def_readonly("matrix", &sample_geometry::matrix)
      .def_readonly("scale_x", &sample_geometry::scale_x)
      .def_readonly("scale_y", &sample_geometry::scale_y)
      .def_readonly("offset_x", &sample_geometry::offset_x)
      .def_readonly("offset_y", &sample_geometry::offset_y)
      .def_readonly("hflip", &sample_geometry::hflip)
      .def_readonly("vflip", &sample_geometry::vflip)
      .def_property_readonly(
          "crop",
          [](const sample_geometry& g) { return py::make_tuple(g.crop_x, g.crop_y, g.crop_width, g.crop_height); })
      .def("point_to_source", &sample_geometry::point_to_source, py::arg("x"), py::arg("y"))
      .def("box_to_source", &sample_geometry::box_to_source, py::arg("xyxy"))
      .def("box_to_stored", &sample_geometry::box_to_stored, py::arg("xyxy"))
      .def(
          "mask_to_source",
          [](const sample_geometry& g, py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast> mask,
             std::uint8_t fill) {
            if (mask.ndim() != 2) throw py::value_error("mask_to_source: the mask must be 2-D (height, width)");
            py::array_t<std::uint8_t> out({g.source_height, g.source_width});
            g.mask_to_source(mask.data(), static_cast<int>(mask.shape(0)), static_cast<int>(mask.shape(1)), fill,
                             out.mutable_data());
            return out;
          },
          py::arg("mask"), py::arg("fill") = 255,
          "A label map predicted at output size resampled to the source size (nearest); outside the crop: fill.");

  py::class_<sample_info>(m, "Sample", "One sample of a batch: its dataset index, its files and its geometry.")
      .def_readonly("id", &sample_info::id)
      .def_readonly("position", &sample_info::position)
      .def_readonly("source_id", &sample_info::source_id)
      .def_readonly("image_path", &sample_info::image_path)
      .def_property_readonly(
          "text",
          [](const sample_info& s) {
            // A caption in another encoding than UTF-8 keeps its readable parts (U+FFFD for the rest).
            PyObject* t = PyUnicode_DecodeUTF8(s.text.data(), static_cast<Py_ssize_t>(s.text.size()), "replace");
            if (!t) throw py::error_already_set();
            return py::reinterpret_steal<py::str>(t);
          },
          "The sample's caption (its .txt file or member), '' when it has none.")
      .def_property_readonly("files",
                             [](const sample_info& s) {
                               py::dict d;
                               for (const auto& [target, path] : s.files) d[py::str(target)] = path;
                               return d;
                             })
      .def_readonly("geometry", &sample_info::geometry);

  py::class_<batch>(m, "Batch",
                    "A ready batch: named tensors (batch['image'], batch['mask'], ...) and per-sample information.")
      .def("__getitem__",
           [](const batch& b, const std::string& name) {
             const tensor* t = b.find(name);
             if (t == nullptr) {
               std::string have;
               for (auto n : b.names()) have += (have.empty() ? "" : ", ") + std::string(n);
               throw py::key_error("imgbatch batch has no tensor '" + name + "' (it has: " + have + ")");
             }
             return py_tensor{b, t};
           })
      .def("__contains__", [](const batch& b, const std::string& name) { return b.find(name) != nullptr; })
      .def("keys",
           [](const batch& b) {
             std::vector<std::string> names;
             for (auto n : b.names()) names.emplace_back(n);
             return names;
           })
      .def("__len__", &batch::size)
      .def_property_readonly("size", &batch::size)
      .def_property_readonly("index", &batch::index)
      .def_property_readonly("epoch", &batch::epoch)
      .def_property_readonly(
          "samples", [](const batch& b) { return std::vector<sample_info>(b.samples().begin(), b.samples().end()); })
      .def(
          "ragged_boxes",
          [](const batch& b) {
            const ragged_boxes r = b.boxes();
            py::dict d;
            const auto n = static_cast<py::ssize_t>(r.labels.size());
            d["offsets"] = ragged_view(b, r.offsets, {static_cast<py::ssize_t>(r.offsets.size())});
            d["boxes"] = ragged_view(b, r.boxes, {n, 4});
            d["labels"] = ragged_view(b, r.labels, {n});
            d["flags"] = ragged_view(b, r.flags, {n});
            return d;
          },
          "Every sample's boxes without padding: sample i owns rows offsets[i]:offsets[i+1] of boxes, labels and "
          "flags (views into the batch, no copy).");

  py::class_<cursor>(m, "Cursor", "Where a loader stands; str(c) or c.to_json() to store it with a checkpoint.")
      .def_readonly("epoch", &cursor::epoch)
      .def_readonly("batches", &cursor::batches)
      .def_readonly("seed", &cursor::seed)
      .def("to_json", &cursor::to_json)
      .def("__str__", &cursor::to_string)
      .def("__repr__", [](const cursor& c) { return "imgbatch.Cursor('" + c.to_string() + "')"; })
      .def("__eq__", [](const cursor& a, const cursor& b) { return a == b; })
      .def_static("parse", &cursor::parse, py::arg("text"));

  py::class_<py_pass>(m, "_Pass").def("__iter__", [](py::object self) { return self; }).def("__next__", [](py_pass& p) {
    std::optional<batch> b = p.l->locked([&p](loader& l) -> std::optional<batch> {
      if (!p.started) {
        p.started = true;
        p.it.emplace(l.begin());  // stops the pass in progress, starts one, takes its first batch
      } else if (p.it && !(*p.it == l.end())) {
        ++*p.it;
      }
      if (!p.it || *p.it == l.end()) return std::nullopt;
      return **p.it;
    });
    if (!b) throw py::stop_iteration();
    return std::move(*b);
  });

  py::class_<py_loader>(m, "Loader",
                        "Feeds ready batches made on C++ worker threads. Loader(spec) takes a path to a JSON spec, "
                        "JSON text or a dict; threads and prefetch_batches override the spec's loader section.")
      .def(py::init([](const py::object& spec, std::optional<std::filesystem::path> base_dir,
                       std::optional<int> threads, std::optional<int> prefetch_batches) {
             pipeline_spec p = spec_from(spec, base_dir);
             if (threads) p.loader.threads = *threads;
             if (prefetch_batches) p.loader.prefetch_batches = *prefetch_batches;
             auto l = std::make_unique<py_loader>();
             {
               py::gil_scoped_release nogil;
               l->impl = std::make_unique<loader>(std::move(p));
             }
             l->impl->on_wait(check_signals, std::chrono::milliseconds(50));
             return l;
           }),
           py::arg("spec"), py::kw_only(), py::arg("base_dir") = py::none(), py::arg("threads") = py::none(),
           py::arg("prefetch_batches") = py::none())
      .def("__len__", [](py_loader& l) { return l.impl->size(); })
      .def("__iter__",
           [](py::object self) {
             auto& l = self.cast<py_loader&>();
             return std::make_unique<py_pass>(self, &l);
           })
      .def(
          "next", [](py_loader& l) { return l.locked([](loader& x) { return x.next(); }); },
          "The next batch of the current pass (starting one if none runs), or None once the pass is over.")
      .def("stop", [](py_loader& l) { l.locked([](loader& x) { x.stop(); }); })
      .def(
          "set_epoch", [](py_loader& l, std::uint64_t e) { l.locked([e](loader& x) { x.set_epoch(e); }); },
          py::arg("epoch"))
      .def_property_readonly("epoch", [](py_loader& l) { return l.impl->epoch(); })
      .def_property_readonly("dataset_size", [](py_loader& l) { return l.impl->dataset_size(); })
      .def_property_readonly("classes",
                             [](py_loader& l) {
                               py::list out;
                               for (const class_info& c : l.impl->classes())
                                 out.append(py::dict(py::arg("label") = c.label, py::arg("category_id") = c.category_id,
                                                     py::arg("name") = c.name));
                               return out;
                             })
      .def("state", [](py_loader& l) { return l.locked([](loader& x) { return x.state(); }); })
      .def(
          "restore",
          [](py_loader& l, const py::object& c) {
            const cursor cur = py::isinstance<py::str>(c) ? cursor::parse(c.cast<std::string>()) : c.cast<cursor>();
            l.locked([&cur](loader& x) { x.restore(cur); });
          },
          py::arg("cursor"), "Continue from a Cursor or its text (str(cursor) or cursor.to_json()).")
      .def("stats", [](py_loader& l) { return stats_dict(l.impl->stats()); })
      .def_property_readonly("spec_json", [](py_loader& l) { return l.impl->spec().to_json(); });
}
