# AddressSanitizer + UndefinedBehaviorSanitizer, and libFuzzer instrumentation.
if(TAMIS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(TAMIS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TAMIS_FUZZ needs clang (CC=clang)")
  endif()
  # Every library gets coverage instrumentation; only fuzz targets link the
  # libFuzzer main (see tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
