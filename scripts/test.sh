#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite twice:
# a normal build (warnings are errors) and an ASan+UBSan build, both
# RelWithDebInfo. The suite must pass in every build type (test fixtures
# set their own debug flags instead of borrowing the build's):
# scripts/test-build-types.sh runs it in Debug, None and Release, which
# takes three more builds and runs and so is not done here.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

scripts/install-deps.sh
echo "== dependencies in place after $SECONDS s" >&2
scripts/check-style.sh
# The tests bring their own servers; a system-wide one (Debian's profile
# sets DEBUGINFOD_URLS for login shells) must not be asked.
unset DEBUGINFOD_URLS NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN

# Each step says how long it took: CI has 20 minutes for all of them.
# ccache gives back what an earlier run on this machine compiled (the
# plain build alone was 133 s of CPU here); a first run compiles as
# without it.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
run_suite() {
  local dir="$1" t0=$SECONDS t1; shift
  echo "== $dir: configure and build" >&2
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
  t1=$SECONDS
  echo "== $dir: built in $((t1 - t0)) s; tests" >&2
  # one test more than CPUs: the tests that wait on their servers and
  # daemons left a third of the CPUs idle (a clean run: 35 CPU-minutes in
  # 26 minutes on 2 CPUs)
  (cd "$dir" && ctest --output-on-failure -j "$((JOBS + 1))" --timeout 600)
  echo "== $dir: tests passed in $((SECONDS - t1)) s" >&2
}

run_suite build
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DNSYM_SANITIZE=ON
