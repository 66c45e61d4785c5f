# A file the process may not read is named with the system's reason, as any bad file. Root reads
# everything, so as root the check runs as the user nobody (setpriv, util-linux).
file(REMOVE_RECURSE "${WORK}")
execute_process(COMMAND "${IMGBATCH}" make-sample "${WORK}" --n 4 RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make-sample failed: ${rc}")
endif()
file(CHMOD "${WORK}/seg/images/000001.jpg" PERMISSIONS OWNER_WRITE)
execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
set(as_user)
if(uid STREQUAL "0")
  set(as_user setpriv --reuid=65534 --regid=65534 --clear-groups)
endif()
execute_process(COMMAND ${as_user} "${IMGBATCH}" check "${WORK}/seg.json" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out MATCHES "seg/images/000001.jpg: Permission denied \\(read\\)"
   OR NOT out MATCHES "1 problem\\(s\\), 4 sample\\(s\\) checked")
  message(FATAL_ERROR "rc=${rc}\n${out}\n${err}")
endif()
message(STATUS "${out}")
