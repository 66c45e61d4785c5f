# imgbatch dump --from-batch K starts the epoch at batch K exactly as a restored cursor would: its
# batches equal batches K.. of a dump from the start (random crops and flips included), with
# another thread count, and it prints the cursor after the last batch.
file(REMOVE_RECURSE "${WORK}")
execute_process(COMMAND "${IMGBATCH}" make-sample "${WORK}" --n 24 RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make-sample failed: ${rc}")
endif()
file(WRITE "${WORK}/rand.json" "{
  \"dataset\": {\"format\": \"folder\", \"root\": \"seg\", \"images\": \"images\", \"masks\": \"masks\"},
  \"targets\": {\"mask\": {\"num_classes\": 21, \"ignore_index\": 255}},
  \"sampler\": {\"shuffle\": true, \"seed\": 11},
  \"transforms\": [{\"op\": \"random_resized_crop\", \"size\": [32, 48]}, {\"op\": \"hflip\", \"p\": 0.5},
                   {\"op\": \"to_float\"}],
  \"batch\": {\"size\": 4}, \"loader\": {\"threads\": 1}}")
execute_process(COMMAND "${IMGBATCH}" dump "${WORK}/rand.json" --epoch 2 --batches 6 --out "${WORK}/all"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "cursor: imgbatch-cursor/1 epoch=2 batches=6 seed=11 ")
  message(FATAL_ERROR "dump: rc=${rc} ${out}")
endif()
execute_process(COMMAND "${IMGBATCH}" dump "${WORK}/rand.json" --epoch 2 --from-batch 4 --batches 2 --threads 2
                        --out "${WORK}/late" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "wrote 2 batch\\(es\\)")
  message(FATAL_ERROR "dump --from-batch: rc=${rc} ${out}")
endif()
foreach(k 0004 0005)
  foreach(f image.npy mask.npy meta.json)
    file(SHA256 "${WORK}/all/${k}/${f}" a)
    file(SHA256 "${WORK}/late/${k}/${f}" b)
    if(NOT a STREQUAL b)
      message(FATAL_ERROR "batch ${k} ${f} differs between the full dump and --from-batch 4")
    endif()
  endforeach()
endforeach()
if(EXISTS "${WORK}/late/0003")
  message(FATAL_ERROR "--from-batch 4 wrote batch 3")
endif()
execute_process(COMMAND "${IMGBATCH}" dump "${WORK}/rand.json" --from-batch 7 --out "${WORK}/past" RESULT_VARIABLE rc
                ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "an epoch has 6 batches")
  message(FATAL_ERROR "--from-batch past the epoch: rc=${rc} ${err}")
endif()
