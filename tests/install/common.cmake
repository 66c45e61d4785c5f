# Shared steps of the install tests (cmake -P scripts).

# Installs the build tree BUILD to a fresh WORK/prefix, sets P to it, and writes `imgbatch make-sample`
# data (32 samples) to WORK/data with the installed tool.
macro(imgbatch_install_fresh)
  file(REMOVE_RECURSE "${WORK}")
  execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD}" --prefix "${WORK}/prefix" RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed: ${rc}")
  endif()
  set(P "${WORK}/prefix")
  execute_process(COMMAND "${P}/bin/imgbatch" make-sample "${WORK}/data" --n 32 RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "installed imgbatch make-sample failed")
  endif()
endmacro()

# Configures the CMake project in `source` into `binary` (Ninja, Release, extra arguments after them)
# and builds it; `what` names it in the failure message.
function(imgbatch_configure_and_build what source binary)
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${source}" -B "${binary}" -G Ninja -DCMAKE_BUILD_TYPE=Release ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring ${what} failed:\n${out}\n${err}")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${binary}" ${IMGBATCH_BUILD_ARGS} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building ${what} failed:\n${out}\n${err}")
  endif()
endfunction()
