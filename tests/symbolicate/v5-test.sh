#!/usr/bin/env bash
# Mozilla's symbolication API v5 on the symbolicate route (POST
# /api/v1/symbolicate) of the real server on a loopback port: requests for
# the C and Rust fixture addons, the Mach-O fixture and the PE fixture's
# PDB, by debug id, must
# be answered as Eliot answers them (v5_expected.py builds that answer and
# holds its locations to llvm-symbolizer's); the single-job form; builds
# whose debug ids lose the end of their build-ids; the limits (413 with a
# message) and hostile bodies (4xx with a message, never a 5xx or a crash).
#   v5-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE
set -uo pipefail
nsym=$(realpath "$1") fixtures=$(realpath "$2") case_name=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; [ -f "$work/listen.err" ] && tail -5 "$work/listen.err" >&2; exit 1; }
export XDG_CACHE_HOME=$work/xdg # symbolize, the oracle, keeps no symcache in HOME
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS

. "$here/../lib.sh"
llvm_symbolizer=$(tool llvm-symbolizer)

c_addon=$fixtures/c/addon.node c_dbg=$fixtures/c/addon.node.debug
rust_addon=$fixtures/rust/addon.node rust_dbg=$fixtures/rust/addon.node.debug
build_id() { readelf -n "$1" | awk '/Build ID:/ {print $3}'; }
# debug_id BUILD_ID: its Breakpad debug id, as symbolic computes it for a
# little-endian ELF file: the first 16 bytes (zero-padded) as a GUID, its
# first three fields byte-swapped, then the age 0
debug_id() {
  python3 -c 'import sys
b = bytes.fromhex(sys.argv[1])[:16].ljust(16, b"\0")
print((b[3::-1] + b[5:3:-1] + b[7:5:-1] + b[8:]).hex().upper() + "0")' "$1"
}
# the same from our own inspect, which must agree
inspected_debug_id() {
  "$nsym" inspect --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["images"][0]["debug_id"])'
}

upload() {
  "$nsym" upload -q --server "$url" --token "$(cat "$work/token")" "$@" >"$work/up" 2>&1 ||
    fail "upload $*: $(cat "$work/up")"
}
# post STATUS FILE: FILE to the route; the answer in $work/body
post() {
  local got
  got=$(curl -s -o "$work/body" -D "$work/head" -w '%{http_code}' --data-binary "@$2" \
    "$url/api/v1/symbolicate")
  [ "$got" = "$1" ] || fail "POST $2: $got, expected $1: $(head -c 400 "$work/body")"
}
# title STATUS FILE MESSAGE: a refusal as Eliot's, {"title": MESSAGE} in JSON
title() {
  post "$1" "$2"
  grep -qi '^content-type: application/json' "$work/head" || fail "not JSON: $(cat "$work/head")"
  python3 -c 'import json,sys
got = json.load(open(sys.argv[1]))
sys.exit(0 if got == {"title": sys.argv[2]} else "%r, expected the title %r" % (got, sys.argv[2]))' \
    "$work/body" "$3" || fail "the refusal of $2"
}
# expect REQUEST MODULE...: the answer in $work/body is Eliot's (v5_expected.py)
expect() {
  local req=$1
  shift
  python3 "$here/v5_expected.py" "$nsym" "$llvm_symbolizer" "$req" "$work/body" "$@" ||
    fail "the answer to $req: $(head -c 1500 "$work/body")"
}
metric() { curl -s "$url/metrics" | awk -v k="$1" '$1 == k {print $2}'; }

# functions FILE: its functions as "START SIZE" lines (hex), from its
# ELF symbol table
functions() {
  nm -S --defined-only "$1" | awk 'NF == 4 && $3 ~ /^[tT]$/ && $2 !~ /^0+$/ {print $1, $2}'
}
# request OUT [--single] NAME=ID=LIST...: a v5 request with one job whose
# memoryMap holds each NAME, ID, and whose stacks are frames at nine
# places in each function LIST names ("START SIZE" lines: functions), the
# last byte included; then a frame in a module the server has not, in no
# module (-1), at an unknown offset (-1) and at offset 0, and an entry no
# frame names.
request() {
  local out=$1 single=0
  shift
  [ "$1" = --single ] && { single=1; shift; }
  python3 - "$out" "$single" "$@" <<'PY' || fail "cannot write the request"
import json, sys
out, single, specs = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
mm, stacks = [], []
for spec in specs:
    name, did, path = spec.split("=", 2)
    mm.append([name, did])
    stack = []
    for line in open(path):
        start, size = (int(x, 16) for x in line.split())
        offsets = sorted({start + k * size // 8 for k in range(8)} | {start + size - 1})
        stack += [[len(mm) - 1, o] for o in offsets]
    stacks.append(stack[:600])
mm += [["libgone.so", "0123456789ABCDEF0123456789ABCDEF0"], ["unused.so", "FEDCBA98765432100123456789ABCDEF0"]]
stacks.append([[len(mm) - 2, 4096], [-1, 140737488355328], [0, -1], [0, 0]])
job = {"memoryMap": mm, "stacks": stacks}
json.dump(job if single else {"jobs": [job], "version": 5}, open(out, "w"))
PY
}

case $case_name in
c)
  serve_for_test; upload "$c_dbg"
  id=$(debug_id "$(build_id "$c_addon")")
  [ "$id" = "$(inspected_debug_id "$c_addon")" ] || fail "debug ids differ: $id, inspect $(inspected_debug_id "$c_addon")"
  functions "$c_dbg" >"$work/c.fn"
  request "$work/req.json" "addon.node=$id=$work/c.fn"
  post 200 "$work/req.json"
  grep -qi '^content-type: application/json' "$work/head" || fail "not JSON"
  expect "$work/req.json" "addon.node/$id=$c_dbg,-,0"
  # fib by hand: its start, in addon.c, a function offset of 0
  fib=$(nm "$c_addon" | awk '$3 == "fib" {print $1}')
  printf '{"jobs": [{"memoryMap": [["addon.node", "%s"]], "stacks": [[[0, %d]]]}]}' "$id" $((0x$fib)) >"$work/fib.json"
  post 200 "$work/fib.json"
  grep -q "^{\"results\": \[{\"stacks\": \[\[{\"frame\": 0, \"module\": \"addon.node\", \"module_offset\": \"$(printf '0x%x' $((0x$fib)))\", \"function\": \"fib\", \"function_offset\": \"0x0\", \"file\": \"[^\"]*/addon.c\", \"line\": [0-9]*}\]\], \"found_modules\": {\"addon.node/$id\": true}}\]}$" "$work/body" ||
    fail "fib: $(cat "$work/body")"
  # a debug id in lowercase names the same module, and is answered as sent
  lower=$(tr 'A-F' 'a-f' <<<"$id")
  sed "s/$id/$lower/" "$work/fib.json" >"$work/lower.json"
  post 200 "$work/lower.json"
  grep -q "\"function\": \"fib\".*\"addon.node/$lower\": true" "$work/body" || fail "lowercase: $(cat "$work/body")"
  # the symcache was built by the first request, and answers since
  [ "$(metric 'nsym_symcache_builds_total{result="built"}')" = 1 ] || fail "builds: $(curl -s "$url/metrics" | grep symcache)" ;;
rust)
  serve_for_test; upload "$rust_dbg"
  id=$(debug_id "$(build_id "$rust_addon")")
  functions "$rust_dbg" >"$work/rust.fn"
  request "$work/req.json" "index.node=$id=$work/rust.fn"
  post 200 "$work/req.json"
  expect "$work/req.json" "index.node/$id=$rust_dbg,-,0"
  grep -q '"inlines": \[{"function": "' "$work/body" || fail "no inline chain: $(head -c 800 "$work/body")" ;;
macho)
  # the universal dSYM: each slice by its UUID, offsets from the image's
  # start (__TEXT's vmaddr added: 0 for a bundle, as the server must
  # still add it)
  dir=$fixtures/foreign/macho
  objdump=$(tool llvm-objdump)
  serve_for_test; upload "$dir/addon-fat.node.dSYM"
  specs=() mods=()
  for pair in addon-fat.node:arm64 addon-fat.node:x86_64; do
    file=${pair%%:*} arch=${pair##*:}
    dwarf=$(find "$dir/$file.dSYM" -type f -path '*DWARF*')
    did=$("$nsym" inspect --json "$dwarf" | python3 -c 'import json,sys
print([i for i in json.load(sys.stdin)[0]["images"] if i["arch"] == sys.argv[1]][0]["debug_id"])' "$arch")
    [ "${#did}" = 33 ] && [ "${did: -1}" = 0 ] || fail "a Mach-O debug id is its UUID and 0: $did"
    text=$("$objdump" --macho --arch="$arch" --private-headers "$dir/$file" |
      awk '$1 == "segname" && $2 == "__TEXT" { t = 1 } t && $1 == "vmaddr" { print $2; exit }')
    [ -n "$text" ] || fail "no __TEXT in $file ($arch)"
    # the code of __text, as one function: frames at image offsets
    read -r size vma < <("$objdump" --macho --arch="$arch" -h "$dwarf" | awk '$2 == "__text" {print $3, $4}')
    [ -n "$vma" ] || fail "no __text in $file ($arch)"
    printf '%x %s\n' $((0x$vma - text)) "$size" >"$work/$file.$arch.fn"
    specs+=("$file=$did=$work/$file.$arch.fn")
    mods+=("$file/$did=$dwarf,$arch,$text")
  done
  request "$work/req.json" "${specs[@]}"
  post 200 "$work/req.json"
  expect "$work/req.json" "${mods[@]}"
  grep -q '"function": "checksum"\|"inlines"' "$work/body" || fail "nothing resolved: $(head -c 600 "$work/body")" ;;
pdb)
  # a Windows module by its PDB's GUID and age, which is all the server
  # has: offsets are RVAs, as the PDB's addresses are; held to
  # llvm-symbolizer-16 (LLVM 14 misplaces the lines of inlined frames in a
  # PDB: tests/cli/pe-test.sh)
  command -v llvm-symbolizer-16 >/dev/null ||
    fail "llvm-symbolizer-16 not found: install the Debian package 'llvm-16'"
  llvm_symbolizer=llvm-symbolizer-16
  dir=$fixtures/foreign/pe
  serve_for_test; upload "$dir/addon.pdb"
  did=$("$nsym" inspect --json "$dir/addon.pdb" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["images"][0]["debug_id"])')
  base=$("$(tool llvm-readobj)" --file-headers "$dir/addon.node" | awk '$1 == "ImageBase:" {print $2}')
  read -r size vma < <("$(tool llvm-objdump)" -h "$dir/addon.node" | awk '$2 == ".text" {print $3, $4}')
  [ -n "$base" ] && [ -n "$vma" ] || fail "no ImageBase or .text in addon.node"
  printf '%x %s\n' $((0x$vma - base)) "$size" >"$work/pe.fn"
  request "$work/req.json" "addon.pdb=$did=$work/pe.fn"
  post 200 "$work/req.json"
  # the image with its PDB beside it answers here at ImageBase + RVA
  expect "$work/req.json" "addon.pdb/$did=$dir/addon.node,-,$base"
  grep -q "\"found_modules\": {\"addon.pdb/$did\": true" "$work/body" || fail "not found: $(head -c 600 "$work/body")"
  grep -q '"function": ".*"inlines": \[{"function": "' "$work/body" || fail "no inline chain: $(head -c 900 "$work/body")" ;;
single-job)
  # {"memoryMap", "stacks"} alone is one job, answered as the same job in "jobs"
  serve_for_test; upload "$c_dbg"
  id=$(debug_id "$(build_id "$c_addon")")
  functions "$c_dbg" >"$work/c.fn"
  request "$work/one.json" --single "addon.node=$id=$work/c.fn"
  post 200 "$work/one.json"
  expect "$work/one.json" "addon.node/$id=$c_dbg,-,0"
  cp "$work/body" "$work/single"
  request "$work/jobs.json" "addon.node=$id=$work/c.fn"
  post 200 "$work/jobs.json"
  cmp -s "$work/single" "$work/body" || fail "the single job differs: $(diff "$work/single" "$work/body" | head)" ;;
jobs)
  # several jobs: a pair is looked up once for all of them, and its value
  # in every job's found_modules is the request's; each pair once per job
  serve_for_test; upload "$c_dbg" "$rust_dbg"
  c=$(debug_id "$(build_id "$c_addon")") r=$(debug_id "$(build_id "$rust_addon")")
  fib=$(nm "$c_addon" | awk '$3 == "fib" {print $1}')
  cat >"$work/req.json" <<JSON
{"jobs": [
 {"memoryMap": [["addon.node", "$c"], ["index.node", "$r"], ["addon.node", "$c"], ["", ""]],
  "stacks": [[[0, $((0x$fib))], [2, $((0x$fib + 4))], [3, 16]], []]},
 {"memoryMap": [["index.node", "$r"], ["libgone.so", "00000000000000000000000000000000A"]],
  "stacks": [[[0, 4096], [1, 4096]]]},
 {"memoryMap": [["addon.node", "$c"]], "stacks": [[]]}]}
JSON
  post 200 "$work/req.json"
  expect "$work/req.json" "addon.node/$c=$c_dbg,-,0" "index.node/$r=$rust_dbg,-,0"
  grep -q "\"found_modules\": {\"addon.node/$c\": true, \"index.node/$r\": true, \"/\": null}}, {\"stacks\"" "$work/body" ||
    fail "job 0's found_modules: $(cat "$work/body")"
  grep -q "\"found_modules\": {\"addon.node/$c\": true}}\]}" "$work/body" || fail "job 2's found_modules: $(cat "$work/body")"
  [ "$(metric 'nsym_symcache_builds_total{result="built"}')" = 2 ] || fail "builds: $(curl -s "$url/metrics" | grep symcache)" ;;
build-ids)
  # debug ids keep 16 bytes of a build-id: a longer one is found by them
  # (the first uploaded of two that share them), a shorter one, which was
  # padded with zeros, whole
  command -v gcc >/dev/null || fail "gcc not found"
  printf 'int answer(int x) { return x * 42; }\nint other(int x) { return x + answer(x); }\n' >"$work/b.c"
  serve_for_test
  long=00112233445566778899aabbccddeeff
  # (GNU ld writes a build-id of any length, but readers want whole words)
  for bid in ${long}a1a2a3a4 ${long}b1b2b3b4 0a0b0c0d01020304 abcd0102; do
    gcc -g -O1 -shared -fPIC -Wl,--build-id=0x$bid -o "$work/lib$bid.so" "$work/b.c" || fail "gcc"
    [ "$(build_id "$work/lib$bid.so")" = "$bid" ] || fail "the build-id of lib$bid.so"
    upload "$work/lib$bid.so"
  done
  other=$(nm "$work/libabcd0102.so" | awk '$3 == "other" {print $1}')
  for bid in ${long}a1a2a3a4 0a0b0c0d01020304 abcd0102; do
    id=$(debug_id "$bid")
    printf '{"memoryMap": [["lib.so", "%s"]], "stacks": [[[0, %d]]]}' "$id" $((0x$other)) >"$work/req.json"
    post 200 "$work/req.json"
    expect "$work/req.json" "lib.so/$id=$work/lib$bid.so,-,0"
    grep -q '"function": "other".*true' "$work/body" || fail "$bid: $(cat "$work/body")"
  done
  # the second of the two that share 16 bytes is not what they name; a
  # debug id of 16 bytes that no build-id starts with names nothing, nor
  # one with an age other than 0 (a PDB's), nor one too short to be one
  [ "$(debug_id "${long}b1b2b3b4")" = "$(debug_id "${long}a1a2a3a4")" ] || fail "not the same debug id"
  for id in "$(debug_id ffeeddccbbaa99887766554433221100)" "$(debug_id 0a0b0c0d0102)" "${id%0}1" 0123456789ABCDEF 0; do
    printf '{"memoryMap": [["lib.so", "%s"]], "stacks": [[[0, 4096]]]}' "$id" >"$work/req.json"
    post 200 "$work/req.json"
    grep -q "\"found_modules\": {\"lib.so/$id\": false}" "$work/body" || fail "$id: $(cat "$work/body")"
  done ;;
limits)
  # Eliot's limit of 10 jobs, and ours of frames, stacks and modules: 413
  # and a message; exactly at a limit is answered
  serve_for_test; upload "$c_dbg"
  id=$(debug_id "$(build_id "$c_addon")")
  python3 - "$work" "$id" <<'PY' || fail "cannot write the requests"
import json, sys
work, did = sys.argv[1], sys.argv[2]
job = lambda mm, stacks: {"memoryMap": mm, "stacks": stacks}
one = [["addon.node", did]]
reqs = {
  "jobs10": {"jobs": [job(one, [[[0, 4096]]])] * 10},
  "jobs11": {"jobs": [job(one, [[[0, 4096]]])] * 11},
  "frames4096": {"jobs": [job(one, [[[0, 4096]] * 2048])] * 2},
  "frames4097": {"jobs": [job(one, [[[0, 4096]] * 2048]), job(one, [[[0, 4096]] * 2049])]},
  "stacks4097": job(one, [[]] * 4097),
  "modules4097": {"jobs": [job(one * 4000, [[]]), job(one * 97, [[]])]},
}
for name, r in reqs.items():
    json.dump(r, open("%s/%s.json" % (work, name), "w"))
PY
  post 200 "$work/jobs10.json"
  [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$work/body")" = 10 ] || fail "ten jobs"
  title 413 "$work/jobs11.json" "please limit number of jobs in a single request to <= 10"
  post 200 "$work/frames4096.json"
  title 413 "$work/frames4097.json" "the request holds 4097 frames; at most 4096 are symbolicated at once: send fewer stacks in one request"
  title 413 "$work/stacks4097.json" "the request holds 4097 stacks; at most 4096 are symbolicated at once: send fewer in one request"
  title 413 "$work/modules4097.json" "the memory maps of the request name 4097 modules; at most 4096 are read at once: send fewer jobs in one request"
  # the body's own limit comes first, for any text
  python3 -c 'import json,sys; json.dump({"jobs": [{"memoryMap": [["a" * (5 << 20), "AB"]], "stacks": [[]]}]}, open(sys.argv[1], "w"))' "$work/big.json"
  post 413 "$work/big.json" ;;
hostile)
  # every refusal is a 4xx with one line; the server stays up; nothing is 5xx
  serve_for_test; upload "$c_dbg"
  id=$(debug_id "$(build_id "$c_addon")")
  # (one python run checks all the answers: each start is slow on a
  # loaded machine)
  i=0
  while IFS='|' read -r body message; do
    i=$((i + 1))
    printf '%s' "$body" >"$work/bad.$i.json"
    printf '%s' "$message" >"$work/bad.$i.want"
    post 400 "$work/bad.$i.json"
    grep -qi '^content-type: application/json' "$work/head" || fail "not JSON: $(cat "$work/head")"
    mv "$work/body" "$work/bad.$i.got"
  done <<EOF
{"jobs": 5}|jobs must be a list
{"jobs": {"memoryMap": [], "stacks": [[]]}}|jobs must be a list
{"jobs": [1]}|job 0 is invalid
{"jobs": [{"memoryMap": [], "stacks": [[]]}, {"memoryMap": []}]}|job 1 is invalid: no stacks specified
{"jobs": [{"stacks": [[]]}]}|job 0 is invalid: no memoryMap specified
{"memoryMap": {}, "stacks": [[]]}|job 0 has invalid modules: modules must be a list
{"memoryMap": ["abc"], "stacks": [[]]}|job 0 has invalid modules: module index 0 does not have a debug_filename and debug_id
{"memoryMap": [["a", "AB"], ["abc"]], "stacks": [[]]}|job 0 has invalid modules: module index 1 does not have a debug_filename and debug_id
{"memoryMap": [["[abc.so", "ABC"]], "stacks": [[]]}|job 0 has invalid modules: module index 0 has an invalid debug_filename
{"memoryMap": [["a/b.so", "ABC"]], "stacks": [[]]}|job 0 has invalid modules: module index 0 has an invalid debug_filename
{"memoryMap": [[5, "ABC"]], "stacks": [[]]}|job 0 has invalid modules: module index 0 has an invalid debug_filename
{"memoryMap": [["abc.so", "xyz"]], "stacks": [[]]}|job 0 has invalid modules: module index 0 has an invalid debug_id
{"memoryMap": [["abc.so", "  abc"]], "stacks": [[]]}|job 0 has invalid modules: module index 0 has an invalid debug_id
{"memoryMap": [], "stacks": []}|job 0 has invalid stacks: no stacks specified
{"memoryMap": [], "stacks": "abc"}|job 0 has invalid stacks: stacks must be a list of lists
{"memoryMap": [], "stacks": ["abc"]}|job 0 has invalid stacks: stack 0 is not a list
{"memoryMap": [["abc.so", "ABC"]], "stacks": [[0]]}|job 0 has invalid stacks: stack 0 frame 0 is not a list of two items
{"memoryMap": [["abc.so", "ABC"]], "stacks": [[["abc", 0]]]}|job 0 has invalid stacks: stack 0 frame 0 has an invalid module_index
{"memoryMap": [["abc.so", "ABC"]], "stacks": [[[true, 0]]]}|job 0 has invalid stacks: stack 0 frame 0 has an invalid module_index
{"memoryMap": [["abc.so", "ABC"]], "stacks": [[[-2, 0]]]}|job 0 has invalid stacks: stack 0 frame 0 has a module_index that isn't in modules
{"memoryMap": [["abc.so", "ABC"]], "stacks": [[[100, 0]]]}|job 0 has invalid stacks: stack 0 frame 0 has a module_index that isn't in modules
{"memoryMap": [["abc.so", "ABC"]], "stacks": [[[0, "abc"]]]}|job 0 has invalid stacks: stack 0 frame 0 has an invalid module_offset
{"memoryMap": [["abc.so", "ABC"]], "stacks": [[[0, 1.5]]]}|job 0 has invalid stacks: stack 0 frame 0 has an invalid module_offset
{"memoryMap": [["abc.so", "ABC"]], "stacks": [[], [[0, 0], [0, -2]]]}|job 0 has invalid stacks: stack 1 frame 1 has an invalid module_offset
{"jobs": [{"memoryMap": [], "stacks": [[]]}, {"memoryMap": [["abc.so", "ABC"]], "stacks": [[[1, 0]]]}]}|job 1 has invalid stacks: stack 0 frame 0 has a module_index that isn't in modules
EOF
  python3 -c 'import json,sys
for i in range(1, int(sys.argv[2]) + 1):
    got, want = json.load(open("%s/bad.%d.got" % (sys.argv[1], i))), open("%s/bad.%d.want" % (sys.argv[1], i)).read()
    if got != {"title": want}:
        sys.exit("bad.%d: %r, expected the title %r" % (i, got, want))' "$work" "$i" || fail "a refusal"
  # what is no v5 request goes to the crash readers, which refuse it as
  # theirs (422): no JSON object of its shape, broken JSON, nesting past
  # the v5 reader's depth (and the crash reader's)
  for body in '[{"jobs": []}]' '{"memoryMap": [["a", "AB"]]}' '{"jobs": [' '{"jobs": [{"memoryMap": [], "stacks": [[[0, 18446744073709551616]]]}]}'; do
    printf '%s' "$body" >"$work/other.json"
    post 422 "$work/other.json"
    [ "$(wc -l <"$work/body")" = 1 ] || fail "not one line: $(cat "$work/body")"
  done
  python3 -c 'print("{\"jobs\": " + "[" * 100000)' >"$work/deep.json"
  post 422 "$work/deep.json"
  python3 -c 'print("{\"memoryMap\": [], \"stacks\": [[[[[[[[[[[[[[[[[[[[0, 1]]]]]]]]]]]]]]]]]]]}")' >"$work/deeper.json"
  post 422 "$work/deeper.json"
  # ids nobody has, empty names and ids, an offset past 2^63 - 1: answered
  printf '{"memoryMap": [["a.so", "%s"], ["", "%s"], ["b.so", ""], ["c.so", "AB"]], "stacks": [[[0, 1], [1, 1], [2, 1], [3, 9223372036854775807]]]}' \
    "$(debug_id 9bb9da403a6b64a875d1330c0f657bc7364dae8c)" "$id" >"$work/unknown.json"
  post 200 "$work/unknown.json"
  grep -q "\"found_modules\": {\"a.so/$(debug_id 9bb9da403a6b64a875d1330c0f657bc7364dae8c)\": false, \"/$id\": null, \"b.so/\": null, \"c.so/AB\": false}" "$work/body" ||
    fail "unknown: $(cat "$work/body")"
  grep -q '"module": "<unknown>", "module_offset": "0x1"}' "$work/body" || fail "an empty name: $(cat "$work/body")"
  # cut and damaged copies of a good request: an answer or a 4xx
  functions "$c_dbg" >"$work/c.fn"
  request "$work/req.json" "addon.node=$id=$work/c.fn"
  size=$(stat -c %s "$work/req.json")
  for n in $(seq 0 $((size / 25 + 1)) "$size"); do
    head -c "$n" "$work/req.json" >"$work/cut"
    code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$work/cut" "$url/api/v1/symbolicate")
    case $code in 200 | 400 | 413 | 422) ;; *) fail "cut at $n: $code" ;; esac
  done
  python3 -c 'import random,sys
src=open(sys.argv[1],"rb").read()
for seed in range(1, 26):
    d=bytearray(src); r=random.Random(seed)
    for _ in range(r.randint(1,20)): d[r.randrange(len(d))]=r.choice(b"[]{},:\"0123456789-eE.x \\\x00\xff")
    open("%s/damaged.%d" % (sys.argv[2], seed), "wb").write(bytes(d))' "$work/req.json" "$work"
  for seed in $(seq 1 25); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$work/damaged.$seed" "$url/api/v1/symbolicate")
    case $code in 200 | 400 | 413 | 422) ;; *) fail "damaged (seed $seed): $code" ;; esac
  done
  post 200 "$work/req.json"
  expect "$work/req.json" "addon.node/$id=$c_dbg,-,0"
  [ -z "$(curl -s "$url/metrics" | grep 'status="5')" ] || fail "a 5xx: $(curl -s "$url/metrics" | grep 'status="5')" ;;
*)
  fail "unknown case" ;;
esac
exit 0
