# tests/lib.sh: shell helpers the test scripts share (sourced, not run).
# The script sourcing it defines fail MESSAGE, and for serve_for_test the
# $nsym, $work and pids variables its cleanup uses.

# tool NAME: the path of an LLVM tool (llvm-objdump, clang, ld64.lld...),
# plain or versioned as Debian installs them.
tool() {
  local n
  for n in "$1" "$1-16" "$1-15" "$1-14" /usr/lib/llvm-*/bin/"$1"; do
    command -v "$n" 2>/dev/null && return
  done
  fail "$1 not found (Debian packages llvm, clang, lld)"
}

# serve_for_test: a real server on 127.0.0.1 port 0 over $work/store, with
# an upload token in $work/token; sets url, and adds its pid to pids.
serve_for_test() {
  "$nsym" token create --store "$work/store" --scope upload --name ci >"$work/token" ||
    fail "token create"
  "$nsym" serve --store "$work/store" --listen 127.0.0.1:0 >"$work/listen.out" 2>"$work/listen.err" &
  pids+=($!)
  url=
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/listen.out" 2>/dev/null)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  fail "server did not start: $(cat "$work/listen.err")"
}

# run STATUS ARGS...: `$nsym symbolicate ARGS`, which must exit STATUS; its
# stdout in $out and stderr in $err (NSYM_RUN_ARGS go before ARGS)
run() {
  local want=$1
  shift
  "$nsym" symbolicate ${NSYM_RUN_ARGS:-} "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out=$(cat "$work/out") err=$(cat "$work/err")
  [ "$got" -eq "$want" ] || fail "symbolicate $* exited $got, expected $want: $err $out"
}
