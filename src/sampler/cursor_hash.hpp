#pragma once

#include <imgbatch/spec.hpp>

#include "dataset/dataset.hpp"

#include <cstdint>

namespace imgbatch::detail {

/// A hash of everything in the spec that changes a batch's contents: not threads, prefetch or rank
/// (so any rank may restore rank 0's cursor), not the folder the spec sits in.
std::uint64_t spec_hash(const pipeline_spec& spec);

/// A hash of the index: every record's files (by their identity in the source: relative to the
/// dataset root, so the data may move), declared sizes, annotations, segmentations and classes, in
/// index order.
std::uint64_t dataset_hash(const dataset& data);

}  // namespace imgbatch::detail
