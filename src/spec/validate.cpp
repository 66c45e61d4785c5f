#include <imgbatch/error.hpp>
#include <imgbatch/spec.hpp>

#include <cmath>
#include <string>

namespace imgbatch {

void pipeline_spec::validate() const {
  if (io.retries < 0 || io.retries > 100) throw config_error("io.retries", "must be 0 to 100");
  if (!(io.timeout_s > 0 && io.timeout_s <= 86400))
    throw config_error("io.timeout_s", "must be more than 0 seconds (at most a day)");
  if (!(io.backoff_s >= 0 && io.backoff_s <= 3600)) throw config_error("io.backoff_s", "must be 0 to 3600 seconds");
  if (io.read_ahead_bytes < 1) throw config_error("io.read_ahead_bytes", "must be at least 1");
  if (io.max_requests < 1 || io.max_requests > 1024) throw config_error("io.max_requests", "must be 1 to 1024");
  const bool shards = dataset.format == dataset_format::webdataset;
  const bool annotated = dataset.format == dataset_format::coco || dataset.format == dataset_format::voc ||
                         dataset.format == dataset_format::yolo || shards;
  if (dataset.format == dataset_format::folder) {
    if (dataset.images.empty()) throw config_error("dataset.images", "required for the folder format");
    if (targets.mask && dataset.masks.empty())
      throw config_error("dataset.masks", "required: targets.mask is set, so every image needs a mask");
    if (!targets.mask && !dataset.masks.empty())
      throw config_error("targets.mask", "required: dataset.masks is set but no mask target says how to read them");
    if (targets.depth && dataset.depth.empty())
      throw config_error("dataset.depth", "required: targets.depth is set, so every image needs a depth map");
    if (!targets.depth && !dataset.depth.empty())
      throw config_error("targets.depth", "required: dataset.depth is set but no depth target gives its scale");
  } else if (dataset.format == dataset_format::list) {
    if (dataset.manifest.empty()) throw config_error("dataset.manifest", "required for the list format");
  } else if (shards) {
    if (dataset.urls.empty()) throw config_error("dataset.urls", "required for the webdataset format: the shards");
    if (!dataset.masks.empty())
      throw config_error("dataset.masks", "a webdataset sample's mask is its member with a `members.mask` extension");
    if ((targets.boxes || targets.instance_masks) && dataset.categories.empty())
      throw config_error("dataset.categories",
                         "required for boxes from shards: the JSON file with COCO's `categories` (`imgbatch pack` "
                         "writes it)");
  } else {
    if (dataset.images.empty()) throw config_error("dataset.images", "required: the folder of the images");
    if (!dataset.masks.empty())
      throw config_error("dataset.masks",
                         "only the folder format reads mask files (COCO masks are painted from its segmentations)");
  }
  if (dataset.format != dataset_format::folder && !dataset.depth.empty())
    throw config_error("dataset.depth",
                       "only the folder format reads a depth folder (list: a depth column; webdataset: a member)");
  if (targets.depth && dataset.format != dataset_format::folder && dataset.format != dataset_format::list && !shards)
    throw config_error("targets.depth", "depth maps come from folder, list or webdataset datasets");
  if (targets.depth && !(targets.depth->scale > 0 && std::isfinite(targets.depth->scale)))
    throw config_error("targets.depth.scale", "must be a positive number (stored value / scale = metres)");
  if (targets.depth && (targets.depth->invalid < 0 || targets.depth->invalid > 65535))
    throw config_error("targets.depth.invalid", "must be a stored value, 0..65535");
  if (dataset.format == dataset_format::coco && dataset.annotations.empty())
    throw config_error("dataset.annotations", "required: the COCO instances JSON file");
  if (dataset.format == dataset_format::voc) {
    if (dataset.annotations.empty()) throw config_error("dataset.annotations", "required: the folder of VOC XML files");
    if (dataset.classes.empty() && dataset.classes_file.empty())
      throw config_error("dataset.classes", "required for VOC: the class names in label order, or a names file");
  }
  if (dataset.format == dataset_format::yolo && dataset.labels.empty())
    throw config_error("dataset.labels", "required: the folder of YOLO label files");
  if (targets.boxes && !annotated)
    throw config_error("targets.boxes", "boxes come from a coco, voc or yolo dataset, not from a " +
                                            std::string(dataset.format == dataset_format::folder ? "folder" : "list") +
                                            " dataset");
  if (targets.instance_masks && dataset.format != dataset_format::coco && !shards)
    throw config_error("targets.instance_masks",
                       "instance masks are painted from COCO segmentations: needs a coco or webdataset dataset");
  if (targets.mask && (dataset.format == dataset_format::voc || dataset.format == dataset_format::yolo))
    throw config_error("targets.mask", "masks come from mask files (folder, list) or COCO segmentations, not from a " +
                                           std::string(dataset.format == dataset_format::voc ? "voc" : "yolo") +
                                           " dataset");
  if (targets.mask && dataset.format == dataset_format::coco) {
    if (targets.mask->ignore_index < 0)
      throw config_error("targets.mask.ignore_index",
                         "a mask painted from COCO needs one for crowd regions and overlapping instances");
    if (targets.mask->ignore_index > 255)
      throw config_error("targets.mask.ignore_index", "a mask painted from COCO holds 0..255: ignore_index must fit");
    if (dataset.category_labels == label_mapping::contiguous)
      throw config_error("dataset.category_labels",
                         "\"contiguous\" makes the first category label 0, which a mask painted from COCO keeps for "
                         "background: use \"contiguous_from_1\" or \"category_id\"");
  }
  if (targets.boxes) {
    const auto& b = *targets.boxes;
    if (!(b.min_size >= 0)) throw config_error("targets.boxes.min_size", "must be 0 or more (output pixels)");
    if (!(b.min_visibility >= 0 && b.min_visibility <= 1))
      throw config_error("targets.boxes.min_visibility", "must be a fraction in [0, 1]");
    if (b.max_boxes < 0) throw config_error("targets.boxes.max_boxes", "must be 0 (the batch's largest count) or more");
  }
  if (batch.pad) {
    if (batch.pad->divisor < 1) throw config_error("batch.pad.divisor", "must be at least 1");
    if (batch.pad->to && ((*batch.pad->to)[0] < 1 || (*batch.pad->to)[1] < 1))
      throw config_error("batch.pad.to", "must be positive");
    if (targets.mask && targets.mask->ignore_index < 0)
      throw config_error("batch.pad",
                         "padding a mask needs targets.mask.ignore_index (padding must not become class 0)");
  }
  if (sampler.group_by_aspect < 0 || sampler.group_by_aspect == 1)
    throw config_error("sampler.group_by_aspect", "must be 0 (off) or a number of bins of at least 2");
  if (sampler.group_by_aspect && sampler.replacement)
    throw config_error("sampler.group_by_aspect", "cannot group draws with replacement (batches per epoch would vary)");
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
  if ((sampler.rank == from_environment) != (sampler.world_size == from_environment))
    throw config_error("sampler.rank", "rank and world_size are both \"auto\" or neither");
  if (sampler.world_size != from_environment) {
    if (sampler.world_size < 1) throw config_error("sampler.world_size", "must be at least 1");
    if (sampler.rank < 0 || sampler.rank >= sampler.world_size)
      throw config_error("sampler.rank", "must be in [0, world_size)");
  }

  // An op that pads fills the mask with ignore_index; without one the padding would become class 0.
  if (targets.mask && targets.mask->ignore_index < 0) {
    for (std::size_t i = 0; i < transforms.size(); ++i) {
      const transform& t = transforms[i];
      const auto* crop = std::get_if<random_crop_op>(&t);
      if (std::holds_alternative<letterbox_op>(t) || std::holds_alternative<center_crop_op>(t) ||
          std::holds_alternative<random_affine_op>(t) || (crop && crop->pad_if_needed))
        throw config_error("transforms[" + std::to_string(i) + "]",
                           std::string(op_name(t)) +
                               " can pad the mask, and targets.mask.ignore_index is null, so the padding would "
                               "become class 0: set targets.mask.ignore_index (the value padding takes)");
    }
  }

  int finals = 0;
  // random_erasing works on the output tensor: only the final op may follow it, and after the final
  // op only random_erasing may come.
  std::size_t erasing = transforms.size(), final_at = transforms.size();
  for (std::size_t i = 0; i < transforms.size(); ++i) {
    const std::string path = "transforms[" + std::to_string(i) + "]";
    const transform& t = transforms[i];
    const bool is_final = std::holds_alternative<normalize_op>(t) || std::holds_alternative<to_float_op>(t);
    const bool is_erasing = std::holds_alternative<random_erasing_op>(t);
    if (!is_final && !is_erasing && (erasing < i || final_at < i))
      throw config_error(path, std::string(op_name(t)) + " cannot follow " +
                                   (erasing < i ? "random_erasing, which works on the output tensor: put it last"
                                                : std::string(op_name(transforms[final_at])) +
                                                      ", which must be the last op (it turns pixels into floats)"));
    if (is_erasing) {
      if (erasing < i) throw config_error(path, "only one random_erasing op is allowed");
      erasing = i;
    }
    if (is_final) {
      final_at = i;
      if (++finals > 1) throw config_error(path, "only one normalize or to_float op is allowed");
      if (batch.image_type == dtype::uint8)
        throw config_error(path, std::string(op_name(t)) + " produces floats but batch.dtype is uint8");
    }
    if (const auto* r = std::get_if<resize_op>(&t)) {
      if (r->size && !r->shorter.empty()) throw config_error(path, "resize takes either size or shorter, not both");
      if (!r->size && r->shorter.empty()) throw config_error(path + ".size", "resize needs size [h, w] or shorter");
      for (int v : r->shorter)
        if (v < 1) throw config_error(path + ".shorter", "must be positive");
      if (r->size && ((*r->size)[0] < 1 || (*r->size)[1] < 1)) throw config_error(path + ".size", "must be positive");
      if (r->max_longer && r->shorter.empty()) throw config_error(path + ".max_longer", "goes with shorter");
      for (int v : r->shorter)
        if (r->max_longer && r->max_longer < v) throw config_error(path + ".max_longer", "must be at least shorter");
    } else if (const auto* lb = std::get_if<letterbox_op>(&t)) {
      if (lb->size[0] < 1 || lb->size[1] < 1) throw config_error(path + ".size", "must be positive");
    } else if (const auto* rr = std::get_if<random_resized_crop_op>(&t)) {
      if (rr->size[0] < 1 || rr->size[1] < 1) throw config_error(path + ".size", "must be positive");
      if (!(rr->scale[0] > 0 && rr->scale[0] <= rr->scale[1] && rr->scale[1] <= 1))
        throw config_error(path + ".scale", "must be [low, high] with 0 < low <= high <= 1 (fractions of the area)");
      if (!(rr->ratio[0] > 0 && rr->ratio[0] <= rr->ratio[1] && std::isfinite(rr->ratio[1])))
        throw config_error(path + ".ratio", "must be [low, high] with 0 < low <= high (width / height)");
    } else if (const auto* ic = std::get_if<random_iou_crop_op>(&t)) {
      if (!targets.boxes)
        throw config_error(path, "random_iou_crop chooses its crop by the boxes: it needs targets.boxes");
      if (!(ic->min_scale > 0 && ic->min_scale <= ic->max_scale && ic->max_scale <= 1))
        throw config_error(path + ".min_scale", "needs 0 < min_scale <= max_scale <= 1");
      if (!(ic->min_aspect_ratio > 0 && ic->min_aspect_ratio <= ic->max_aspect_ratio))
        throw config_error(path + ".min_aspect_ratio", "needs 0 < min_aspect_ratio <= max_aspect_ratio");
      if (ic->options.empty()) throw config_error(path + ".options", "needs at least one minimum IoU");
      for (double o : ic->options)
        if (!(o >= 0)) throw config_error(path + ".options", "minimum IoUs must be 0 or more (1 or more: no crop)");
      if (ic->trials < 1) throw config_error(path + ".trials", "must be at least 1");
    } else if (const auto* c = std::get_if<center_crop_op>(&t)) {
      if (c->size[0] < 1 || c->size[1] < 1) throw config_error(path + ".size", "must be positive");
    } else if (const auto* rc = std::get_if<random_crop_op>(&t)) {
      if (rc->size[0] < 1 || rc->size[1] < 1) throw config_error(path + ".size", "must be positive");
    } else if (const auto* h = std::get_if<hflip_op>(&t)) {
      if (!(h->p >= 0 && h->p <= 1)) throw config_error(path + ".p", "must be a probability in [0, 1]");
    } else if (const auto* v = std::get_if<vflip_op>(&t)) {
      if (!(v->p >= 0 && v->p <= 1)) throw config_error(path + ".p", "must be a probability in [0, 1]");
    } else if (const auto* af = std::get_if<random_affine_op>(&t)) {
      if (!(af->degrees[0] <= af->degrees[1] && std::isfinite(af->degrees[0]) && std::isfinite(af->degrees[1])))
        throw config_error(path + ".degrees", "must be [low, high] degrees");
      if (af->translate && !((*af->translate)[0] >= 0 && (*af->translate)[0] <= 1 && (*af->translate)[1] >= 0 &&
                             (*af->translate)[1] <= 1))
        throw config_error(path + ".translate", "must be [fraction of width, fraction of height], each in [0, 1]");
      if (af->scale && !((*af->scale)[0] > 0 && (*af->scale)[0] <= (*af->scale)[1] && std::isfinite((*af->scale)[1])))
        throw config_error(path + ".scale", "must be [low, high] with 0 < low <= high");
      for (int k = 0; k < 4; k += 2)
        if (!(af->shear[k] <= af->shear[k + 1] && af->shear[k] > -90 && af->shear[k + 1] < 90))
          throw config_error(path + ".shear", "each range must be [low, high] within (-90, 90) degrees");
    } else if (const auto* cj = std::get_if<color_jitter_op>(&t)) {
      const std::pair<const char*, const std::optional<std::array<double, 2>>*> factors[] = {
          {"brightness", &cj->brightness}, {"contrast", &cj->contrast}, {"saturation", &cj->saturation}};
      for (auto [key, range] : factors)
        if (*range && !((**range)[0] >= 0 && (**range)[0] <= (**range)[1] && std::isfinite((**range)[1])))
          throw config_error(path + "." + key, "must be [low, high] factors with 0 <= low <= high");
      if (cj->hue && !((*cj->hue)[0] >= -0.5 && (*cj->hue)[0] <= (*cj->hue)[1] && (*cj->hue)[1] <= 0.5))
        throw config_error(path + ".hue", "must be [low, high] turns with -0.5 <= low <= high <= 0.5");
      if (!cj->brightness && !cj->contrast && !cj->saturation && !cj->hue)
        throw config_error(path, "color_jitter needs at least one of brightness, contrast, saturation, hue");
    } else if (const auto* g = std::get_if<random_grayscale_op>(&t)) {
      if (!(g->p >= 0 && g->p <= 1)) throw config_error(path + ".p", "must be a probability in [0, 1]");
    } else if (const auto* gb = std::get_if<gaussian_blur_op>(&t)) {
      for (int k : gb->kernel_size)
        if (k < 1 || k % 2 == 0) throw config_error(path + ".kernel_size", "must be odd and positive");
      if (!(gb->sigma[0] > 0 && gb->sigma[0] <= gb->sigma[1] && std::isfinite(gb->sigma[1])))
        throw config_error(path + ".sigma", "must be [low, high] with 0 < low <= high");
    } else if (const auto* re = std::get_if<random_erasing_op>(&t)) {
      if (!(re->p >= 0 && re->p <= 1)) throw config_error(path + ".p", "must be a probability in [0, 1]");
      if (!(re->scale[0] > 0 && re->scale[0] <= re->scale[1] && re->scale[1] <= 1))
        throw config_error(path + ".scale", "must be [low, high] with 0 < low <= high <= 1 (fractions of the area)");
      if (!(re->ratio[0] > 0 && re->ratio[0] <= re->ratio[1] && std::isfinite(re->ratio[1])))
        throw config_error(path + ".ratio", "must be [low, high] with 0 < low <= high (height / width)");
      if (re->random && batch.image_type == dtype::uint8)
        throw config_error(path + ".value", "\"random\" draws normal noise, which a uint8 batch cannot hold");
    } else if (const auto* n = std::get_if<normalize_op>(&t)) {
      for (int k = 0; k < 3; ++k)
        if (!(std::fabs(n->std[k]) > 0) || !std::isfinite(n->std[k]) || !std::isfinite(n->mean[k]))
          throw config_error(path + ".std", "every std must be a finite non-zero number");
    }
  }
  if (dataset.max_annotations < 1) throw config_error("dataset.max_annotations", "must be at least 1 (default 10000)");
  if (dataset.max_metadata_bytes < 1)
    throw config_error("dataset.max_metadata_bytes", "must be at least 1 (default 8 GiB)");
  if (batch.size < 1) throw config_error("batch.size", "must be at least 1");
  if (batch.image_type != dtype::float32 && batch.image_type != dtype::uint8)
    throw config_error("batch.dtype", "must be float32 or uint8");
  if (loader.threads < 0) throw config_error("loader.threads", "must be 0 (all cores) or more");
  if (loader.prefetch_batches < 1) throw config_error("loader.prefetch_batches", "must be at least 1");
  if (loader.max_memory && *loader.max_memory < 1) throw config_error("loader.max_memory", "must be at least 1 byte");
  if (loader.substitute_attempts < 1 || loader.substitute_attempts > 1000)
    throw config_error("loader.substitute_attempts", "must be 1 to 1000");
  if (decode.max_scans < 1) throw config_error("decode.max_scans", "must be at least 1");
  // No limit is not a choice: a 0 would have turned the check off without saying so.
  if (decode.max_pixels < 1) throw config_error("decode.max_pixels", "must be at least 1 (default 89478485, Pillow's)");
  if (decode.max_file_bytes < 1) throw config_error("decode.max_file_bytes", "must be at least 1 (default 1 GiB)");
  if (decode.max_png_chunk_bytes < 1)
    throw config_error("decode.max_png_chunk_bytes", "must be at least 1 (default 8000000, libpng's)");
}

}  // namespace imgbatch
