#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgbatch::detail {

// COCO run-length masks, as the COCO API's maskApi.c computes them. Counts alternate runs of 0 and 1,
// starting with 0, over the pixels in column-major order (x * height + y).

/// Decodes the COCO API's compressed counts string (rleFrString); returns "" or the reason it is malformed.
std::string rle_from_string(std::string_view text, std::vector<std::uint32_t>& counts);

/// Rasterises one polygon (x0 y0 x1 y1 ..., k points) as the COCO API's rleFrPoly does.
void rle_from_polygon(const double* xy, std::size_t k, int height, int width, std::vector<std::uint32_t>& counts);

/// Sets every pixel the counts mark as 1 to `value` in a row-major raster of height × width bytes.
void rle_paint(const std::vector<std::uint32_t>& counts, int height, int width, std::uint8_t value,
               std::uint8_t* raster);

}  // namespace imgbatch::detail

namespace imgbatch::detail {
struct segmentation;
/// Sets to `value` every pixel of a row-major height × width raster that a COCO segmentation covers
/// (the union of its polygons, as the COCO API's annToRLE then decode), reusing `counts`.
void paint_segmentation(const segmentation& s, int height, int width, std::uint8_t value, std::uint8_t* raster,
                        std::vector<std::uint32_t>& counts);
}  // namespace imgbatch::detail
