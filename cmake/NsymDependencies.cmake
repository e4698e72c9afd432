# Finds every library the project needs. A missing one stops configure with
# the Debian package that provides it, since that is the only fix a user needs.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config'")
endif()

# NSYM_STATIC_DEPS links every library but glibc's own from its static
# archive, as pkg-config --static lists them: the npm packages
# (scripts/npm-build.sh) run on systems that have none of them installed.
option(NSYM_STATIC_DEPS "Link the libraries from their static archives (.a), all but glibc" OFF)

function(nsym_require_pkg target module debian_pkg)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package '${debian_pkg}'")
  endif()
  if(NOT NSYM_STATIC_DEPS)
    add_library(nsym::${target} ALIAS PkgConfig::${target})
    return()
  endif()
  set(libs)
  foreach(lib IN LISTS ${target}_STATIC_LIBRARIES)
    if(lib MATCHES "^(c|m|dl|pthread|rt|resolv)$")
      list(APPEND libs ${lib}) # glibc's own, linked as usual
      continue()
    endif()
    find_library(NSYM_STATIC_LIB_${lib} NAMES lib${lib}.a HINTS ${${target}_STATIC_LIBRARY_DIRS})
    if(NOT NSYM_STATIC_LIB_${lib})
      message(FATAL_ERROR "lib${lib}.a (for ${module}) not found: NSYM_STATIC_DEPS needs the static archive of the Debian package '${debian_pkg}' or what it depends on")
    endif()
    list(APPEND libs ${NSYM_STATIC_LIB_${lib}})
  endforeach()
  list(REMOVE_DUPLICATES libs)
  add_library(nsym_static_${target} INTERFACE)
  target_include_directories(nsym_static_${target} INTERFACE ${${target}_STATIC_INCLUDE_DIRS})
  target_compile_options(nsym_static_${target} INTERFACE ${${target}_STATIC_CFLAGS_OTHER})
  target_link_libraries(nsym_static_${target} INTERFACE ${libs} ${${target}_STATIC_LDFLAGS_OTHER})
  add_library(nsym::${target} ALIAS nsym_static_${target})
endfunction()

nsym_require_pkg(ELF libelf libelf-dev)
nsym_require_pkg(ZLIB zlib zlib1g-dev)
nsym_require_pkg(ZSTD libzstd libzstd-dev)
nsym_require_pkg(CURL libcurl libcurl4-openssl-dev)
# The program loads libcurl when it first talks to a server (cli/curl_load.c),
# by the soname libcurl has had since 7.16.
set(NSYM_LIBCURL_SONAME libcurl.so.4)
# (NSYM_STATIC_DEPS links it instead: cli/CMakeLists.txt)
if(NOT NSYM_STATIC_DEPS)
  find_library(NSYM_LIBCURL_RUNTIME NAMES ${NSYM_LIBCURL_SONAME} HINTS ${CURL_LIBRARY_DIRS})
  if(NOT NSYM_LIBCURL_RUNTIME)
    message(FATAL_ERROR "${NSYM_LIBCURL_SONAME} not found: install the Debian package 'libcurl4'")
  endif()
endif()
nsym_require_pkg(SQLITE3 sqlite3 libsqlite3-dev)
# libpq: its header only; the server loads the library when it first opens a
# PostgreSQL store (server/pq_load.c), by the soname libpq has had since 8.3.
# Not linked, so NSYM_STATIC_DEPS needs no static libpq (Debian ships none of
# the Kerberos and LDAP archives it would need).
# Found by the header, where Debian puts it for every architecture, not by
# pkg-config: the arm64 npm build uses the build machine's libpq-dev, which
# Debian 11 cannot install beside its arm64 one, and its header is the same.
find_path(NSYM_PQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql)
if(NOT NSYM_PQ_INCLUDE_DIR)
  message(FATAL_ERROR "libpq-fe.h not found: install the Debian package 'libpq-dev'")
endif()
add_library(nsym::PQ INTERFACE IMPORTED)
set_target_properties(nsym::PQ PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${NSYM_PQ_INCLUDE_DIR}")
set(NSYM_LIBPQ_SONAME libpq.so.5)
nsym_require_pkg(UNWIND libunwind libunwind-dev)
nsym_require_pkg(JANSSON jansson libjansson-dev)
nsym_require_pkg(CRYPTO libcrypto libssl-dev)
if(NSYM_BUILD_TESTS)
  nsym_require_pkg(CHECK check check)
endif()

find_package(civetweb CONFIG QUIET)
if(NOT civetweb_FOUND)
  message(FATAL_ERROR "civetweb CMake package not found or incomplete: install the Debian packages 'libcivetweb-dev' and 'civetweb' (its CMake file checks for the civetweb program)")
endif()

# libiberty ships no pkg-config file on Debian.
function(nsym_require_lib target header header_suffix lib debian_pkg)
  find_path(${target}_INCLUDE_DIR ${header} PATH_SUFFIXES ${header_suffix})
  find_library(${target}_LIBRARY NAMES ${lib})
  if(NOT ${target}_INCLUDE_DIR OR NOT ${target}_LIBRARY)
    message(FATAL_ERROR "${lib} not found: install the Debian package '${debian_pkg}'")
  endif()
  add_library(nsym::${target} UNKNOWN IMPORTED)
  set_target_properties(nsym::${target} PROPERTIES
    IMPORTED_LOCATION "${${target}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${target}_INCLUDE_DIR}")
endfunction()

# dwarf.h: the DW_* constants of the DWARF standard, as libdwarf's headers
# spell them. Only the header: the symbolizer decodes DWARF itself and links
# none of libdwarf's code, which is not safe on hostile files
# (docs/symbolizer.md). It is found beside libdwarf.h, not elfutils' dwarf.h.
find_path(DWARF_INCLUDE_DIR libdwarf.h PATH_SUFFIXES libdwarf)
if(NOT DWARF_INCLUDE_DIR OR NOT EXISTS "${DWARF_INCLUDE_DIR}/dwarf.h")
  message(FATAL_ERROR "libdwarf's dwarf.h not found: install the Debian package 'libdwarf-dev'")
endif()
add_library(nsym::DWARF INTERFACE IMPORTED)
set_target_properties(nsym::DWARF PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${DWARF_INCLUDE_DIR}")
nsym_require_lib(IBERTY demangle.h libiberty libiberty.a libiberty-dev)

# libdeflate ships a pkg-config file from 1.9 on (Debian 12); Debian 11's
# 1.7, which the npm packages are built against, is found by its header.
pkg_check_modules(DEFLATE_PC QUIET libdeflate)
if(DEFLATE_PC_FOUND)
  nsym_require_pkg(DEFLATE libdeflate libdeflate-dev)
elseif(NSYM_STATIC_DEPS)
  nsym_require_lib(DEFLATE libdeflate.h "" libdeflate.a libdeflate-dev)
else()
  nsym_require_lib(DEFLATE libdeflate.h "" deflate libdeflate-dev)
endif()
