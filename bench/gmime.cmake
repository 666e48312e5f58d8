# bench/gmime.cmake: GMime's side of the MIME benchmark (gmime_bench), built
# only with -DTAMIS_GMIME=ON. Included by bench/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/gmime.cmake)
# The binary lands in the build folder's bench/, where run-mime-bench.sh
# looks for it.
if(TAMIS_GMIME)
  pkg_check_modules(GMIME REQUIRED IMPORTED_TARGET gmime-3.0)
  add_executable(gmime_bench ${CMAKE_CURRENT_LIST_DIR}/gmime_bench.c)
  target_include_directories(gmime_bench PRIVATE
    ${CMAKE_SOURCE_DIR}/tests/gmime)
  target_link_libraries(gmime_bench PRIVATE PkgConfig::GMIME)
endif()
