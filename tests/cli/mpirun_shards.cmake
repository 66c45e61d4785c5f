# Two real processes launched by `mpirun -np 2` with sampler rank/world_size "auto": each reads its
# rank from Open MPI's environment, and together they dump the epoch's global order exactly once
# (13 samples padded to 14 positions: rank 0 the even ones, rank 1 the odd ones).
# Reported as skipped (SKIP_REGULAR_EXPRESSION) when mpirun is absent (Debian openmpi-bin).
find_program(MPIRUN mpirun)
if(NOT MPIRUN)
  message(STATUS "SKIPPED: mpirun not found (Debian openmpi-bin)")
  return()
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND "${IMGBATCH}" make-sample "${WORK}" --n 13 RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make-sample failed: ${rc}")
endif()
file(WRITE "${WORK}/auto.json" "{
  \"dataset\": {\"format\": \"folder\", \"root\": \"seg\", \"images\": \"images\"},
  \"sampler\": {\"shuffle\": true, \"seed\": 4, \"rank\": \"auto\", \"world_size\": \"auto\"},
  \"transforms\": [{\"op\": \"resize\", \"size\": [8, 8]}, {\"op\": \"to_float\"}],
  \"batch\": {\"size\": 3}, \"loader\": {\"threads\": 1}}")
# Root in CI: Open MPI refuses to run as root unless told it is intended.
set(ENV{OMPI_ALLOW_RUN_AS_ROOT} 1)
set(ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} 1)
execute_process(
  COMMAND "${MPIRUN}" -np 2 --oversubscribe sh -c "exec \"$0\" dump \"$1\" --batches 100 --out \"$2/rank$OMPI_COMM_WORLD_RANK\""
          "${IMGBATCH}" "${WORK}/auto.json" "${WORK}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mpirun failed (${rc}):\n${out}\n${err}")
endif()
set(all_ids "")
foreach(rank 0 1)
  file(GLOB metas "${WORK}/rank${rank}/*/meta.json")
  list(LENGTH metas batches)
  if(NOT batches EQUAL 3)
    message(FATAL_ERROR "rank ${rank} wrote ${batches} batches, expected 3 (7 positions in batches of 3)")
  endif()
  list(SORT metas)
  set(expect ${rank})
  foreach(meta ${metas})
    file(READ "${meta}" text)
    string(JSON n LENGTH "${text}" samples)
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      string(JSON pos GET "${text}" samples ${i} position)
      string(JSON id GET "${text}" samples ${i} id)
      if(NOT pos EQUAL expect)
        message(FATAL_ERROR "rank ${rank}: position ${pos} where ${expect} was due (${meta})")
      endif()
      math(EXPR expect "${expect} + 2")
      list(APPEND all_ids ${id})
    endforeach()
  endforeach()
  math(EXPR end "14 + ${rank}")
  if(NOT expect EQUAL end)
    message(FATAL_ERROR "rank ${rank} stopped at position ${expect}")
  endif()
endforeach()
list(REMOVE_DUPLICATES all_ids)
list(LENGTH all_ids distinct)
if(NOT distinct EQUAL 13)
  message(FATAL_ERROR "the two ranks together saw ${distinct} of 13 samples: ${all_ids}")
endif()
message(STATUS "2 ranks under mpirun: positions 0..13 once each, all 13 samples seen")
