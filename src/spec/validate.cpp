#include <imgbatch/error.hpp>
#include <imgbatch/spec.hpp>

#include <cmath>
#include <string>

namespace imgbatch {

void pipeline_spec::validate() const {
  if (dataset.format == dataset_format::folder) {
    if (dataset.images.empty()) throw config_error("dataset.images", "required for the folder format");
    if (targets.mask && dataset.masks.empty())
      throw config_error("dataset.masks", "required: targets.mask is set, so every image needs a mask");
    if (!targets.mask && !dataset.masks.empty())
      throw config_error("targets.mask", "required: dataset.masks is set but no mask target says how to read them");
  } else if (dataset.manifest.empty()) {
    throw config_error("dataset.manifest", "required for the list format");
  }
  if (targets.mask) {
    const auto& m = *targets.mask;
    if (m.num_classes < 1 || m.num_classes > 65536) throw config_error("targets.mask.num_classes", "must be 1..65536");
    if (m.ignore_index < -1 || m.ignore_index > 65535)
      throw config_error("targets.mask.ignore_index", "must be -1 (none) or 0..65535");
    if (m.type) {
      if (*m.type != dtype::uint8 && *m.type != dtype::int32 && *m.type != dtype::int64)
        throw config_error("targets.mask.dtype", "must be uint8, int32 or int64");
      if (*m.type == dtype::uint8 && m.encoding == mask_encoding::index &&
          (m.num_classes > 256 || m.ignore_index > 255))
        throw config_error("targets.mask.dtype", "uint8 cannot hold class ids above 255");
    }
  }
  if (sampler.world_size < 1) throw config_error("sampler.world_size", "must be at least 1");
  if (sampler.rank < 0 || sampler.rank >= sampler.world_size)
    throw config_error("sampler.rank", "must be in [0, world_size)");

  int finals = 0;
  for (std::size_t i = 0; i < transforms.size(); ++i) {
    const std::string path = "transforms[" + std::to_string(i) + "]";
    const transform& t = transforms[i];
    const bool is_final = std::holds_alternative<normalize_op>(t) || std::holds_alternative<to_float_op>(t);
    if (is_final) {
      if (++finals > 1) throw config_error(path, "only one normalize or to_float op is allowed");
      if (i + 1 != transforms.size())
        throw config_error(path, std::string(op_name(t)) + " must be the last op (it turns pixels into floats)");
      if (batch.image_type == dtype::uint8)
        throw config_error(path, std::string(op_name(t)) + " produces floats but batch.dtype is uint8");
    }
    if (const auto* r = std::get_if<resize_op>(&t)) {
      if (r->size && r->shorter) throw config_error(path, "resize takes either size or shorter, not both");
      if (!r->size && r->shorter <= 0) throw config_error(path + ".size", "resize needs size [h, w] or shorter");
      if (r->size && ((*r->size)[0] < 1 || (*r->size)[1] < 1)) throw config_error(path + ".size", "must be positive");
      if (r->max_longer && !r->shorter) throw config_error(path + ".max_longer", "goes with shorter");
      if (r->max_longer && r->max_longer < r->shorter)
        throw config_error(path + ".max_longer", "must be at least shorter");
    } else if (const auto* c = std::get_if<center_crop_op>(&t)) {
      if (c->size[0] < 1 || c->size[1] < 1) throw config_error(path + ".size", "must be positive");
    } else if (const auto* rc = std::get_if<random_crop_op>(&t)) {
      if (rc->size[0] < 1 || rc->size[1] < 1) throw config_error(path + ".size", "must be positive");
    } else if (const auto* h = std::get_if<hflip_op>(&t)) {
      if (!(h->p >= 0 && h->p <= 1)) throw config_error(path + ".p", "must be a probability in [0, 1]");
    } else if (const auto* v = std::get_if<vflip_op>(&t)) {
      if (!(v->p >= 0 && v->p <= 1)) throw config_error(path + ".p", "must be a probability in [0, 1]");
    } else if (const auto* n = std::get_if<normalize_op>(&t)) {
      for (int k = 0; k < 3; ++k)
        if (!(std::fabs(n->std[k]) > 0) || !std::isfinite(n->std[k]) || !std::isfinite(n->mean[k]))
          throw config_error(path + ".std", "every std must be a finite non-zero number");
    }
  }
  if (batch.size < 1) throw config_error("batch.size", "must be at least 1");
  if (batch.image_type != dtype::float32 && batch.image_type != dtype::uint8)
    throw config_error("batch.dtype", "must be float32 or uint8");
  if (loader.threads < 0) throw config_error("loader.threads", "must be 0 (all cores) or more");
  if (loader.prefetch_batches < 1) throw config_error("loader.prefetch_batches", "must be at least 1");
  if (decode.max_scans < 1) throw config_error("decode.max_scans", "must be at least 1");
}

}  // namespace imgbatch
