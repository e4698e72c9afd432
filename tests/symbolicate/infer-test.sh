#!/usr/bin/env bash
# Load-address inference: traces with absolute addresses and no load
# address, made here from the crasher fixture (tests/fixtures/foreign:
# crasher.node, universal x86_64 + arm64, only napi_register_module_v1
# exported and first in its code) at load addresses chosen by the test.
# Each must be recovered exactly, or reported impossible where
# it truly is; the frames then answer as llvm-symbolizer does on the dSYM.
# Usage: infer-test.sh NAPI_SYMBOLS CASE, with NSYM_FOREIGN_DIR set.
set -uo pipefail
nsym="$1"
case_name="$2"
dir="${NSYM_FOREIGN_DIR:?}/macho"
crasher=$dir/crasher.node
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS
. "$(dirname "$0")/../lib.sh"
cd "$work" || exit 1

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
objdump=$(tool llvm-objdump)
llvm_symbolizer=$(tool llvm-symbolizer)
dwarf=$(find "$crasher.dSYM" -type f -path '*DWARF*')

NSYM_RUN_ARGS=--no-fetch
infer_run() { # STATUS ARGS...: run (tests/lib.sh), what inference decided in the test's log
  run "$@"
  grep -h "load address" "$work/err" | sed "s/^/[$case_name] /"
}

# return_after ARCH FUNCTION: the offset just after the call to FUNCTION
# in the ARCH slice (what a backtrace prints as its return address)
return_after() {
  "$objdump" --macho --arch="$1" -d "$crasher" | awk -v f="_$2" '
    $0 ~ /^[_a-z].*:$/ { next }
    ($3 == "bl" || $3 == "callq" || $NF == f) && $NF == f { at = 1; next }
    at { sub(":", "", $1); print $1; exit }'
}

# the answer llvm-symbolizer gives for return address OFFSET: the call
llvm_at() { # ARCH OFFSET
  "$llvm_symbolizer" --obj="$dwarf" --default-arch="$1" --inlining "0x$(printf '%x' $((16#$2 - 1)))" |
    awk 'NR == 1 { f = $0 } NR == 2 { n = split($0, p, "/"); print f " at " p[n]; exit }'
}

# rust_trace ARCH BASE: a panic's backtrace as Rust prints it on macOS, the
# addon's frames named after its one export, then node's
rust_trace() {
  local arch=$1 base=$2 k=0 fn
  printf '%s\n' "thread '<unnamed>' panicked at src/lib.rs:10:5:" "boom" "stack backtrace:"
  for fn in level_three level_two level_one; do
    printf '  %2d:        0x%x - _napi_register_module_v1\n' $k $((base + 16#$(return_after "$arch" $fn)))
    k=$((k + 1))
  done
  printf '  %2d:        0x%x - __ZN6v8impl12_GLOBAL__N_118FunctionCallbackWrapper6InvokeERKN2v820FunctionCallbackInfoINS2_5ValueEEE\n' $k 0x1001b8f24
  printf '  %2d:        0x%x - <unknown>\n' $((k + 1)) 0x3a4c1b2e8
}

# check ARCH BASE: the load address was found and every addon frame
# answers as llvm-symbolizer does at its call
check() {
  local arch=$1 base=$2 fn off want
  [[ "$err" == *"crasher.node ($arch): load address $(printf '0x%x' "$base") inferred from 3 frames (1 of "* ]] ||
    fail "load address not reported: $err"
  for fn in level_three level_two level_one; do
    off=$(return_after "$arch" $fn)
    want=$(llvm_at "$arch" "$off")
    [[ "$out" == *"$want in crasher.node+0x$off [addon]"* ]] ||
      fail "the frame after the call to $fn: want '$want' at +0x$off: $out"
  done
  [[ "$out" == *"v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke"*"(not in a module)"* ||
     "$out" == *"__ZN6v8impl"*"(not in a module)"* ]] || fail "node's frame keeps its name: $out"
}

case $case_name in
infer-arm64)
  # arm64 macOS: 16 KiB pages, BL calls
  [ -n "$(return_after arm64 level_three)" ] || fail "no call to level_three in the arm64 slice"
  base=$((0x104d28000))
  rust_trace arm64 $base >trace.txt
  infer_run 0 -s --module "$crasher" trace.txt
  check arm64 $base
  infer_run 0 -s --json --module "$crasher" trace.txt
  [[ "$out" == *'"offset_from": "inferred"'* ]] || fail "--json: $out"
  [[ "$out" == *'"symbol": "_napi_register_module_v1"'* ]] || fail "--json keeps the name: $out" ;;
infer-x86_64)
  # x86_64 macOS: 4 KiB pages, CALL rel32
  base=$((0x10a4c3000))
  rust_trace x86_64 $base >trace.txt
  infer_run 0 -s --module "$crasher" trace.txt
  check x86_64 $base ;;
infer-project)
  # the addon found in the project, not named on the command line
  mkdir -p app/node_modules/fixture
  cp "$crasher" app/node_modules/fixture/crasher.node
  cp -r "$crasher.dSYM" app/node_modules/fixture/crasher.node.dSYM
  base=$((0x104d28000))
  rust_trace arm64 $base >trace.txt
  infer_run 0 -s --project app trace.txt
  check arm64 $base
  (cd app && "$nsym" symbolicate --no-fetch -s ../trace.txt >../out 2>../err) || fail "in the project: $(cat err)"
  [[ "$(cat err)" == *"load address 0x104d28000 inferred"* ]] || fail "cwd project: $(cat err)" ;;
infer-shifted)
  # a whole page off is another load address that fits as well; 8 bytes
  # off, no return address follows a call: nothing fits, nothing is guessed
  base=$((0x104d28000))
  rust_trace arm64 $((base + 0x4000)) >trace.txt
  infer_run 0 -s --module "$crasher" trace.txt
  check arm64 $((base + 0x4000))
  rust_trace arm64 $((base + 8)) >shifted.txt
  infer_run 0 -s --module "$crasher" shifted.txt
  [[ "$err" == *"load address of crasher.node not inferred: none of the"* ]] || fail "shifted: $err"
  [[ "$out" != *"level_"* ]] || fail "a frame was guessed: $out"
  # another build: its code does not fit either
  rust_trace arm64 $base >trace.txt
  infer_run 0 -s --module "$dir/addon-fat.node" trace.txt
  [[ "$err" == *"not inferred"* ]] || fail "another build: $err"
  # (its arm64 code is too small for any page-aligned load to hold the
  # first frame, and that is what is said)
  [[ "$err" == *"addon-fat.node (arm64): load address of addon-fat.node not inferred: no page-aligned address puts its first frame in its code"* ]] ||
    fail "another build, arm64: $err"
  [[ "$out" != *"level_"* && "$out" != *"checksum"* ]] || fail "another build answered: $out" ;;
infer-one-frame)
  # one return address in the padding: NOPs, after which no return address
  # can be, on every page the frame allows, so none fits
  base=$((0x104d28000))
  printf '%s\n' "thread 'main' panicked at src/lib.rs:1:1:" "x" "stack backtrace:" \
    "   0:        0x$(printf '%x' $((base + 0x8000))) - _napi_register_module_v1" >one.txt
  infer_run 0 -s --module "$crasher" one.txt
  [[ "$err" == *"load address of crasher.node not inferred: none of the"* ]] ||
    fail "one frame in the padding: $err"
  [[ "$out" != *"crasher.node+"* ]] || fail "a frame was placed: $out" ;;
infer-crash-symbols)
  # a .crash pasted without its Binary Images (only the crashed thread, as
  # issues often quote it): every addon frame named after the one export
  # with an offset, which places it exactly, and gives the load address
  base=$((0x104d28000))
  export_at=$(( 16#$("$(tool llvm-nm)" --arch=arm64 "$crasher" | awk '$3 == "_napi_register_module_v1" { print $1 }') ))
  {
    printf '%s\n' "Process:               node [4242]" "Code Type:             ARM-64 (Native)" \
      "Exception Type:        EXC_BAD_ACCESS (SIGSEGV)" "" \
      "Thread 0 Crashed::  Dispatch queue: com.apple.main-thread"
    # the faulting frame, in level_three; then the return addresses
    fault=$(( 16#$("$(tool llvm-nm)" --arch=arm64 "$crasher" | awk '$3 == "_level_three" { print $1 }') + 4 ))
    printf '%-4d%-30s0x%016x napi_register_module_v1 + %d\n' 0 crasher.node $((base + fault)) $((fault - export_at))
    k=1
    for fn in level_three level_two level_one; do
      off=$((16#$(return_after arm64 $fn)))
      printf '%-4d%-30s0x%016x napi_register_module_v1 + %d\n' $k crasher.node $((base + off)) $((off - export_at))
      k=$((k + 1))
    done
    printf '%-4d%-30s0x%016x v8impl::Invoke + 120\n' $k node 0x100a1c8e0
  } >noimages.crash
  infer_run 0 -s --module "$crasher" noimages.crash
  [[ "$err" == *"crasher.node (arm64): load address 0x104d28000 from the functions its frames name with offsets, which fits all 4 frames"* ]] ||
    fail "load address not reported: $err"
  want=$("$llvm_symbolizer" --obj="$dwarf" --default-arch=arm64 "$(printf '0x%x' $fault)" | head -1)
  [[ "$out" == *"#0 $want at crasher.c:"*" in crasher.node+$(printf '0x%x' $fault) [addon]"* ]] ||
    fail "the faulting frame: want '$want': $out"
  for fn in level_three level_two level_one; do
    off=$(return_after arm64 $fn)
    want=$(llvm_at arm64 "$off")
    [[ "$out" == *"$want in crasher.node+0x$off"* ]] ||
      fail "the frame after the call to $fn: want '$want' at +0x$off: $out"
  done
  infer_run 0 -s --json --module "$crasher" noimages.crash
  [ "$(grep -o '"offset_from": "symbol"' <<<"$out" | wc -l)" -eq 4 ] || fail "offsets from the symbol: $out" ;;
infer-several)
  # the faulting frame of lldb's bt, with no function: not a return address,
  # so every page-aligned load that puts it in the code fits, and a frame
  # alone says nothing; the candidates are said, none is taken
  printf '%s\n' "(lldb) bt" \
    "* thread #1, stop reason = EXC_BAD_ACCESS (code=1, address=0x0)" \
    "  * frame #0: 0x000000010a4c4f00 crasher.node" \
    "    frame #1: 0x0000000100a1c8e0 node\`node::Start() + 120" >several.txt
  infer_run 0 -s --module "$crasher" several.txt
  [[ "$err" =~ "crasher.node (x86_64): load address of crasher.node not inferred: "([0-9]+)" addresses fit its 1 frame (0x" ]] &&
    [ "${BASH_REMATCH[1]}" -gt 1 ] || fail "several loads fit: $err"
  [[ "$out" == *"#0 ?? in crasher.node at 0x10a4c4f00 [addon] (load address of crasher.node not inferred: "* ]] ||
    fail "the frame says why: $out"
  [[ "$out" != *"crasher.node+"* ]] || fail "a frame was placed: $out" ;;
infer-x86-calls)
  # the x86_64 calls a return address may follow, as compilers emit them
  # (MSVC's control-flow guard, Rust through a vtable): CALL r/m with a
  # register, RIP-relative, SIB with a displacement, behind REX.B and
  # REX.W prefixes, and CALL rel32; a binary built here, whose one export
  # names every frame, 20 KiB of NOPs after it so that several pages put
  # the first frame in the code, of which only the right one puts a call
  # before every frame
  cat >calls.S <<'EOF'
	.text
	.globl napi_register_module_v1
	.type napi_register_module_v1, @function
napi_register_module_v1:
	call *%rax
ret_reg:
	call *%r8
ret_rex_reg:
	call *0(%rip)
ret_rip:
	call *8(%r12)
ret_rex_sib:
	call *0x10(%rax,%rbx,8)
ret_sib:
	rex.W call *%rdx
ret_rexw:
	call helper
ret_rel32:
	ret
helper:
	ret
	.size napi_register_module_v1, .-napi_register_module_v1
	.fill 20480, 1, 0x90
EOF
  cc -shared -nostdlib -o calls.node calls.S || fail "cannot build calls.node"
  base=$((0x7f3a1c200000)) k=0
  printf '%s\n' "thread 'main' panicked at src/lib.rs:1:1:" "x" "stack backtrace:" >calls.txt
  # innermost first: the direct call's frame has no frame inside it
  for l in ret_rel32 ret_reg ret_rex_reg ret_rip ret_rex_sib ret_sib ret_rexw; do
    a=$(nm calls.node | awk -v l=$l '$3 == l {print $1}')
    [ -n "$a" ] || fail "no $l in calls.node"
    printf '  %2d:     0x%x - napi_register_module_v1\n' $k $((base + 16#$a)) >>calls.txt
    k=$((k + 1))
  done
  infer_run 0 -s --module calls.node calls.txt
  [[ "$err" == *"calls.node: load address 0x7f3a1c200000 inferred from 7 frames (1 of "* ]] ||
    fail "inference: $err"
  [ "$(grep -c ' in calls.node+0x' <<<"$out")" = 7 ] || fail "frames placed: $out"
  # a frame after no call (in the NOPs) leaves no load address
  printf '  %2d:     0x%x - napi_register_module_v1\n' $k $((base + 0x3000)) >>calls.txt
  infer_run 0 -s --module calls.node calls.txt
  [[ "$err" == *"load address of calls.node not inferred: none of the"* ]] || fail "after NOPs: $err" ;;
infer-pe)
  # a Windows x86_64 DLL with its PDB beside it: 64 KiB image bases,
  # CALL rel32; the frames as llvm-symbolizer-16 answers at the calls
  pe=${NSYM_FOREIGN_DIR:?}/pe/crasher.node
  image=$(tool llvm-readobj)
  ib=$("$image" --file-headers "$pe" | awk '$1 == "ImageBase:" { print $2 }')
  base=$((0x7ffb12340000)) k=0
  # the return addresses: after each call, in the order the stack unwinds
  "$objdump" -d "$pe" | awk '/\tcallq?\t/ { c = 1; next } c { sub(":", "", $1); print $1; c = 0 }' |
    head -3 | sort -r >calls.txt
  [ "$(wc -l <calls.txt)" = 3 ] || fail "no three calls in crasher.node: $(cat calls.txt)"
  { printf '%s\n' "thread '<unnamed>' panicked at src\\lib.rs:10:5:" "boom" "stack backtrace:"
    while read -r va; do
      printf '  %2d:     0x%x - napi_register_module_v1\n' $k $((base + 16#$va - ib))
      k=$((k + 1))
    done <calls.txt
    printf '  %2d:     0x%x - <unknown>\n' $k 0x7ff600001234; } >trace.txt
  infer_run 0 -s --module "$pe" trace.txt
  [[ "$err" == *"crasher.node: load address $(printf '0x%x' $base) inferred from 3 frames"* ]] ||
    fail "load address not reported: $err"
  while read -r va; do
    want=$(llvm-symbolizer-16 --obj="$pe" "0x$(printf '%x' $((16#$va - 1)))" |
      awk 'NR == 1 { f = $0 } NR == 2 { n = split($0, p, "/"); print f " at " p[n]; exit }')
    [[ "$out" == *"$want in crasher.node+0x$(printf '%x' $((16#$va - ib))) [addon]"* ]] ||
      fail "the frame returning to $va: want '$want': $out"
  done <calls.txt ;;
*)
  fail "unknown case" ;;
esac
