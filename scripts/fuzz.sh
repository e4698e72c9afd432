#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, NSYM_FUZZ=ON) into
# build-fuzz/ and runs them: each one, or those named, for SECONDS each.
# New interesting inputs go to build-fuzz/fuzz-corpus/NAME/ and crashes to
# build-fuzz/fuzz-artifacts/NAME/, never into the tracked corpus; --merge
# then minimises the tracked corpus tests/fuzz/corpus/NAME/ together with
# what the runs found (libFuzzer -merge=1), keeping files named by hand. Arguments after -- go to
# libFuzzer as they are (e.g. -- -fork=2 -ignore_crashes=1).
#
#   scripts/fuzz.sh [-t SECONDS] [HARNESS...] [-- LIBFUZZER-FLAGS...]
#   scripts/fuzz.sh --merge [HARNESS...]
#
# Harnesses (tests/fuzz/README.md): elf_identity symbolizer symcache file
# crash_report crash_trace crash_rust maps symbolicate package_json
# demangle_msvc upload_identify upstream_hops http v5_request page_form
# page_browse page_context. Exits 1 when a run finds a crash, leak or
# timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 129
}

seconds=60
merge=0
names=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) usage ;;
    --) shift; extra=("$@"); break ;;
    -*) echo "fuzz.sh: unknown option '$1'" >&2; usage ;;
    *) names+=("$1"); shift ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: -t takes whole seconds" >&2; exit 129 ;; esac

# Largest input per harness: ELF fixtures are under 32 KB, symcaches under
# 8 KB; a package.json or an HTTP request of the seeds under 16 KB.
max_len() {
  case "$1" in
    symcache | package_json | http) echo 16384 ;;
    pdb_lookup) echo 131072 ;; # the fixtures' PDBs are 72 to 80 KB
    *) echo 65536 ;;
  esac
}

# Seed folders a harness reads besides its own corpus (never written); the
# build makes $build/fuzz-seeds/ from the fixtures (tests/fuzz/damaged-seeds.sh).
seed_dirs() {
  case "$1" in
    file) echo tests/fuzz/corpus/macho tests/fuzz/corpus/pe tests/fuzz/corpus/pdb \
      tests/fuzz/corpus/elf_identity ;;
    symbolizer) echo "$build/fuzz-seeds/symbolizer" ;;
    # the PE fixtures' PDBs, which hold this machine's paths and so are not
    # checked in
    pdb_lookup) echo tests/fuzz/corpus/pdb "$build/fixtures/foreign/pe" ;;
    symbolicate) echo tests/fuzz/corpus/crash_report tests/fuzz/corpus/crash_trace \
      tests/fuzz/corpus/crash_rust ;;
    upload_identify) echo tests/fuzz/corpus/file tests/fuzz/corpus/macho tests/fuzz/corpus/pe \
      tests/fuzz/corpus/pdb tests/fuzz/corpus/elf_identity tests/fuzz/corpus/symbolizer ;;
  esac
}

# libFuzzer flags a harness needs: its dictionary tests/fuzz/NAME.dict when
# there is one; the HTTP harness's server writes an access-log line per
# request on stderr, which -close_fd_mask=2 drops (libFuzzer and the
# sanitizers keep their own copy of stderr).
run_flags() {
  local flags=""
  [ ! -f "tests/fuzz/$1.dict" ] || flags="-dict=tests/fuzz/$1.dict"
  case "$1" in
    http) flags="$flags -close_fd_mask=2" ;;
  esac
  echo "$flags"
}

# libFuzzer comes with clang's compiler-rt (Debian: libclang-rt-N-dev).
ensure_libfuzzer() {
  command -v clang >/dev/null || scripts/install-deps.sh
  local rt major
  rt=$(clang --print-runtime-dir 2>/dev/null || true)
  if [ -n "$rt" ] && [ -f "$rt/libclang_rt.fuzzer-x86_64.a" ]; then
    return
  fi
  if ls "$(dirname "$(clang -print-libgcc-file-name 2>/dev/null)")"/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
    return
  fi
  major=$(clang -dumpversion | cut -d. -f1)
  echo "fuzz.sh: installing libclang-rt-$major-dev for libFuzzer" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "libclang-rt-$major-dev"
}

ensure_libfuzzer
build="build-fuzz"
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNSYM_FUZZ=ON >/dev/null
available=$(cmake --build "$build" --target help | sed -n 's/^\.\.\. fuzz_\([a-z0-9_]*\)$/\1/p' | tr '\n' ' ')
available=${available% }
if [ ${#names[@]} -eq 0 ]; then
  read -r -a names <<<"$available"
fi
targets=()
for n in "${names[@]}"; do
  if [[ " $available " != *" $n "* ]]; then
    echo "fuzz.sh: no harness '$n' (have: $available)" >&2
    exit 129
  fi
  targets+=("fuzz_$n")
done
cmake --build "$build" -j "$JOBS" --target "${targets[@]}" fuzz_seeds foreign_fixtures

status=0
for n in "${names[@]}"; do
  bin=$build/tests/fuzz/fuzz_$n
  tracked=tests/fuzz/corpus/$n
  scratch=$build/fuzz-corpus/$n
  artifacts=$build/fuzz-artifacts/$n
  mkdir -p "$tracked" "$scratch" "$artifacts"
  read -r -a seeds <<<"$(seed_dirs "$n")"
  if [ $merge = 1 ]; then
    # The files named by hand in the corpus (seeds, regressions) and the
    # seed folders are the base; the SHA-1-named files libFuzzer wrote are
    # replaced by the smallest set that adds coverage to that base, out of
    # the corpus and what the runs found. Edges only (-use_counters=0): one
    # input per new edge keeps the tracked corpus small, while the scratch
    # folder keeps everything for the next run here.
    out=$(mktemp -d)
    echo "== $n: merging $tracked and $scratch" >&2
    before=$(du -sb "$tracked" | cut -f1)
    find "$tracked" -maxdepth 1 -regextype posix-extended -type f ! -regex '.*/[0-9a-f]{40}' \
      -exec cp {} "$out"/ \;
    for d in "${seeds[@]}"; do cp "$d"/* "$out"/; done
    ls "$out" >"$out.base"
    "$bin" -merge=1 -use_counters=0 -max_len="$(max_len "$n")" -timeout=10 \
      -rss_limit_mb=2048 "$out" "$tracked" "$scratch"
    find "$tracked" -maxdepth 1 -regextype posix-extended -type f -regex '.*/[0-9a-f]{40}' -delete
    for f in "$out"/*; do
      grep -qxF "$(basename "$f")" "$out.base" || cp "$f" "$tracked"/
    done
    rm -rf "$out" "$out.base"
    echo "== $n: $(find "$tracked" -type f | wc -l) files, $before -> $(du -sb "$tracked" | cut -f1) bytes" >&2
  else
    echo "== $n: fuzzing for ${seconds}s (new inputs in $scratch)" >&2
    read -r -a flags <<<"$(run_flags "$n")"
    "$bin" -max_total_time="$seconds" -max_len="$(max_len "$n")" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
      "${flags[@]}" "${extra[@]}" "$scratch" "$tracked" "${seeds[@]}" || status=1
  fi
done
if [ $status != 0 ]; then
  echo "fuzz.sh: a harness failed; inputs are in $build/fuzz-artifacts/" >&2
fi
exit $status
