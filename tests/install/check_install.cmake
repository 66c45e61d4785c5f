# Installs the build tree to a fresh prefix, checks the installed files, then builds and runs a separate
# project against it with find_package(imgbatch) and once more with pkg-config.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
imgbatch_install_fresh()
include(GNUInstallDirs)
foreach(f bin/imgbatch bin/imgbatch-bench include/imgbatch/imgbatch.hpp include/imgbatch/loader.hpp
          ${CMAKE_INSTALL_LIBDIR}/cmake/imgbatch/imgbatchConfig.cmake
          ${CMAKE_INSTALL_LIBDIR}/cmake/imgbatch/imgbatchConfigVersion.cmake
          ${CMAKE_INSTALL_LIBDIR}/pkgconfig/imgbatch.pc)
  if(NOT EXISTS "${P}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
# A versioned shared library that exports the public API and nothing else.
file(GLOB libs "${P}/${CMAKE_INSTALL_LIBDIR}/libimgbatch.so.*.*.*")
list(LENGTH libs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one libimgbatch.so.X.Y.Z, found: ${libs}")
endif()
execute_process(COMMAND objdump -p ${libs} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT dyn MATCHES "SONAME +libimgbatch\\.so\\.${SOVERSION}\n")
  message(FATAL_ERROR "libimgbatch's SONAME is not libimgbatch.so.${SOVERSION}:\n${dyn}")
endif()
if(NOT EXISTS "${P}/${CMAKE_INSTALL_LIBDIR}/libimgbatch.so.${SOVERSION}" OR NOT EXISTS "${P}/${CMAKE_INSTALL_LIBDIR}/libimgbatch.so")
  message(FATAL_ERROR "the libimgbatch.so.${SOVERSION} and libimgbatch.so links are not installed")
endif()
execute_process(COMMAND nm -D -C --defined-only ${libs} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
string(REPLACE "\n" ";" syms "${syms}")
set(public 0)
# The demangled name of each defined symbol, after "ADDRESS TYPE ": either one of the public API's
# names (or its type info and vtables), or a standard-library instantiation (weak, default visibility
# by libstdc++'s own attribute), or the linker's own symbols. Anything else leaked.
set(api "imgbatch::(batch|cursor|loader|loader_stats|pipeline_spec|sample_geometry|tensor|buffer_allocator|detail::storage_free|error|config_error|dataset_error|sample_error)(::|$)|imgbatch::(dtype_name|dtype_size|version|op_name|operator<<)\\(")
foreach(line IN LISTS syms)
  if(NOT line MATCHES "^[0-9a-f]+ [A-Za-z] (.*)$")
    continue()
  endif()
  set(sym "${CMAKE_MATCH_1}")
  string(REGEX REPLACE "^(typeinfo name for |typeinfo for |vtable for |non-virtual thunk to )" "" name "${sym}")
  if(name MATCHES "^(${api})")
    math(EXPR public "${public} + 1")
  # A function template's instantiation demangles with its return type first ("void std::__detail::...").
  elseif(name MATCHES "^([a-z ]+ )?(std::|__gnu_cxx::)" OR name MATCHES "^(_init|_fini|__bss_start|_edata|_end)$")
  else()
    message(FATAL_ERROR "libimgbatch exports a symbol outside the public API: ${sym}")
  endif()
endforeach()
if(public LESS 40)
  message(FATAL_ERROR "only ${public} public imgbatch symbols exported")
endif()
message(STATUS "libimgbatch: SONAME libimgbatch.so.${SOVERSION}, ${public} exported imgbatch symbols, all public")
# Public headers must not expose oneTBB, libjpeg or libpng.
file(GLOB headers "${P}/include/imgbatch/*.hpp")
foreach(h ${headers})
  file(STRINGS "${h}" bad REGEX "#include <(tbb|oneapi|jpeglib|turbojpeg|png)")
  if(bad)
    message(FATAL_ERROR "${h} includes a dependency's header: ${bad}")
  endif()
endforeach()
imgbatch_configure_and_build("the consumer" "${SRC}/consumer" "${WORK}/consumer" -DCMAKE_PREFIX_PATH=${P})
execute_process(COMMAND "${WORK}/consumer/consumer" "${WORK}/data/seg.json" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "imgbatch [0-9.]+: 2 batches, 32 samples")
  message(FATAL_ERROR "consumer run: rc=${rc} ${out}")
endif()
message(STATUS "find_package consumer: ${out}")
# pkg-config: compile and link the same program by hand.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${P}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs imgbatch RESULT_VARIABLE rc OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config imgbatch failed")
endif()
# libimgbatch is shared and links its dependencies itself: `--libs` is -limgbatch alone.
if(NOT flags MATCHES "-limgbatch$")
  message(FATAL_ERROR "pkg-config --libs imgbatch: ${flags}")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND c++ "${SRC}/consumer/main.cpp" -o "${WORK}/pc_consumer" ${flags} "-Wl,-rpath,${P}/${CMAKE_INSTALL_LIBDIR}" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config build failed: ${flags}\n${err}")
endif()
execute_process(COMMAND "${WORK}/pc_consumer" "${WORK}/data/seg.json" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config consumer run failed: ${out}")
endif()
message(STATUS "pkg-config consumer: ${out}")
# The Python module, installed beside the library: imported from the prefix alone (its RPATH finds
# libimgbatch), a batch reaches torch without a copy.
if(PYTHON)
  if(NOT EXISTS "${P}/${PYTHON_DIR}/imgbatch/__init__.py")
    message(FATAL_ERROR "the Python package is not installed in ${P}/${PYTHON_DIR}")
  endif()
  set(ENV{PYTHONPATH} "${P}/${PYTHON_DIR}")
  execute_process(COMMAND "${PYTHON}" -c "
import imgbatch, torch, sys
assert imgbatch.__file__.startswith('${P}/'), imgbatch.__file__
b = imgbatch.Loader('${WORK}/data/seg.json').next()
t = torch.from_dlpack(b['image'])
assert t.data_ptr() == b['image'].data_ptr, 'copied'
maps = [l.split()[-1] for l in open('/proc/self/maps') if 'libimgbatch.so' in l]
assert maps and all(m.startswith('${P}/') for m in maps), maps  # its RPATH found the installed library
print(imgbatch.__version__, tuple(t.shape), t.dtype)
" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the installed Python module failed: ${out}\n${err}")
  endif()
  message(STATUS "installed Python module: ${out}")
endif()
