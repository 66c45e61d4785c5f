# imgbatch check lists each bad file with its reason and exits 1; a clean dataset exits 0.
file(REMOVE_RECURSE "${WORK}")
execute_process(COMMAND "${IMGBATCH}" make-sample "${WORK}" --n 6 RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make-sample failed: ${rc}")
endif()
execute_process(COMMAND "${IMGBATCH}" check "${WORK}/seg.json" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "0 problem\\(s\\)")
  message(FATAL_ERROR "clean dataset: rc=${rc} output: ${out}")
endif()
file(WRITE "${WORK}/seg/images/000002.jpg" "not an image")
file(WRITE "${WORK}/seg/masks/000004.png" "")
execute_process(COMMAND "${IMGBATCH}" check "${WORK}/seg.json" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1, got ${rc}: ${out}")
endif()
foreach(want "000002.jpg: not a JPEG, PNG or WebP file \\(an unknown format\\)"
             "000004.png: empty file" "2 problem\\(s\\)")
  if(NOT out MATCHES "${want}")
    message(FATAL_ERROR "output lacks '${want}':\n${out}")
  endif()
endforeach()
# Each line: file, reason, stage.
foreach(want "000002.jpg: not a JPEG, PNG or WebP file \\(an unknown format\\) \\(decode\\)" "000004.png: empty file \\(decode\\)")
  if(NOT out MATCHES "${want}")
    message(FATAL_ERROR "output lacks '${want}':\n${out}")
  endif()
endforeach()
message(STATUS "check output:\n${out}")

# --quarantine appends the bad files in the format loader.quarantine reads; a spec that names it leaves
# them out, so check (and the loader) find nothing wrong.
execute_process(COMMAND "${IMGBATCH}" check "${WORK}/seg.json" --quarantine "${WORK}/bad.tsv" RESULT_VARIABLE rc
                OUTPUT_VARIABLE out)
if(NOT rc EQUAL 1 OR NOT out MATCHES "2 file\\(s\\) added to [^\n]*bad.tsv, 2 listed")
  message(FATAL_ERROR "check --quarantine: rc=${rc} output: ${out}")
endif()
file(STRINGS "${WORK}/bad.tsv" lines)
list(LENGTH lines n)
list(GET lines 0 first)
list(GET lines 1 second)
# Files are listed by their path from the dataset's root, whatever the working directory.
if(NOT n EQUAL 2 OR NOT first MATCHES "^images/000002.jpg\tdecode\tnot a JPEG, PNG or WebP file"
   OR NOT second MATCHES "^masks/000004.png\tdecode\tempty file$")
  message(FATAL_ERROR "bad.tsv holds:\n${lines}")
endif()
file(READ "${WORK}/seg.json" spec)
string(REPLACE "\"prefetch_batches\": 4}" "\"prefetch_batches\": 4, \"quarantine\": \"bad.tsv\"}" spec "${spec}")
file(WRITE "${WORK}/seg-quarantined.json" "${spec}")
execute_process(COMMAND "${IMGBATCH}" check "${WORK}/seg-quarantined.json" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "0 problem\\(s\\), 4 sample\\(s\\) checked, 2 left out by loader.quarantine")
  message(FATAL_ERROR "check with the quarantine: rc=${rc} output: ${out} ${err}\nspec: ${spec}")
endif()
# Checking again into the spec's own quarantine keeps the two it left out of the check.
execute_process(COMMAND "${IMGBATCH}" check "${WORK}/seg-quarantined.json" --quarantine "${WORK}/bad.tsv"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
file(STRINGS "${WORK}/bad.tsv" again)
if(NOT rc EQUAL 0 OR NOT again STREQUAL lines OR NOT out MATCHES "0 file\\(s\\) added to [^\n]*bad.tsv, 2 listed")
  message(FATAL_ERROR "check --quarantine into the spec's own quarantine: rc=${rc} ${out}\nbad.tsv: ${again}")
endif()
