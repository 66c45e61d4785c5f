#pragma once

#include <imgbatch/spec.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace imgbatch::detail {

struct pack_report {
  std::size_t samples = 0, shards = 0;
  std::uint64_t bytes = 0;
  std::string urls;         ///< the brace pattern of the shards written ("shard-{000000..000003}.tar")
  bool categories = false;  ///< categories.json was written
};

/// Writes the spec's dataset (any format imgbatch reads) into WebDataset shards in `out` (which must be
/// empty or absent): OUT/shard-NNNNNN.tar of about `shard_bytes` each (a sample is never split), samples
/// in index order, keyed by their index (9 digits). Each sample's files keep their bytes: the image as
/// `.jpg` or `.png` (by content), its mask as `.seg.png`, depth map as `.depth.png`, caption as `.txt`,
/// and, for annotated datasets, `.json` with the image's size and its objects in COCO's fields (boxes
/// in pixels of the annotation frame, crowd as iscrowd, polygons and RLE as written); the classes go to
/// OUT/categories.json. Read back with the same targets and transforms, the shards give the dataset's
/// batches. `progress(done, total)` is called now and then.
pack_report pack_dataset(const pipeline_spec& spec, const std::string& out, std::uint64_t shard_bytes,
                         const std::function<void(std::size_t, std::size_t)>& progress);

}  // namespace imgbatch::detail
