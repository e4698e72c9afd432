#!/usr/bin/env bash
# napi-symbols run: a program run with the crash hook preloaded, found
# beside the CLI; the hook's symbolicating child is this CLI whatever PATH
# holds; exit status and signals are the program's own.
# Usage: run-test.sh NAPI_SYMBOLS CASE, with NSYM_FIXTURES_DIR set (run-crash).
set -uo pipefail
nsym="$1"
case_name="$2"
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
expect() { # STATUS CMD...: runs CMD, keeps stdout/stderr in $out/$err
  local want="$1"; shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out="$(cat "$work/out")"; err="$(cat "$work/err")"
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stdout: $out; stderr: $err"
}

. "$(dirname "$0")/../lib.sh"

case $case_name in
run-crash)
  # The stripped addon crashes under `run`; its debug file is only on the
  # server. PATH has no napi-symbols: the trace comes from this one.
  c="${NSYM_FIXTURES_DIR:?}/c"
  serve_for_test
  expect 0 "$nsym" upload --server "$url" --token "$(cat "$work/token")" "$c/addon.node.debug"
  cp "$c/addon.node.stripped" "$work/addon.node"
  mkdir "$work/reports"
  expect 139 env -u LD_PRELOAD PATH=/usr/bin:/bin NAPI_SYMBOLS_SERVER="$url" \
    DEBUGINFOD_CACHE_PATH="$work/cache" NAPI_SYMBOLS_REPORT_DIR="$work/reports" \
    "$nsym" run -- node -e "require('$work/addon.node').crash()"
  [[ "$err" == *"napi-symbols: crash v1 SIGSEGV"* ]] || fail "no compact trace: $err"
  [[ "$err" =~ load_slot\ at\ [^$'\n']*addon.c:[0-9]+ ]] || fail "not symbolicated: $err"
  ls "$work/reports"/napi-crash-*.json >/dev/null 2>&1 || fail "no report written" ;;
run-env)
  # LD_PRELOAD keeps what was there, behind the hook; NAPI_SYMBOLS_BIN is
  # this program unless set; the hook is the build's (../loader-hook/).
  hook=$(cd "$(dirname "$nsym")/../loader-hook" && pwd)/libnapi_symbols_hook.so
  expect 0 env LD_PRELOAD=/nonexistent-lib.so "$nsym" run -- sh -c 'echo "$LD_PRELOAD|$NAPI_SYMBOLS_BIN"'
  [ "$out" = "$hook:/nonexistent-lib.so|$(readlink -f "$nsym")" ] || fail "environment: $out"
  expect 0 env NAPI_SYMBOLS_BIN=/other "$nsym" run sh -c 'echo "$NAPI_SYMBOLS_BIN"'
  [ "$out" = /other ] || fail "NAPI_SYMBOLS_BIN set by the user was replaced: $out"
  # the hook once, not twice, when it is preloaded already (into the CLI
  # too, which in the ASan build would trip ASan's check that it comes first)
  expect 0 env LD_PRELOAD="$hook" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    "$nsym" run -- sh -c 'echo "$LD_PRELOAD"'
  [ "$out" = "$hook" ] || fail "preloaded twice: $out" ;;
run-status)
  # the program replaces the CLI: its exit status and its death by a signal
  expect 3 "$nsym" run -- sh -c 'exit 3'
  expect 143 "$nsym" run -- sh -c 'kill -TERM $$'
  expect 0 "$nsym" run -- sh -c 'test "$1" = --help' sh --help ;;
run-no-hook)
  # a CLI with no hook beside it says where it looked; --hook names one
  mkdir -p "$work/bin"
  cp "$nsym" "$work/bin/napi-symbols"
  expect 1 "$work/bin/napi-symbols" run -- true
  [[ "$err" == *"libnapi_symbols_hook.so is not beside '$work/bin/napi-symbols'"* ]] ||
    fail "no hook: $err"
  mkdir -p "$work/lib/napi-symbols"
  cp "$(dirname "$nsym")/../loader-hook/libnapi_symbols_hook.so" "$work/lib/napi-symbols/"
  expect 0 "$work/bin/napi-symbols" run -- sh -c 'echo "$LD_PRELOAD"'
  [ "$out" = "$work/lib/napi-symbols/libnapi_symbols_hook.so" ] || fail "package layout: $out"
  mkdir "$work/with space"
  cp "$work/lib/napi-symbols/libnapi_symbols_hook.so" "$work/with space/"
  expect 1 "$work/bin/napi-symbols" run --hook "$work/with space/libnapi_symbols_hook.so" -- true
  [[ "$err" == *"holds a space or a colon"* ]] || fail "space: $err"
  expect 1 "$work/bin/napi-symbols" run --hook "$work/missing.so" -- true ;;
run-usage)
  expect 129 "$nsym" run
  expect 129 "$nsym" run --bad -- true
  expect 127 "$nsym" run -- "$work/no-such-program"
  [[ "$err" == *"cannot run '$work/no-such-program'"* ]] || fail "not found: $err"
  expect 126 "$nsym" run -- "$work" ;;
*) fail "unknown case" ;;
esac
