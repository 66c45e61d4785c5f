# imgbatch check on the real COCO sample (SOURCES.md section 8): its file lists 100 images of which 10
# are present; check exits 1 and names every missing image with its id, and the 10 present ones pass.
# Reported as skipped (SKIP_REGULAR_EXPRESSION) when the test data is absent.
set(root "${TESTDATA}/detection_voc_coco_yolo")
if(NOT EXISTS "${root}/gts/coco_format_v1/instances_default.json")
  message(STATUS "SKIPPED: ${root} is absent")
  return()
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/coco.json" "{\"dataset\": {\"format\": \"coco\", \"root\": \"${root}\",
  \"annotations\": \"gts/coco_format_v1/instances_default.json\", \"images\": \"images\"}, \"batch\": {\"size\": 2}}")
execute_process(COMMAND "${IMGBATCH}" check "${WORK}/coco.json" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1, got ${rc}: ${out}${err}")
endif()
foreach(want "images/2007_001585.jpg: image id 1: image file not found"
             "images/2007_000129.jpg: image id 90: image file not found" "90 problem\\(s\\), 10 sample\\(s\\) checked")
  if(NOT out MATCHES "${want}")
    message(FATAL_ERROR "output lacks '${want}':\n${out}")
  endif()
endforeach()
if(out MATCHES "2007_000027.jpg")
  message(FATAL_ERROR "a present image is reported:\n${out}")
endif()
# The loader refuses the same file, naming the first missing images, unless told to skip them.
execute_process(COMMAND "${IMGBATCH}" dump "${WORK}/coco.json" --batches 1 --out "${WORK}/dump" RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "90 problem\\(s\\) in the dataset" OR NOT err MATCHES "2007_001585.jpg: image id 1: image file not found")
  message(FATAL_ERROR "dump should refuse the dataset: rc=${rc}\n${err}")
endif()
message(STATUS "check output (tail):\n${out}")
