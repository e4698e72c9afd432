# NSYM_FUZZ=ON: build the fuzz harnesses of tests/fuzz as libFuzzer binaries.
# Everything is compiled with coverage instrumentation for libFuzzer
# (-fsanitize=fuzzer-no-link) and ASan+UBSan; only the harnesses link the
# libFuzzer runtime. Needs clang (CC=clang) and its compiler-rt, which Debian
# ships in libclang-rt-14-dev.
if(NOT NSYM_FUZZ)
  return()
endif()
if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "NSYM_FUZZ needs clang: configure a new build folder with CC=clang")
endif()
if(NOT NSYM_BUILD_TESTS)
  message(FATAL_ERROR "NSYM_FUZZ needs NSYM_BUILD_TESTS=ON: the harnesses live in tests/fuzz")
endif()

include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
check_c_source_compiles("
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return data && size ? 0 : 0; }"
  NSYM_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
if(NOT NSYM_HAVE_LIBFUZZER)
  message(FATAL_ERROR "clang cannot link libFuzzer: install the Debian package 'libclang-rt-14-dev'")
endif()

add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
