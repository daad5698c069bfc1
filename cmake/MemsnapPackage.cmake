# What `cmake --install` puts in place for programs that use libmemsnap
# (docs/library.md): the public headers, a pkg-config file and a CMake
# package.  The libraries, the CLI, the capture library and the man page
# are installed by their own directories.

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

# ---- pkg-config: lib/pkgconfig/memsnap.pc ----------------------------------
# The prefix is found from the .pc file's own place (${pcfiledir}), so a
# tree installed with `cmake --install --prefix DIR` or moved later still
# points at itself; absolute install directories are used as given.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(MEMSNAP_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" up "${up}")
  set(MEMSNAP_PC_PREFIX "\${pcfiledir}/${up}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(MEMSNAP_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(MEMSNAP_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
# What the static library needs (pkg-config --static): the same as
# src/CMakeLists.txt's MEMSNAP_LINK_DEPS.
set(MEMSNAP_PC_REQUIRES_PRIVATE "libzstd libcjson")
set(MEMSNAP_PC_LIBS_PRIVATE "-lm -pthread")
if(MEMSNAP_HAVE_DWARF)
  string(APPEND MEMSNAP_PC_REQUIRES_PRIVATE " libelf")
  set(MEMSNAP_PC_LIBS_PRIVATE "-ldwarf ${MEMSNAP_PC_LIBS_PRIVATE}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/memsnap.pc.in ${PROJECT_BINARY_DIR}/memsnap.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/memsnap.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ---- CMake: lib/cmake/memsnap/memsnapConfig.cmake --------------------------
# Targets memsnap::memsnap (shared) and memsnap::memsnap_static.  The
# version file accepts any 0.x for 0.1, as the SONAME (libmemsnap.so.0) does.
include(CMakePackageConfigHelpers)
set(MEMSNAP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/memsnap)
install(EXPORT memsnapTargets NAMESPACE memsnap:: DESTINATION ${MEMSNAP_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/memsnapConfig.cmake.in
  ${PROJECT_BINARY_DIR}/memsnapConfig.cmake
  INSTALL_DESTINATION ${MEMSNAP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/memsnapConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/memsnapConfig.cmake
              ${PROJECT_BINARY_DIR}/memsnapConfigVersion.cmake
  DESTINATION ${MEMSNAP_CMAKE_DIR})
