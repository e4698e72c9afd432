#!/usr/bin/env bash
# `napi-symbols symbolicate` on crash reports and compact traces written by
# hand for the C fixture addon (the formats of docs/crash-report.md), with
# the expected answers taken from `symbolize` on the unstripped addon:
#   symbolicate-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
set -uo pipefail
nsym=$(realpath "$1") fixtures=$(realpath "$2") case_name=$3
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
. "$(dirname "$0")/../lib.sh"
export DEBUGINFOD_CACHE_PATH=$work/cache XDG_CACHE_HOME=$work/xdg
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS

addon=$fixtures/c/addon.node dbg=$fixtures/c/addon.node.debug stripped=$fixtures/c/addon.node.stripped
id=$(readelf -n "$addon" | awk '/Build ID:/ {print $3}')
[ -n "$id" ] || fail "the fixture has no build-id"
other_id=9bb9da403a6b64a875d1330c0f657bc7364dae8c # a build no server has

# first_inlined FUNC [-r]: sets $found to the first address in FUNC whose
# answer has an inlined frame (rel, hex without 0x), $want to that answer.
first_inlined() {
  local start a
  start=$(nm "$addon" | awk -v f="$1" '$3 == f {print $1}')
  for off in $(seq 0 120); do
    a=$(printf '%x' $((0x$start + off)))
    want=$("$nsym" symbolize -s --cache never ${2-} -e "$addon" "0x$a")
    if [[ "$want" == *"(inlined by)"* ]]; then found=$a; return; fi
  done
  fail "no inlined frame in $1"
}
first_inlined checksum_bytes; fault=$found want_fault=$want
first_inlined fib -r; ret=$found want_ret=$want

# frame N: frame #N of $out as symbolize prints it (module part dropped).
frame() {
  printf '%s\n' "$out" | awk -v n="#$1 " 'index($0, n) == 1 {p=1; print; next} /^#/ {p=0} p' |
    sed -e 's/^#[0-9]* //' -e 's/ in [^ ]*+0x[0-9a-f]*.*$//' -e 's/^ *//'
}
check_frames() { # the faulting frame and the return address both resolved
  [ "$(frame 0)" = "$(printf '%s\n' "$want_fault" | sed 's/^ *//')" ] ||
    fail "frame #0: '$(frame 0)', expected '$want_fault'; output: $out"
  [ "$(frame 1)" = "$(printf '%s\n' "$want_ret" | sed 's/^ *//')" ] ||
    fail "frame #1: '$(frame 1)', expected '$want_ret'; output: $out"
  [[ "$out" == *"#0 "*" in addon.node+0x$fault [addon]"* ]] || fail "addon not marked: $out"
}
json_ok() { node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' <<<"$out" || fail "not JSON: $out"; }

# An issue as users paste it: quotes, timestamps, other text around it.
write_issue() { # FILE [END]
  cat >"$1" <<ISSUE
**My app crashes** when I call checksum() with a big buffer:

\`\`\`
$ node app.js
> 2026-11-25T19:30:00.123Z napi-symbols: crash v1 SIGSEGV at 0x0 (pid 4242, tid 4243) report napi-crash-4242-20261125T193000Z.json
> 2026-11-25T19:30:00.123Z napi-symbols: m0 $id addon.node
> 2026-11-25T19:30:00.123Z napi-symbols: m1 $other_id node
> napi-symbols: f m0+$fault! m0+$ret m1+9a3f10
> napi-symbols: m2 - libanon.so
> napi-symbols: f m2+10 ?+7f3a1d00ffee
${2-> napi-symbols: end}
Segmentation fault (core dumped)
\`\`\`
napi-symbols: this line is not part of any trace
Node v18.19.0, Linux x86_64.
ISSUE
}

write_report() { # FILE ADDON_PATH
  cat >"$1" <<REPORT
{"format": "napi-symbols-crash", "version": 1, "reason": "signal",
 "signal": {"number": 11, "name": "SIGSEGV", "code": 1, "address": "0x0"},
 "pid": 4242, "tid": 4242, "thread_name": "node", "time": "2026-11-25T19:30:00Z",
 "arch": "x86_64", "node": {"version": "v18.19.0", "napi": 9}, "future_field": [1, {"x": null}],
 "registers": {"rax": "0x0", "rdi": "0x8", "BAD": "0x1", "rbp": "zz", "x": 5, "rax": "0x5", "rip": "0x7f3a1c20$fault"},
 "modules": [
  {"path": "$2", "id": "$id",
   "id_kind": "build-id", "base": "0x7f3a1c200000", "ranges": [["0x7f3a1c201000", "0x7f3a1c202000"]]},
  {"path": "/usr/bin/node-$other_id", "id": "$other_id", "id_kind": "build-id", "base": "0x55d1e0000000", "ranges": []}],
 "frames": [
  {"pc": "0x7f3a1c20$fault", "module": 0, "rel": "0x$fault", "return_address": false},
  {"pc": "0x7f3a1c20$ret", "module": 0, "rel": "0x$ret", "return_address": true},
  {"pc": "0x55d1e09a3f10", "module": 1, "rel": "0x9a3f10", "return_address": true},
  {"pc": "0x7f3a1d00ffee", "module": -1, "return_address": true}]}
REPORT
}

# listen CMD...: runs a server that prints "listening on URL"; sets $url.
listen() {
  "$@" >"$work/listen.out" 2>"$work/listen.err" &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/listen.out" 2>/dev/null)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  fail "server did not start: $(cat "$work/listen.err")"
}

case $case_name in
trace-in-issue)
  write_issue "$work/issue.md"
  run 0 --no-fetch --basenames --module "$id=$dbg" "$work/issue.md"
  check_frames
  [[ "$out" == "crash: SIGSEGV at 0x0"* ]] || fail "the signal comes first: $out"
  [[ "$out" == *"#2 ?? in node+0x9a3f10 (no server (--no-fetch))"* ]] || fail "node frame: $out"
  # a module with no identity is looked for among the --module files by name
  [[ "$out" == *"#3 ?? in libanon.so+0x10 (no identity, and no --module named like 'libanon.so')"* ]] ||
    fail "no identity: $out"
  [[ "$out" == *"#4 ?? at 0x7f3a1d00ffee (not in a module)"* ]] || fail "no module: $out"
  [[ "$out" != *"cut short"* ]] || fail "a whole trace was called cut"
  # --module PATH alone reads the identity from the file
  run 0 --no-fetch -s --module "$addon" "$work/issue.md"; check_frames
  # another build is refused, with a warning
  run 0 --no-fetch -s --module "$id=$fixtures/c/addon-clang.node" "$work/issue.md"
  [[ "$err" == *"is not the build with identity $id"* ]] || fail "wrong build: $err"
  [[ "$out" != *"mix_"* ]] || fail "another build's answers were used: $out"
  # --json
  run 0 --no-fetch -s --json --module "$id=$dbg" "$work/issue.md"; json_ok
  [[ "$out" == *'"reason": "signal", "signal": {"name": "SIGSEGV", "address": "0x0"}'* ]] || fail "json reason: $out"
  [[ "$out" == *'"rel": "0x'$fault'", "addon": true, "return_address": false, "frames": [{"function": "'* ]] || fail "json frame: $out"
  [[ "$out" == *'"unresolved": "no identity, and no --module named like '"'libanon.so'"'"'* ]] ||
    fail "json unresolved: $out"
  # two traces in one text: both read, as a JSON array
  { cat "$work/issue.md"; cat "$work/issue.md"; } >"$work/two.md"
  run 0 --no-fetch -s --module "$id=$dbg" "$work/two.md"
  [ "$(grep -c '^crash: SIGSEGV' <<<"$out")" = 2 ] || fail "two traces: $out"
  run 0 --no-fetch -s --json --module "$id=$dbg" "$work/two.md"; json_ok
  [[ "$out" == "["* ]] || fail "two traces in JSON are not an array" ;;
report)
  # the report's own path, when that file is here and the same build
  mkdir -p "$work/app/node_modules/c-addon"; cp "$addon" "$work/app/node_modules/c-addon/addon.node"
  write_report "$work/r.json" "$work/app/node_modules/c-addon/addon.node"
  run 0 --no-fetch -s "$work/r.json"; check_frames
  [[ "$out" == *"pid 4242, tid 4242"* ]] || fail "pid: $out"
  # the registers last, three to a line; members that are not a register
  # are passed over, and a name again is one register (JSON readers keep
  # the last value: jansson, as JavaScript)
  [[ "$out" == *$'\nregisters:\n    rax 0x0000000000000005     rdi 0x0000000000000008     rip 0x00007f3a1c20'$fault ]] ||
    fail "registers: $out"
  run 0 --no-fetch -s --json "$work/r.json"; json_ok
  [[ "$out" == *'"signal": {"name": "SIGSEGV", "number": 11, "address": "0x0"}'* ]] || fail "json: $out"
  [[ "$out" == *'"registers": {"rax": "0x5", "rdi": "0x8", "rip": "0x7f3a1c20'$fault'"}, "cut": false'* ]] ||
    fail "json registers: $out"
  [[ "$out" == *'{"module": null, "pc": "0x7f3a1d00ffee"'*'"unresolved": "not in a module"'* ]] || fail "json: $out"
  # a file at that path that is another build is not used
  cp "$fixtures/c/addon-clang.node" "$work/app/node_modules/c-addon/addon.node"
  run 0 --no-fetch -s "$work/r.json"
  [[ "$out" == *"#0 ?? in addon.node+0x$fault [addon] (no server (--no-fetch))"* ]] || fail "other build: $out" ;;
stdin)
  write_issue "$work/issue.md"
  "$nsym" symbolicate --no-fetch -s --module "$id=$dbg" - <"$work/issue.md" >"$work/out" 2>"$work/err" ||
    fail "stdin: $(cat "$work/err")"
  out=$(cat "$work/out"); check_frames
  write_report "$work/r.json" /nonexistent/addon.node
  out=$("$nsym" symbolicate --no-fetch -s --module "$dbg" - <"$work/r.json") || fail "stdin report"
  check_frames ;;
server)
  # only the stripped file is here; the debug file is on a local server
  listen "$nsym" serve --store "$work/store" --listen 127.0.0.1:0
  token=$("$nsym" token create --store "$work/store" --scope upload --name ci) || fail "token"
  "$nsym" upload -q --server "$url" --token "$token" "$dbg" || fail "upload"
  mkdir -p "$work/app/node_modules/c-addon"; cp "$stripped" "$work/app/node_modules/c-addon/addon.node"
  write_report "$work/r.json" "$work/app/node_modules/c-addon/addon.node"
  [ -z "$(ls "$DEBUGINFOD_CACHE_PATH" 2>/dev/null)" ] || fail "the cache is not empty"
  # --local: the symcache is fetched (the server built it on upload), not
  # the debug file, nor the text sent to the route
  run 0 -s --local --server "$url" "$work/r.json"; check_frames
  [[ "$out" == *"#2 ?? in node-$other_id+0x9a3f10 (no symbols on the server)"* ]] || fail "miss: $out"
  [ -s "$DEBUGINFOD_CACHE_PATH/$id/symcache" ] || fail "not kept in the cache"
  [ ! -e "$DEBUGINFOD_CACHE_PATH/$id/debuginfo" ] || fail "the debug file was fetched"
  # the trace too, through NAPI_SYMBOLS_SERVER; then from the cache with the server gone
  write_issue "$work/issue.md"
  out=$(NAPI_SYMBOLS_SERVER=$url "$nsym" symbolicate -s "$work/issue.md") || fail "env server"
  check_frames
  kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
  run 0 -s --server http://127.0.0.1:1 "$work/issue.md"; check_frames
  rm -rf "$DEBUGINFOD_CACHE_PATH"
  run 0 -s --server http://127.0.0.1:1 "$work/issue.md"
  [[ "$out" == *"#0 ?? in addon.node+0x$fault [addon] (the fetch failed: "* ]] || fail "server down: $out" ;;
server-damaged)
  # issue 13: a debug file whose .debug_rnglists runs 16 bytes into the next
  # section (one flipped byte of sh_size) is uploaded; every client that
  # fetches it, then reads it from its cache, must still answer. The
  # server builds no symcache (its folder is a file), so the client
  # fetches the debug file itself.
  "$(dirname "$0")/../fixtures/damage-section.sh" "$dbg" .debug_rnglists sh_size +0x10 \
    "$work/addon.node.debug" >/dev/null || fail "cannot damage the debug file"
  mkdir -p "$work/store"; : >"$work/store/symcache"
  listen "$nsym" serve --store "$work/store" --listen 127.0.0.1:0
  token=$("$nsym" token create --store "$work/store" --scope upload --name ci) || fail "token"
  "$nsym" upload -q --server "$url" --token "$token" "$work/addon.node.debug" || fail "upload"
  mkdir -p "$work/app/node_modules/c-addon"; cp "$stripped" "$work/app/node_modules/c-addon/addon.node"
  write_report "$work/r.json" "$work/app/node_modules/c-addon/addon.node"
  run 0 -s --local --server "$url" "$work/r.json"; check_frames
  cmp -s "$DEBUGINFOD_CACHE_PATH/$id/debuginfo" "$work/addon.node.debug" || fail "not kept in the cache"
  kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
  run 0 -s --server http://127.0.0.1:1 "$work/r.json"; check_frames ;;
no-symbols)
  write_issue "$work/issue.md"
  run 0 -s "$work/issue.md" # no server anywhere
  [[ "$out" == *"#0 ?? in addon.node+0x$fault [addon] (no server)"* ]] || fail "no server: $out"
  [[ "$out" == *"(no identity, "* && "$out" == *"(not in a module)"* ]] || fail "reasons: $out"
  # a stripped file here answers from its dynamic symbols, and says so
  mkdir -p "$work/app/node_modules/c-addon"; cp "$stripped" "$work/app/node_modules/c-addon/addon.node"
  exp=$(nm -D "$addon" | awk '$3 == "napi_register_module_v1" {print $1}')
  write_report "$work/r.json" "$work/app/node_modules/c-addon/addon.node"
  sed -i "s/\"rel\": \"0x$fault\"/\"rel\": \"0x$(printf '%x' $((0x$exp + 5)))\"/" "$work/r.json"
  run 0 -s "$work/r.json"
  [[ "$out" == *"#0 napi_register_module_v1+0x5 in addon.node+0x"*" [addon] (symbol table only: no server)"* ]] ||
    fail "stripped: $out"
  run 0 -s --json "$work/r.json"; json_ok
  [[ "$out" == *'"function": "napi_register_module_v1", "file": "??", "line": 0, "column": 0, "inlined": false, "approximate": true}], "unresolved": "no server"'* ]] ||
    fail "json stripped: $out" ;;
panic-and-cut)
  cat >"$work/p.txt" <<TRACE
thread '<unnamed>' panicked at src/lib.rs:133:5:
[worker] napi-symbols: panic v1 "index out of bounds: the len is 3 but the index is \"7\"\\u00e9" at src/lib.rs:133:5 (pid 7, tid 9)
[worker] napi-symbols: m0 $id addon.node
[worker] napi-symbols: f m0+$fault m0+$ret m5+10 bogus m0+zz
TRACE
  run 0 -s --no-fetch --module "$id=$dbg" "$work/p.txt"
  [[ "$out" == "panic: index out of bounds: the len is 3 but the index is \"7\"é"$'\n'"  at src/lib.rs:133:5"* ]] ||
    fail "panic first: $out"
  [[ "$out" == *"cut short"* ]] || fail "the cut trace is not flagged: $out"
  [[ "$out" == *"#2 ?? in ??+0x10 (module m5 is not listed in the trace)"* ]] || fail "unlisted: $out"
  [[ "$err" == *"line 4: cannot read the frame 'bogus'"* && "$err" == *"'m0+zz'"* ]] || fail "bad frames: $err"
  [ "$(grep -c '^#' <<<"$out")" = 3 ] || fail "frames: $out"
  run 0 -s --no-fetch --json --module "$id=$dbg" "$work/p.txt"; json_ok
  [[ "$out" == *'"panic": {"message": "index out of bounds: the len is 3 but the index is \"7\"é", "file": "src/lib.rs", "line": 133, "column": 5}'*'"cut": true'* ]] ||
    fail "json panic: $out"
  # a version we do not know is skipped, not guessed at
  sed 's/panic v1/panic v2/' "$work/p.txt" >"$work/v2.txt"
  run 1 "$work/v2.txt"
  [[ "$err" == *"format version this napi-symbols does not know: 'v2'"* ]] || fail "v2: $err" ;;
hostile-cuts)
  write_report "$work/r.json" /nonexistent
  write_issue "$work/issue.md"
  # every prefix of a report and of a trace, and damaged bytes: an answer
  # or a clear error, never a crash
  for f in r.json issue.md; do
    size=$(stat -c %s "$work/$f")
    for n in $(seq 0 11 "$size"); do
      head -c "$n" "$work/$f" >"$work/cut"
      "$nsym" symbolicate --no-fetch "$work/cut" >/dev/null 2>"$work/err"; rc=$?
      [ $rc -le 1 ] || fail "$f cut at $n bytes: exit $rc: $(cat "$work/err")"
      [ $rc -eq 0 ] || grep -q '^napi-symbols: ' "$work/err" || fail "$f cut at $n: no error line"
    done
    # 40 damaged copies, made by one python run (seed N: bad.N)
    python3 -c 'import random,sys
src=open(sys.argv[1],"rb").read()
for seed in range(1, 41):
    d=bytearray(src); r=random.Random(seed)
    for _ in range(r.randint(1,20)): d[r.randrange(len(d))]=r.randrange(256)
    open(sys.argv[2]+"."+str(seed),"wb").write(bytes(d))' "$work/$f" "$work/bad"
    for seed in $(seq 1 40); do
      "$nsym" symbolicate --no-fetch "$work/bad.$seed" >/dev/null 2>"$work/err"; rc=$?
      [ $rc -le 1 ] || fail "$f damaged (seed $seed): exit $rc: $(cat "$work/err")"
    done
  done ;;
hostile)
  write_report "$work/r.json" /nonexistent
  write_issue "$work/issue.md"
  : >"$work/empty"
  run 1 "$work/empty"; [[ "$err" == "napi-symbols: '$work/empty' holds no crash report"* ]] || fail "empty: $err"
  run 1 "$work/missing"; [[ "$err" == *"cannot open '$work/missing'"* ]] || fail "missing: $err"
  run 1 "$work"; [[ "$err" == *"cannot read '$work'"* ]] || fail "a folder: $err"
  run 129 --no-such-flag x; run 129; run 129 a b
  head -c 300 "$work/r.json" >"$work/t.json"
  run 1 "$work/t.json"; [[ "$err" == *"not valid JSON (line "*", column "* ]] || fail "truncated: $err"
  [ "$(wc -l <<<"$err")" = 1 ] || fail "one error line: $err"
  sed 's/"version": 1/"version": 7/' "$work/r.json" >"$work/v7.json"
  run 1 "$work/v7.json"; [[ "$err" == *"version 7 is not known"* ]] || fail "version: $err"
  sed 's/"module": 0,/"module": 9,/' "$work/r.json" >"$work/m9.json"
  run 1 "$work/m9.json"; [[ "$err" == *"frame 0 needs"* ]] || fail "module index: $err"
  sed 's/"id": "'$id'"/"id": "..\/..\/etc"/' "$work/r.json" >"$work/id.json"
  run 1 "$work/id.json"; [[ "$err" == *"\"id\" is not hexadecimal"* ]] || fail "id: $err"
  head -c 100000 /dev/urandom >"$work/random"
  "$nsym" symbolicate "$work/random" >/dev/null 2>"$work/err"; [ $? -eq 1 ] || fail "random bytes"
  # deep nesting and huge counts stay bounded
  python3 -c 'print("{\"a\":" * 100000)' >"$work/deep.json"
  run 1 "$work/deep.json"; [[ "$err" == *"nested deeper than"* ]] || fail "deep: $err"
  { printf 'napi-symbols: crash v1 SIGSEGV\nnapi-symbols: m0 %s a.node\n' "$id"
    for _ in $(seq 2000); do echo "napi-symbols: f m0+10 m1023+20 ?+30"; done; } >"$work/many.txt"
  run 0 --no-fetch "$work/many.txt"
  [ "$(grep -c '^#' <<<"$out")" = 1024 ] || fail "frames are not capped: $(grep -c '^#' <<<"$out")" ;;
maps-hostile)
  # a hand-made Rust backtrace over the C addon, placed by a hand-made maps
  exec_off=$(readelf -lW "$addon" | awk '$1 == "LOAD" && / R E / {print $2; exit}')
  exec_va=$(readelf -lW "$addon" | awk '$1 == "LOAD" && / R E / {print $3; exit}')
  base=0x7f3a1c200000 start=$(printf '%x' $((0x7f3a1c200000 + exec_va)))
  pc=$(printf '%x' $((base + 0x$ret)))
  cat >"$work/bt.txt" <<BT
> thread 'main' (4242) panicked at src/lib.rs:42:9:
> checked_root: negative
> input -1
> stack backtrace:
>    0:     0x$pc - napi_register_module_v1
>                                at /src/lib.rs:1:1
>    1:     0x$pc - an_inlined_caller
>    2:     0x$pc - napi_register_module_v1
>    3:     0x7f3a1d00ffee - <unknown>
> note: Some details are omitted.
BT
  printf '%s-%x r-xp %08x fe:00 %s %s\n' "$start" $((0x$start + 0x1000)) "$exec_off" \
    "$(stat -c %i "$addon")" "$addon" >"$work/maps"
  printf '7f3a1d000000-7f3a1d100000 rwxp 00000000 00:00 0 \n' >>"$work/maps"
  run 0 --no-fetch -s --module "$id=$dbg" --maps "$work/maps" "$work/bt.txt"
  [[ "$out" == "panic: checked_root: negative input -1"$'\n'"  at src/lib.rs:42:9"$'\n'* ]] || fail "panic: $out"
  for k in 0 1; do # a return address each: the call's line
    [ "$(frame $k)" = "$(printf '%s\n' "$want_ret" | sed 's/^ *//')" ] ||
      fail "frame #$k: '$(frame $k)', expected '$want_ret'; output: $out"
  done
  [[ "$out" == *"#1 "*" in addon.node+0x$ret [addon]"* ]] || fail "recursion kept: $out"
  [[ "$out" == *"#2 ?? at 0x7f3a1d00ffee (not in a module)"* ]] || fail "JIT frame: $out"
  [ "$(grep -c '^#' <<<"$out")" = 3 ] || fail "inlined entries are one frame: $out"
  [ -z "$err" ] || fail "warnings: $err"
  # without --maps: one line that says what is missing
  run 1 -s "$work/bt.txt"
  [[ "$err" == *"holds a Rust backtrace (RUST_BACKTRACE=full) but no compact trace"*"--maps FILE"* ]] || fail "no maps: $err"
  [ "$(wc -l <<<"$err")" = 1 ] || fail "one error line: $err"
  # a compact trace beside it keeps working without --maps
  write_issue "$work/issue.md"; cat "$work/bt.txt" >>"$work/issue.md"
  run 0 --no-fetch -s --module "$id=$dbg" "$work/issue.md"; check_frames
  # RUST_BACKTRACE=1, a panic without a backtrace
  printf "thread 'main' panicked at src/main.rs:2:5:\nboom\nstack backtrace:\n   0: main\n" >"$work/short.txt"
  run 1 --maps "$work/maps" "$work/short.txt"; [[ "$err" == *"without addresses (RUST_BACKTRACE=1)"* ]] || fail "short: $err"
  printf "thread 'main' panicked at src/main.rs:2:5:\nboom\nnote: run with \`RUST_BACKTRACE=1\`\n" >"$work/bare.txt"
  run 1 "$work/bare.txt"; [[ "$err" == *"a Rust panic but no backtrace"* ]] || fail "bare: $err"
  # Rust before 1.73: the message on the header line
  sed -e "1s/.*/thread 'main' panicked at 'it's, bad', src\/lib.rs:42:9/" -e 2,3d "$work/bt.txt" >"$work/old.txt"
  run 0 --no-fetch -s --module "$id=$dbg" --maps "$work/maps" "$work/old.txt"
  [[ "$out" == "panic: it's, bad"$'\n'"  at src/lib.rs:42:9"* ]] || fail "old header: $out"
  # bad maps files: one clear line, exit 1
  : >"$work/empty"; run 1 --maps "$work/empty" "$work/bt.txt"
  [[ "$err" == *"is empty: save the maps with fs.writeFileSync"* ]] || fail "empty maps: $err"
  run 1 --maps "$work/missing" "$work/bt.txt"; [[ "$err" == *"cannot open '$work/missing'"* ]] || fail "missing: $err"
  head -c 100000 /dev/urandom >"$work/random"
  run 1 --maps "$work/random" "$work/bt.txt"
  [[ "$(tail -n 1 <<<"$err")" == *"is not a copy of /proc/PID/maps"* ]] || fail "random maps: $err"
  [ "$(grep -c 'warning: maps line' <<<"$err")" -le 20 ] || fail "warnings are not capped: $err"
  [[ "$err" == *"napi-symbols: warning: "*" more maps lines skipped (not shown)"* ]] || fail "no count: $err"
  # a huge line is skipped, the rest still read
  { python3 -c 'print("1000-2000 r-xp 0 fe:00 1 /" + "a" * 100000)'; cat "$work/maps"; } >"$work/huge"
  run 0 --no-fetch -s --module "$id=$dbg" --maps "$work/huge" "$work/bt.txt"
  [[ "$err" == *"maps line 1: longer than a maps line can be"* && "$out" == *"[addon]"* ]] || fail "huge: $err $out"
  # the file is gone, was deleted, or is another build
  sed "s|$addon|/nonexistent/addon.node|" "$work/maps" >"$work/gone"
  run 0 --no-fetch -s --maps "$work/gone" "$work/bt.txt"
  [[ "$out" == *"#0 ?? in addon.node+0x"*" [addon] ('/nonexistent/addon.node' is not on this machine)"* ]] || fail "gone: $out"
  sed "s|$addon|$addon (deleted)|" "$work/maps" >"$work/deleted"
  run 0 --no-fetch -s --maps "$work/deleted" "$work/bt.txt"
  [[ "$out" == *"('$addon' was deleted or replaced after it was mapped)"* ]] || fail "deleted: $out"
  sed "s|$addon|$fixtures/c/addon-clang.node|" "$work/maps" >"$work/other"
  run 0 --no-fetch -s --maps "$work/other" "$work/bt.txt"
  [[ "$err" == *"is not the file that was mapped (inode"* ]] || fail "replaced: $err"
  [ "$(grep -c 'is not the file that was mapped' <<<"$err")" = 1 ] || fail "warned more than once: $err"
  # an OFFSET that puts the address past 2^64 does not wrap around to a
  # small offset in the file (0x1200 here, a function of the addon)
  printf '7f0000000000-7f0000010000 r-xp fffffffffffff000 fe:00 %s %s\n' \
    "$(stat -c %i "$addon")" "$addon" >"$work/wrap"
  printf "thread 'main' panicked at src/lib.rs:1:1:\nboom\nstack backtrace:\n   0:     0x7f0000002200 - f\n" >"$work/wrap.txt"
  run 0 --no-fetch -s --maps "$work/wrap" "$work/wrap.txt"
  [[ "$out" == *"#0 ?? in addon.node+0x2200 [addon] ("*"file offset 0xfffffffffffff000 + 0x2200 is past 2^64: there is no loadable segment at that offset))" ]] ||
    fail "a wrapping offset: $out"
  # cut and damaged maps and backtraces: an answer or one error, never a crash
  for f in maps bt.txt; do
    size=$(stat -c %s "$work/$f")
    for n in $(seq 0 7 "$size"); do
      head -c "$n" "$work/$f" >"$work/cut"
      if [ $f = maps ]; then args=(--maps "$work/cut" "$work/bt.txt"); else args=(--maps "$work/maps" "$work/cut"); fi
      "$nsym" symbolicate --no-fetch "${args[@]}" >/dev/null 2>"$work/err"; rc=$?
      [ $rc -le 1 ] || fail "$f cut at $n bytes: exit $rc: $(cat "$work/err")"
      [ $rc -eq 0 ] || grep -q '^napi-symbols: ' "$work/err" || fail "$f cut at $n: no error line"
    done
  done ;;
many-warnings)
  # A 100,000-line trace of damaged frames: 2,000,000 warnings, of which
  # the first 20 are printed and the rest counted on one line, quickly.
  python3 -c 'import sys
w = sys.stdout.write
w("napi-symbols: crash v1 SIGSEGV\nnapi-symbols: m0 '"$id"' addon.node\n")
bad = " ".join(["bogus", "m0+zz"] * 10)
for _ in range(100000): w("napi-symbols: f " + bad + "\n")' >"$work/bad.txt"
  SECONDS=0
  timeout 60 "$nsym" symbolicate --no-fetch "$work/bad.txt" >"$work/out" 2>"$work/err"
  rc=$? took=$SECONDS
  [ $rc -eq 0 ] || fail "exit $rc: $(head -n 3 "$work/err")"
  [ "$(wc -l <"$work/err")" -le 22 ] || fail "$(wc -l <"$work/err") lines of warnings"
  [ "$(grep -c "^napi-symbols: warning: line [0-9]*: cannot read the frame" "$work/err")" = 20 ] ||
    fail "not the first 20 warnings: $(head -n 3 "$work/err")"
  [ "$(tail -n 1 "$work/err")" = "napi-symbols: warning: 1999980 more warnings about the traces (not shown)" ] ||
    fail "count line: $(tail -n 1 "$work/err")"
  [ "$took" -le 10 ] || fail "$took s for 100,000 lines"
  # frames past the cap (1024) are said once, not once each
  { printf 'napi-symbols: crash v1 SIGSEGV\nnapi-symbols: m0 %s a.node\n' "$id"
    for _ in $(seq 2000); do echo "napi-symbols: f m0+10 m0+20 ?+30"; done; } >"$work/many.txt"
  run 0 --no-fetch "$work/many.txt"
  [ "$err" = "napi-symbols: warning: line 344: a trace of more than 1024 frames; the rest are skipped" ] ||
    fail "frame cap: $(head -n 3 <<<"$err")"
  # a warning each trace repeats (a --module that cannot be used) is capped
  # across the traces of the text
  for _ in $(seq 30); do
    printf 'napi-symbols: crash v1 SIGSEGV\nnapi-symbols: m0 %s a.node\nnapi-symbols: f m0+10\nnapi-symbols: end\n' "$id"
  done >"$work/30.txt"
  run 0 --no-fetch --module "$id=$work/missing.node" "$work/30.txt"
  [ "$(grep -c "warning: --module $work/missing.node: No such file or directory; looking further" <<<"$err")" = 20 ] ||
    fail "--module warnings: $err"
  [ "$(tail -n 1 <<<"$err")" = "napi-symbols: warning: 10 more warnings about the modules and frames (not shown)" ] ||
    fail "--module count: $err" ;;
fifo)
  # A FIFO named as a module (a maps line, a report's path, --module) is
  # refused at the open, never opened for a read that waits for a writer
  # forever; the other frames are still symbolized.
  mkfifo "$work/fifo.node" || fail "mkfifo"
  exec_off=$(readelf -lW "$addon" | awk '$1 == "LOAD" && / R E / {print $2; exit}')
  exec_va=$(readelf -lW "$addon" | awk '$1 == "LOAD" && / R E / {print $3; exit}')
  start=$(printf '%x' $((0x7f3a1c200000 + exec_va)))
  printf '%s-%x r-xp %08x fe:00 %s %s\n' "$start" $((0x$start + 0x1000)) "$exec_off" \
    "$(stat -c %i "$addon")" "$addon" >"$work/maps"
  printf '7f3a1e000000-7f3a1e010000 r-xp 00000000 fe:00 1 %s\n' "$work/fifo.node" >>"$work/maps"
  printf "thread 'main' panicked at src/lib.rs:1:1:\nboom\nstack backtrace:\n   0:     0x7f3a1e000100 - f\n   1:     0x%x - g\n" \
    $((0x7f3a1c200000 + 0x$ret)) >"$work/bt.txt"
  timeout 20 "$nsym" symbolicate --no-fetch -s --module "$id=$dbg" --maps "$work/maps" "$work/bt.txt" \
    >"$work/out" 2>"$work/err"
  rc=$?; out=$(cat "$work/out") err=$(cat "$work/err")
  [ $rc -ne 124 ] || fail "symbolicate hangs on a maps line that names a FIFO"
  [ $rc -eq 0 ] || fail "maps: exit $rc: $err"
  [[ "$out" == *"#0 ?? in fifo.node+0x100 [addon] (cannot read $work/fifo.node: is a FIFO, not a file)"* ]] ||
    fail "the FIFO's frame: $out"
  [ "$(frame 1)" = "$(printf '%s\n' "$want_ret" | sed 's/^ *//')" ] ||
    fail "frame #1: '$(frame 1)', expected '$want_ret'; output: $out"
  # a report whose module path is a FIFO: not read, the cache and servers asked
  write_report "$work/r.json" "$work/fifo.node"
  timeout 20 "$nsym" symbolicate --no-fetch -s "$work/r.json" >"$work/out" 2>"$work/err"
  rc=$?; out=$(cat "$work/out")
  [ $rc -ne 124 ] || fail "symbolicate hangs on a report that names a FIFO"
  [[ $rc -eq 0 && "$out" == *"#0 ?? in fifo.node+0x$fault [addon] (no server (--no-fetch))"* ]] ||
    fail "report: exit $rc: $out $(cat "$work/err")"
  # --module ID=FIFO: said, then the report's own path is looked at
  write_report "$work/r.json" "$addon"
  timeout 20 "$nsym" symbolicate --no-fetch -s --module "$id=$work/fifo.node" "$work/r.json" \
    >"$work/out" 2>"$work/err"
  rc=$?; out=$(cat "$work/out") err=$(cat "$work/err")
  [ $rc -ne 124 ] || fail "symbolicate hangs on --module naming a FIFO"
  [ $rc -eq 0 ] || fail "--module: exit $rc: $err"
  [[ "$err" == *"warning: --module $work/fifo.node: is a FIFO, not a file; looking further"* ]] ||
    fail "--module FIFO: $err"
  check_frames
  # --module FIFO alone: no identity can be read from it
  timeout 20 "$nsym" symbolicate --no-fetch --module "$work/fifo.node" "$work/r.json" \
    >/dev/null 2>"$work/err"
  rc=$?
  [[ $rc -eq 129 && "$(cat "$work/err")" == *"no identity can be read from it"* ]] ||
    fail "--module FIFO alone: exit $rc: $(cat "$work/err")" ;;
rust-backtrace)
  # A real panic: the stripped Rust addon alone in an app (so Rust cannot
  # name its frames), RUST_BACKTRACE=full, maps saved from JS first.
  panic_dir=${NSYM_PANIC_DIR:?NSYM_PANIC_DIR names the addons of build-panic.sh}
  src=$(dirname "$0")/../fixtures/rust-addon/src/lib.rs
  mkdir -p "$work/app/node_modules/rust-addon"
  cp "$panic_dir/fixture.node" "$work/app/node_modules/rust-addon/index.node"
  cat >"$work/app/app.js" <<'JS'
const fs = require('fs');
const addon = require('./node_modules/rust-addon/index.node');
// fs.copyFileSync would copy /proc/self/maps as an empty file
fs.writeFileSync(process.argv[2], fs.readFileSync('/proc/self/maps'));
addon.checkedRoot(-1);
JS
  (cd "$work/app" && RUST_BACKTRACE=full "${NSYM_NODE:-node}" app.js "$work/maps.txt" 2>"$work/stderr.txt")
  [ $? -ne 0 ] || fail "node did not die of the panic"
  grep -q '^stack backtrace:' "$work/stderr.txt" || fail "no backtrace: $(cat "$work/stderr.txt")"
  ! grep -q ' - napi_symbols_fixture::checked_root' "$work/stderr.txt" ||
    fail "Rust named the stripped addon's frames itself: the test proves nothing"
  # where the panic is raised, and where checked_root is called
  line=$(grep -n 'panic!("checked_root: negative input' "$src" | cut -d: -f1)
  col=$(sed -n "${line}p" "$src" | awk '{print index($0, "panic!")}')
  call=$(grep -n 'ret_f64(env, checked_root(n))' "$src" | cut -d: -f1)
  [ -n "$line" ] && [ -n "$call" ] || fail "cannot find the panic in $src"
  run 1 -s "$work/stderr.txt"
  [[ "$err" == *"holds a Rust backtrace (RUST_BACKTRACE=full) but no compact trace"*"--maps FILE"* ]] || fail "no maps: $err"
  run 0 --no-fetch -s --maps "$work/maps.txt" --module "$panic_dir/fixture.node.debug" "$work/stderr.txt"
  [[ "$out" == "panic: checked_root: negative input -1"$'\n'"  at "*"lib.rs:$line:$col"$'\n'* ]] || fail "panic first: $out"
  raise=$(grep -m1 ' napi_symbols_fixture::checked_root at ' <<<"$out")
  [[ "$raise" == "#"*" napi_symbols_fixture::checked_root at lib.rs:$line:$col in index.node+0x"*" [addon]" ]] ||
    fail "the raising frame: '$raise'; output: $out"
  # the same answer as symbolize on the unstripped build at that address
  rel=$(sed 's/.* in index.node+\(0x[0-9a-f]*\).*/\1/' <<<"$raise")
  want=$("$nsym" symbolize -s -r --cache never -e "$panic_dir/fixture.full" "$rel" | head -n 1)
  [[ "$raise" == *" $want in index.node+$rel [addon]" ]] || fail "symbolize -r $rel says '$want': $raise"
  n=$(sed 's/^#\([0-9]*\) .*/\1/' <<<"$raise")
  [[ "$out" == *"#$((n + 1)) napi_symbols_fixture::js_checked_root at lib.rs:$call:"* ]] || fail "its caller: $out"
  [[ "$out" == *" in node+0x"* ]] || fail "node's frames: $out"
  run 0 --no-fetch -s --json --maps "$work/maps.txt" --module "$panic_dir/fixture.node.debug" "$work/stderr.txt"; json_ok
  [[ "$out" == *'"panic": {"message": "checked_root: negative input -1", "file": '* ]] || fail "json panic: $out"
  [[ "$out" == *'"module": "index.node", "id": "'*'"addon": true, "return_address": true, "frames": [{"function": "napi_symbols_fixture::checked_root", "file": "lib.rs", "line": '$line', "column": '$col* ]] ||
    fail "json frame: $out"
  # the stripped file alone: its identity is read, the debug file is not found
  run 0 -s --maps "$work/maps.txt" "$work/stderr.txt"
  [[ "$out" == *" in index.node+$rel [addon] (no server)"* ]] || fail "no debug file: $out"
  sed "s|$work/app/node_modules|/gone|" "$work/maps.txt" >"$work/gone.txt"
  run 0 -s --maps "$work/gone.txt" "$work/stderr.txt"
  [[ "$out" == *" in index.node+0x"*" [addon] ('/gone/rust-addon/index.node' is not on this machine)"* ]] || fail "gone: $out" ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
