#!/usr/bin/env bash
# Runs the whole test suite in the build types scripts/test.sh does not:
# Debug (-g -O0), None (no flags of CMake's own, as Debian's packaging
# builds) and Release (-O3, no -g), one after another in build-debug,
# build-none and build-release, and says how many tests passed in each.
# scripts/test.sh covers RelWithDebInfo, which is also what a configure
# without CMAKE_BUILD_TYPE gives (CMakeLists.txt's default).
#
# What this catches: a test that needs the build's flags, such as one that
# reads the DWARF of a program of the build (Release and None have no -g;
# such a fixture must set its own, as tests/CMakeLists.txt does for
# unit_lookup), or code that only compiles cleanly with -O2 (GCC's
# -Wformat-truncation sees less at -O0, and warnings are errors). It takes
# three builds and three runs of the suite, so it is not part of
# scripts/test.sh; run it when the build, the fixtures or the test
# programs change. Usage: scripts/test-build-types.sh [TYPE...]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. scripts/env.sh
unset DEBUGINFOD_URLS NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN

types=("$@")
[ ${#types[@]} -gt 0 ] || types=(Debug None Release)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
summary=() status=0

for type in "${types[@]}"; do
  dir="build-$(tr '[:upper:]' '[:lower:]' <<<"$type")"
  echo "== $dir ($type): configure and build" >&2
  if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" >/dev/null ||
    ! cmake --build "$dir" -j "$JOBS"; then
    summary+=("$type: does not build")
    status=1
    continue
  fi
  echo "== $dir ($type): tests" >&2
  log="$dir/build-type-tests.log"
  (cd "$dir" && ctest --output-on-failure -j "$JOBS" --timeout 900) | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  summary+=("$type: $(grep -E '^[0-9]+% tests passed' "$log" || echo 'no result')")
done

printf '%s\n' "${summary[@]}" >&2
exit $status
