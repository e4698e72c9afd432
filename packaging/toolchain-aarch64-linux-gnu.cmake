# Cross build for arm64 with Debian's cross compiler (gcc-aarch64-linux-gnu)
# and arm64 multiarch -dev packages: libraries are found in
# /usr/lib/aarch64-linux-gnu by the compiler's library architecture, and
# pkg-config is pointed there by packaging/build-static.sh.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
