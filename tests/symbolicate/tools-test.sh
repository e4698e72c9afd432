#!/usr/bin/env bash
# `napi-symbols symbolicate` on the traces common tools print (report_tools.c),
# one case per tool: the C fixture addon crashed under the real tool where
# that is cheap (glibc's backtrace_symbols_fd in a preloaded handler as
# segfault-handler does, gdb, AddressSanitizer, valgrind, Node's fatal
# error), else traces written in the tool's documented shape from the
# fixture's real offsets; each also pasted with a test runner's prefix,
# joined into one line or wrapped. The expected answers are `symbolize` on
# the fixtures at the same offsets.
#   tools-test.sh NAPI_SYMBOLS FIXTURES_DIR CASE   (NSYM_NODE: node; KEEP=1
#   keeps the work folder)
set -uo pipefail
nsym=$(realpath "$1") fixtures=$(realpath "$2") case_name=$3
node=${NSYM_NODE:-node}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
. "$(dirname "$0")/../lib.sh"
export DEBUGINFOD_CACHE_PATH=$work/cache XDG_CACHE_HOME=$work/xdg
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS

addon=$fixtures/c/addon.node dbg=$fixtures/c/addon.node.debug stripped=$fixtures/c/addon.node.stripped
id=$(readelf -n "$addon" | awk '/Build ID:/ {print $3}')
macho=$fixtures/foreign/macho
# the app a user runs: the stripped addon, as it ships
app=$work/app mod=$work/app/node_modules/c-addon/addon.node
mkdir -p "$(dirname "$mod")" && cp "$stripped" "$mod"

json_ok() { "$node" -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' <<<"$out" || fail "not JSON: $out"; }
# want FILE [symbolize options] REL: what symbolize says at REL, one frame a line
want() { "$nsym" symbolize -s --cache never -e "$@" | sed 's/^ *//'; }
# frame N: frame #N of $out as symbolize prints it (module part dropped)
frame() { # (of the first crash)
  printf '%s\n' "$out" | awk -v n="#$1 " '/^$/ {exit} index($0, n) == 1 {p=1; print; next} /^#/ {p=0} p' |
    sed -e 's/^#[0-9]* //' -e 's/ in [^ ]*+0x[0-9a-f]*.*$//' -e 's/^ *//'
}
expect_frame() { # N WANT
  [ "$(frame "$1")" = "$2" ] || fail "frame #$1: '$(frame "$1")', expected '$2'; output: $out"
}
line_of() { # N: the first line of frame #N
  printf '%s\n' "$out" | grep -m1 "^#$1 "
}
hex() { printf '%x' "$1"; }
sym_addr() { nm "$addon" | awk -v f="$1" '$3 == f {print $1}'; }

# the same text pasted three more ways: every line after a test runner's
# tag, joined into one line, and hard-wrapped at a terminal's width
variants() { # FILE
  sed 's/^/[vitest] /' "$1" >"$1.prefixed"
  tr '\n' ' ' <"$1" >"$1.joined"
  fold -w 60 "$1" >"$1.wrapped"
}

case $case_name in
glibc)
  # backtrace_symbols_fd from a SIGSEGV handler preloaded into node, which is
  # how segfault-handler prints (ddopson/node-segfault-handler issue #74)
  cat >"$work/handler.c" <<'C'
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void handler(int sig, siginfo_t *si, void *uc)
{
	void *frames[64];
	char line[128];
	int n = backtrace(frames, 64);
	int len = snprintf(line, sizeof(line), "PID %d received SIGSEGV for address: 0x%lx\n",
	                   (int)getpid(), (unsigned long)si->si_addr);
	(void)uc;
	write(2, line, (size_t)len);
	backtrace_symbols_fd(frames, n, 2);
	signal(sig, SIG_DFL);
	raise(sig);
}
__attribute__((constructor)) static void install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
}
C
  gcc -O1 -fPIC -shared -o "$work/segfault-handler.so" "$work/handler.c" || fail "cannot build the handler"
  (cd "$app" && LD_PRELOAD=$work/segfault-handler.so "$node" --disable-wasm-trap-handler \
    -e "require('./node_modules/c-addon/addon.node').crash()" 2>"$work/trace.txt")
  grep -q "c-addon/addon.node(+0x" "$work/trace.txt" || fail "no addon frame: $(cat "$work/trace.txt")"
  rel=$(sed -n 's/.*c-addon\/addon.node(+0x\([0-9a-f]*\)).*/\1/p' "$work/trace.txt" | head -n 1)
  pc=$(sed -n 's/.*c-addon\/addon.node(+0x[0-9a-f]*)\[0x\([0-9a-f]*\)\].*/\1/p' "$work/trace.txt" | head -n 1)
  # a frame named by a symbol, as glibc prints an exported function's: its
  # offset comes from the load address the frame above gives (BASE)
  cs=$(sym_addr checksum_bytes) base=$((0x$pc - 0x$rel))
  printf '%s(checksum_bytes+0x10)[0x%x]\n' "$mod" $((base + 0x$cs + 0x10)) >>"$work/trace.txt"
  fault_want=$(want "$addon" "0x$rel") ret_want=$(want "$addon" -r "0x$(hex $((0x$cs + 0x10)))")
  [[ "$fault_want" == "load_slot at addon.c:"*"(inlined by) crash at addon.c:"* ]] ||
    fail "the fixture does not fault in load_slot: $fault_want"
  variants "$work/trace.txt"
  for t in trace.txt trace.txt.prefixed trace.txt.joined trace.txt.wrapped; do
    run 0 --no-fetch -s --module "$dbg" "$work/$t"
    [[ "$out" == "crash: SIGSEGV at 0x0"$'\n'"pid "*$'\n'"from: glibc backtrace_symbols (segfault-handler): PID "* ]] ||
      fail "$t: header: $out"
    # after the handler and the signal trampoline, the faulting frame: exact
    n=$(grep -n '^#[0-9]* .* in addon.node+0x' <<<"$out" | head -n 1 | sed 's/^[0-9]*:#\([0-9]*\) .*/\1/')
    [ -n "$n" ] || fail "$t: no addon frame: $out"
    expect_frame "$n" "$fault_want"
    expect_frame "$(grep -c '^#' <<<"$out" | awk '{print $1 - 1}')" "$ret_want"
    [[ "$out" == *"#1 ?? in libc.so.6+0x"*" (no identity, and no --module named like 'libc.so.6')"* ]] ||
      fail "$t: libc keeps its offset: $out"
    [[ "$out" == *"#4 v8::internal::FunctionCallbackArguments::Call(v8::internal::CallHandlerInfo) + 303 in node+0xf50bdf"* ]] ||
      fail "$t: node's frame keeps its symbol, demangled: $out"
  done
  run 0 --no-fetch -s --json --module "$dbg" "$work/trace.txt"; json_ok
  [[ "$out" == *'"module": "addon.node", "id": "", "pc": "0x'$pc'", "module_offset": "0x'$rel'", "offset_from": "given"'* ]] ||
    fail "json given: $out"
  [[ "$out" == *'"offset_from": "base", "rel": "0x'$(hex $((0x$cs + 0x10)))'", "addon": true, "return_address": true, "frames": [{"function": "'*'"symbol": "checksum_bytes", "symbol_offset": 16'* ]] ||
    fail "json base: $out" ;;
macos)
  # backtrace_symbols on macOS ("%-4d%-35s 0x%016lx %s + %lu", as
  # segfault-handler prints it there; nodejs/node issue #33205), on the
  # Mach-O fixture: the offsets of the x86_64 slice, loaded at 0x104d00000
  load=0x104d00000
  cat >"$work/mac.txt" <<EOF
PID 4242 received SIGSEGV for address: 0x0
0   segfault-handler.node               0x0000000104e5d3b4 _ZL16segfault_handleriP9__siginfoPv + 252
1   libsystem_platform.dylib            0x00000001a0b1a584 _sigtramp + 56
2   addon-x86_64.node                   0x$(printf '%016x' $((load + 0x2d4))) napi_register_module_v1 + 36
3   Electron Framework                  0x000000010a53a079 v8::internal::SetupIsolateDelegate::SetupHeap(v8::internal::Heap*) + 17358137
EOF
  # the crash text of macOS 12 and later states the load address: "0xPC 0xBASE + DEC"
  printf '4   addon-x86_64.node   0x%x 0x%x + %d\n' $((load + 0x2d5)) $((load)) $((0x2d5)) >>"$work/mac.txt"
  variants "$work/mac.txt"
  for t in mac.txt mac.txt.prefixed mac.txt.joined mac.txt.wrapped; do
    run 0 --no-fetch -s --module "$macho/addon-x86_64.node" "$work/$t"
    [[ "$(line_of 2)" == "#2 mix at addon.c:13:12 in addon-x86_64.node+0x2d4 [addon]" ]] ||
      fail "$t: frame #2 from the load of frame #4: $out"
    [ "$(frame 4)" = "$(want "$macho/addon-x86_64.node" -r 0x2d5)" ] || fail "$t: frame #4: $out"
    [[ "$out" == *"#3 v8::internal::SetupIsolateDelegate::SetupHeap(v8::internal::Heap*) + 17358137 in Electron Framework at 0x10a53a079 (a load address is needed: "* ]] ||
      fail "$t: a system frame keeps its symbol: $out"
  done
  # without the macOS 12 line, the absolute addresses need a load address:
  # with no file, the frame says so and keeps the symbol the text names
  sed -i '$d' "$work/mac.txt"
  run 0 --no-fetch -s --json "$work/mac.txt"; json_ok
  [[ "$out" == *'{"module": "addon-x86_64.node", "id": "", "pc": "0x'$(hex $((load + 0x2d4)))'", "addon": true, "return_address": false, "frames": [], "symbol": "napi_register_module_v1", "symbol_offset": 36, "unresolved": "a load address is needed: the text gives the absolute address and no load address for addon-x86_64.node"}'* ]] ||
    fail "json unknown: $out"
  # with the file, the export the frame is named after places it: its
  # address in the file + 36
  run 0 --no-fetch -s --json --module "$macho/addon-x86_64.node" "$work/mac.txt"; json_ok
  # (exactly, from the symbol and offset it names, not by the search)
  [[ "$out" == *'"pc": "0x'$(hex $((load + 0x2d4)))'", "module_offset": "0x2d4", "offset_from": "symbol"'* ]] ||
    fail "json by symbol: $out"
  [[ "$err" == *"addon-x86_64.node: load address 0x104d00000 from the functions its frames name with offsets, which fits its 1 frame"* ]] ||
    fail "the load, said: $err"
  run 0 --no-fetch -s --module "$macho/addon-x86_64.node" "$work/mac.txt"
  [[ "$(line_of 2)" == "#2 mix at addon.c:13:12 in addon-x86_64.node+0x2d4 [addon]" ]] || fail "by symbol: $out"
  # a frame named after no symbol of the file: its load address is inferred
  sed 's/napi_register_module_v1 + 36/<unknown> + 36/' "$work/mac.txt" >"$work/mac-unknown.txt"
  run 0 --no-fetch -s --json --module "$macho/addon-x86_64.node" "$work/mac-unknown.txt"; json_ok
  [[ "$out" == *'"pc": "0x'$(hex $((load + 0x2d4)))'", "module_offset": "0x2d4", "offset_from": "inferred"'* ]] ||
    fail "json inferred: $out" ;;
coredump)
  # systemd-coredump's journal entry ("#%-2u 0x%016lx %s (%s + 0x%lx)" and
  # "Module %s with build-id %s", src/shared/elf-util.c; coredumpctl info),
  # for a crash in checksum_bytes at the fixture's real offsets
  cs=$(sym_addr checksum_bytes)
  for off in $(seq 0 80); do
    a=$(hex $((0x$cs + off)))
    w=$(want "$addon" "0x$a")
    [[ "$w" == *"(inlined by)"* ]] && break
  done
  fib=$(hex $((0x$(sym_addr fib_iter) + 8))) base=0x7f3a1c200000
  cat >"$work/cd.txt" <<EOF
           PID: 4242 (node)
        Signal: 11 (SEGV)
       Message: Process 4242 (node) of user 1000 dumped core.
                
                Module addon.node with build-id $id
                Module libc.so.6 from deb glibc-2.36-9+deb12u4.amd64
                Stack trace of thread 4242:
                #0  0x$(printf '%016x' $((base + 0x$a))) n/a (addon.node + 0x$a)
                #1  0x$(printf '%016x' $((base + 0x$fib))) n/a (addon.node + 0x$fib)
                #2  0x0000000000c45d95 _ZN6v8impl12_GLOBAL__N_123FunctionCallbackWrapper6InvokeERKN2v820FunctionCallbackInfoINS2_5ValueEEE (node + 0xc45d95)
                #3  0x00007f600449ebb5 n/a (libc.so.6 + 0x85bb5)
                
                Stack trace of thread 4243:
                #0  0x00007f60045139df __poll (libc.so.6 + 0xfa9df)
EOF
  # as rsyslog writes the journal's lines into one, newlines as "#012"
  # (systemd/systemd issue #27503)
  awk '{printf "%s#012", $0} END {print ""}' "$work/cd.txt" | sed 's/^/May 3 09:59:01 host systemd-coredump[22042]: /' >"$work/cd.txt.syslog"
  variants "$work/cd.txt"
  for t in cd.txt cd.txt.syslog cd.txt.prefixed cd.txt.wrapped; do
    # the identity the module line gives finds the debug file
    run 0 --no-fetch -s --module "$dbg" "$work/$t"
    [[ "$out" == "crash: SIGSEGV"$'\n'"from: systemd-coredump stack: Stack trace of thread 4242:"* ]] || fail "$t: header: $out"
    expect_frame 0 "$w"
    expect_frame 1 "$(want "$addon" -r "0x$fib")"
    [[ "$out" == *"#2 v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) in node+0xc45d95"* ]] ||
      fail "$t: node's frame: $out"
    [[ "$out" == *$'\n\nreport (manual)\nfrom: systemd-coredump stack: Stack trace of thread 4243:\n#0 __poll in libc.so.6+0xfa9df'* ]] ||
      fail "$t: the other thread: $out"
  done
  run 0 --no-fetch -s --json --module "$dbg" "$work/cd.txt"; json_ok
  [[ "$out" == *'"module": "addon.node", "id": "'$id'", "pc": "0x'$(hex $((base + 0x$a)))'", "module_offset": "0x'$a'", "offset_from": "given"'* ]] ||
    fail "json: $out" ;;
kernel)
  # the kernel's line (arch/x86/mm/fault.c show_signal_msg, mm/memory.c
  # print_vma_addr): before 6.x "in NAME[START+SIZE]", since then
  # "in NAME[OFF,START+SIZE] likely on CPU …" (sist2app/sist2 issue #553),
  # OFF the file offset of ip. The addon at 0x7f3a1c200000; its code
  # segment is mapped from its page
  read -r off va < <(readelf -lW "$stripped" | awk '$1 == "LOAD" && / R E / {print $2, $3; exit}')
  read -r size < <(readelf -lW "$stripped" | awk '$1 == "LOAD" && / R E / {print $6; exit}')
  map=$(hex $((0x7f3a1c200000 + (va & ~0xfff)))) span=$(hex $(((((va + size + 0xfff) & ~0xfff)) - (va & ~0xfff))))
  rel=$(hex $((0x$(sym_addr crash) + 4))) ip=$(printf '%016x' $((0x7f3a1c200000 + 0x$(sym_addr crash) + 4)))
  fo=$(hex $((0x$rel - va + off)))
  cat >"$work/k.txt" <<EOF
[Mon Dec  3 21:10:54 2026] node[25407]: segfault at 0 ip $ip sp 00007ffd1780dca8 error 4 in addon.node[$map+$span]
Aug 16 16:55:06 host kernel: node[25408]: segfault at 0 ip $ip sp 00007ffd1780dca8 error 4 in addon.node[$fo,$map+$span] likely on CPU 3 (core 3, socket 0)
Aug 16 16:55:07 host kernel: traps: node[25409] trap invalid opcode ip:${ip#000} sp:7ffd1780dca8 error:0 in addon.node[$map+$span]
EOF
  w=$(want "$addon" "0x$rel")
  variants "$work/k.txt"
  for t in k.txt k.txt.prefixed k.txt.joined; do
    # the mapping needs the binary's program headers: the file that shipped
    run 0 --no-fetch -s --module "$mod" --module "$dbg" "$work/$t"
    [ "$(grep -c "^#0 $w" <<<"$out")" = 3 ] || fail "$t: three crashes at $w: $out"
    [[ "$out" == "crash: SIGSEGV at 0x0"$'\n'"pid 25407"$'\n'"from: kernel log line"$'\n'* ]] || fail "$t: header: $out"
    [[ "$out" == *$'crash: SIGILL\npid 25409'* ]] || fail "$t: trap: $out"
  done
  # a debug file alone keeps no file offsets: the frame says what is needed
  run 0 --no-fetch -s --module "$dbg" "$work/k.txt"
  [[ "$out" == *"#0 ?? in addon.node at 0x${ip#0000} [addon] (a load address is needed: the kernel gives the mapping at 0x$map of addon.node, which only its program headers place (its file is needed))"* ]] ||
    fail "no binary: $out"
  # another build's mapping does not fit
  run 0 --no-fetch -s --module "$fixtures/c/addon-clang.node.stripped" "$work/k.txt"
  [[ "$out" != *"$w"* ]] || fail "another build placed it: $out" ;;
gdb)
  # gdb -batch -ex run -ex bt on node crashing in the stripped addon
  command -v gdb >/dev/null || fail "gdb is not installed (Debian package gdb)"
  (cd "$app" && timeout 120 gdb -batch -nx -ex run -ex bt --args "$node" \
    -e "require('./node_modules/c-addon/addon.node').crash()" >"$work/gdb.txt" 2>&1)
  grep -q "^#0 .* in ?? () from $mod" "$work/gdb.txt" || fail "no addon frame: $(head -c 3000 "$work/gdb.txt")"
  pc=$(sed -n 's/^#0  0x0*\([0-9a-f]*\) in ?? () from .*/\1/p' "$work/gdb.txt")
  # gdb puts "from LIB" on a line of its own when a frame is long
  sed 's/ () from / ()\n    from /' "$work/gdb.txt" >"$work/gdb.txt.from"
  # and with the debug info, it names the source and no module
  printf '#1  0x000055a80669341d in crash (sig=6, context=<optimized out>) at ../src/core/main.c:264\n#2  <signal handler called>\n#3  0x000055a806693aaa in after_signal () at x.c:1\n' >"$work/gdb2.txt"
  variants "$work/gdb.txt"
  for t in gdb.txt gdb.txt.from gdb.txt.prefixed gdb.txt.wrapped; do
    run 0 --no-fetch -s --module "$dbg" "$work/$t"
    [[ "$out" == "crash: SIGSEGV"$'\n''from: gdb backtrace: Thread 1 "node" received signal SIGSEGV, Segmentation fault.'$'\n'* ]] ||
      fail "$t: header: $out"
    [ "$(line_of 0)" = "#0 ?? in addon.node at 0x$pc [addon] (a load address is needed: the text gives the absolute address and no load address for addon.node)" ] ||
      fail "$t: the addon's frame keeps its address: $out"
    [[ "$out" == *"#1 v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) at 0xc45d95 (the tool named it without its module: its answer is kept)"* ]] ||
      fail "$t: node's frame: $out"
  done
  # with the addon itself, its load address is inferred from the frame
  # (load-address inference, report_infer.c) and the frame resolves
  run 0 --no-fetch -s --module "$mod" --module "$dbg" "$work/gdb.txt"
  rel=$(line_of 0 | sed -n 's/.* in addon.node+0x\([0-9a-f]*\) \[addon\]$/\1/p')
  [ -n "$rel" ] || fail "not inferred: $out"
  expect_frame 0 "$(want "$addon" "0x$rel")"
  [[ "$(frame 0)" == "load_slot at addon.c:"*"(inlined by) crash at addon.c:"* ]] || fail "inferred frame: $out"
  run 0 --no-fetch -s --json "$work/gdb.txt.from"; json_ok
  [[ "$out" == *'{"module": "addon.node", "id": "", "pc": "0x'$pc'", "addon": true, "return_address": false, "frames": [], "unresolved": "a load address is needed'* ]] ||
    fail "json: $out"
  run 0 --no-fetch -s --json "$work/gdb2.txt"; json_ok
  [[ "$out" == *'"pc": "0x55a80669341d", "return_address": true, "frames": [], "symbol": "crash (sig=6, context=<optimized out>) at ../src/core/main.c:264"'* ]] ||
    fail "source kept: $out"
  [[ "$out" == *'"return_address": false, "frames": [], "symbol": "after_signal () at x.c:1"'* ]] || fail "after the signal: $out" ;;
lldb)
  # lldb's bt (its frame-format "frame #N: ADDR MODULE`FUNCTION + OFFSET
  # [at FILE:LINE]"), on the Mach-O fixture
  cat >"$work/lldb.txt" <<'EOF'
(lldb) bt
* thread #1, queue = 'com.apple.main-thread', stop reason = EXC_BAD_ACCESS (code=1, address=0x0)
  * frame #0: 0x0000000104d002d4 addon-x86_64.node`napi_register_module_v1 + 36
    frame #1: 0x0000000100a1c8e0 node`v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) + 120
    frame #2: 0x0000000104d002d5 addon-x86_64.node`checksum(p="abc", n=3) + 37 at addon.c:20:7
    frame #3: 0x0000000104d00000 addon-x86_64.node
EOF
  variants "$work/lldb.txt"
  for t in lldb.txt lldb.txt.prefixed lldb.txt.joined; do
    run 0 --no-fetch -s "$work/$t"
    [[ "$out" == "crash: EXC_BAD_ACCESS at 0x0"$'\n'"from: lldb backtrace: thread #1, "* ]] || fail "$t: header: $out"
    # (an addon's frame is not named after the symbol the text gives, which
    # for a stripped addon is the nearest export)
    [ "$(line_of 0)" = "#0 ?? in addon-x86_64.node at 0x104d002d4 [addon] (a load address is needed: the text gives the absolute address and no load address for addon-x86_64.node)" ] ||
      fail "$t: frame #0: $out"
    [[ "$(line_of 1)" == "#1 v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) + 120 in node at 0x100a1c8e0 ("* ]] ||
      fail "$t: frame #1: $out"
  done
  run 0 --no-fetch -s --json "$work/lldb.txt"; json_ok
  [[ "$out" == *'"pc": "0x104d002d4", "addon": true, "return_address": false, "frames": [], "symbol": "napi_register_module_v1", "symbol_offset": 36'* ]] ||
    fail "json: $out"
  # (lldb prints the arguments' values with the name: the name is the function's)
  [[ "$out" == *'"symbol": "checksum", "symbol_offset": 37'* ]] || fail "json symbol: $out"
  # with the file, the frames that name a function with an offset are placed
  # there, and give the load address for the others
  run 0 --no-fetch -s --module "$macho/addon-x86_64.node" "$work/lldb.txt"
  [[ "$(line_of 0)" == "#0 mix at addon.c:13:12 in addon-x86_64.node+0x2d4 [addon]" ]] ||
    fail "placed by symbol: $out"
  [[ "$out" == *"#3 ?? in addon-x86_64.node+0x0 [addon]"* ]] || fail "placed by the load: $out"
  # (and the search for a load address that fits every pc, which these
  # frames do not need, says nothing)
  [[ "$err" != *"not inferred"* ]] || fail "a warning for frames placed by their symbols: $err" ;;
asan)
  # an AddressSanitizer build of the fixture in node (LD_PRELOAD of the
  # runtime; allow_user_segv_handler=0, or node's own handler takes the
  # SIGSEGV first), unsymbolized as a user without llvm-symbolizer sees it
  inc=$(dirname "$(readlink -f "$(command -v "$node")")")/../include/node
  [ -f "$inc/node_api.h" ] || inc=/usr/include/node
  gcc -std=c11 -O2 -g -fPIC -shared -fsanitize=address -I"$inc" -o "$work/asan.node" \
    "$(dirname "$0")/../fixtures/c-addon/addon.c" || fail "cannot build the ASan addon"
  lib=$(gcc -print-file-name=libasan.so)
  (cd "$work" && ASAN_OPTIONS=symbolize=0:detect_leaks=0:allow_user_segv_handler=0 LD_PRELOAD=$lib \
    timeout 120 "$node" -e "require('./asan.node').crash()" 2>"$work/asan.txt")
  rel=$(sed -n 's/^ *#0 0x[0-9a-f]*  *(.*asan.node+0x\([0-9a-f]*\)).*/\1/p' "$work/asan.txt")
  [ -n "$rel" ] || fail "no ASan report: $(cat "$work/asan.txt")"
  w=$(want "$work/asan.node" "0x$rel")
  [[ "$w" == "load_slot at addon.c:"* ]] || fail "ASan's frame #0 is not the faulting load: $w"
  # symbolized too: frames named with their source and no module
  (cd "$work" && ASAN_OPTIONS=detect_leaks=0:allow_user_segv_handler=0 LD_PRELOAD=$lib \
    ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer) timeout 120 "$node" \
    -e "require('./asan.node').crash()" 2>"$work/asan2.txt")
  # the macOS shape, with the architecture and the build-id LLVM adds (the
  # arm64 slice's UUID, as foreign/build.sh lists it)
  uuid=$(awk '$1 == "macho/addon-fat.node" && $2 == 1 && $3 == "uuid" {print $4}' \
    "$macho/../expected.txt" | tr -d - | tr A-F a-f)
  [ ${#uuid} = 32 ] || fail "no UUID for the arm64 slice"
  cat >"$work/asan3.txt" <<EOF
==4242==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1023f82dc bp 0x16da1e8d0 sp 0x16da1e8b0 T0)
    #0 0x1023f82dc in napi_register_module_v1+0x14 (addon-fat.node:arm64+0x2dc) (BuildId: $uuid)
    #1 0x1023f82e0  (addon-fat.node:arm64+0x2e0)
    #2 0x19e5e0e4c in start+0x9fc (dyld:arm64e+0xfffffffffff4de4c)
EOF
  variants "$work/asan.txt"
  for t in asan.txt asan.txt.prefixed asan.txt.joined asan.txt.wrapped; do
    run 0 --no-fetch -s --module "$work/asan.node" "$work/$t"
    # (wrapped, the heading keeps what its first line holds)
    [[ "$out" == "crash: SIGSEGV"*$'\n'"from: AddressSanitizer report: SEGV on unknown address 0x"* ]] ||
      fail "$t: header: $out"
    expect_frame 0 "$w"
    # its callers' addresses are already one byte into the call
    [[ "$out" == *$'\n'"#1 ?? in node+0xc45d94 (no identity, and no --module named like 'node')"* ]] || fail "$t: node: $out"
  done
  run 0 --no-fetch -s "$work/asan2.txt"
  [[ "$out" == *"#0 load_slot $work/../"*"(the tool named it without its module: its answer is kept)"* ||
     "$out" == *"#0 load_slot "*"addon.c:"*"(the tool named it without its module: its answer is kept)"* ]] ||
    fail "symbolized: $out"
  [[ "$out" == *"in v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke"*" in node+0xc45d94 "* ||
     "$out" == *"#3 v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) in node+0xc45d94"* ]] ||
    fail "symbolized node frame: $out"
  # the slice by the architecture ASan names, its dSYM beside it
  run 0 --no-fetch -s --module "$macho/addon-fat.node" "$work/asan3.txt"
  expect_frame 0 "$(want "$macho/addon-fat.node" --arch arm64 0x2dc)"
  expect_frame 1 "$(want "$macho/addon-fat.node" --arch arm64 0x2e0)"
  run 0 --no-fetch -s --json --module "$macho/addon-fat.node" "$work/asan3.txt"; json_ok
  [[ "$out" == *'"module": "addon-fat.node", "id": "'$uuid'", "pc": "0x1023f82dc", "module_offset": "0x2dc", "offset_from": "given"'* ]] ||
    fail "json: $out" ;;
valgrind)
  command -v valgrind >/dev/null || fail "valgrind is not installed (Debian package valgrind)"
  (cd "$app" && timeout 170 valgrind "$node" -e "require('./node_modules/c-addon/addon.node').crash()" \
    2>"$work/vg.txt")
  grep -q "at 0x[0-9A-F]*: ??? (in $mod)" "$work/vg.txt" || fail "no addon frame: $(head -c 3000 "$work/vg.txt")"
  pc=$(sed -n "s/.*at 0x\([0-9A-F]*\): ??? (in .*addon.node)/\1/p" "$work/vg.txt" | head -n 1 | tr A-F a-f)
  variants "$work/vg.txt"
  for t in vg.txt vg.txt.prefixed vg.txt.joined; do
    run 0 --no-fetch -s --module "$dbg" "$work/$t"
    [[ "$out" == "report (manual)"$'\n'"pid "*$'\n'"from: valgrind report: Invalid read of size 4"$'\n'"#0 ?? in addon.node at 0x$pc [addon] (a load address is needed: "* ]] ||
      fail "$t: the error: $out"
    [[ "$out" == *$'\n'"crash: SIGSEGV"$'\n'"pid "*$'\n'"from: valgrind report: Process terminating with default action of signal 11 (SIGSEGV)"* ]] ||
      fail "$t: the signal: $out"
    [[ "$out" == *"#1 v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) in node at 0xc45d94 ("* ]] ||
      fail "$t: node's frame: $out"
  done
  # with the addon itself, its load address is inferred and the frame resolves
  run 0 --no-fetch -s --module "$mod" --module "$dbg" "$work/vg.txt"
  rel=$(line_of 0 | sed -n 's/.* in addon.node+0x\([0-9a-f]*\) \[addon\]$/\1/p')
  [ -n "$rel" ] || fail "not inferred: $out"
  expect_frame 0 "$(want "$addon" "0x$rel")"
  [[ "$(frame 0)" == "load_slot at addon.c:"*"(inlined by) crash at addon.c:"* ]] || fail "inferred frame: $out" ;;
minidump)
  # minidump_stackwalk's text (Breakpad processor/stackwalk_common.cc:
  # "%2d  MODULE + 0xOFF", "MODULE!FUNCTION + 0xOFF", "Loaded modules:"
  # lines "0xBASE - 0xEND  NAME  VERSION"; nwjs/nw.js issue #7749)
  rel=$(hex $((0x$(sym_addr crash) + 4))) fib=$(hex $((0x$(sym_addr fib_iter) + 8)))
  cat >"$work/md.txt" <<EOF
Operating system: Linux
                  0.0.0 Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC x86_64
CPU: amd64
Crash reason:  SIGSEGV /SEGV_MAPERR
Crash address: 0x0
Process uptime: not available

Thread 0 (crashed)
 0  addon.node + 0x$rel
    rax = 0x0000000000000000   rdx = 0x00007ffd1780dd10
    rip = 0x$(printf '%016x' $((0x7f3a1c200000 + 0x$rel)))   rsp = 0x00007ffd1780dca8
    Found by: given as instruction pointer in context
 1  addon.node!fib_iter + 0x8
    Found by: call frame info
 2  node + 0xc45d95
    Found by: stack scanning
 3  0x$(hex $((0x7f3a1c200000 + 0x$fib)))
    Found by: stack scanning

Thread 1
 0  libc.so.6 + 0xfa9df

Loaded modules:
0x00400000 - 0x0257afff  node  ???  (main)
0x7f3a1c200000 - 0x7f3a1c204fff  addon.node  ???  (WARNING: No symbols, addon.node, 0)
EOF
  variants "$work/md.txt"
  for t in md.txt md.txt.prefixed; do
    run 0 --no-fetch -s --module "$dbg" "$work/$t"
    [[ "$out" == "crash: SIGSEGV at 0x0"$'\n'"from: minidump_stackwalk output: Thread 0 (crashed)"* ]] || fail "$t: header: $out"
    expect_frame 0 "$(want "$addon" "0x$rel")"
    # module!symbol + offset: where the file puts fib_iter, plus 8
    expect_frame 1 "$(want "$addon" -r "0x$fib")"
    # an address in no named module, placed by the module list
    expect_frame 3 "$(want "$addon" -r "0x$fib")"
    [[ "$out" == *$'report (manual)\nfrom: minidump_stackwalk output: Thread 1\n#0 ?? in libc.so.6+0xfa9df'* ]] ||
      fail "$t: thread 1: $out"
  done
  run 0 --no-fetch -s --json --module "$dbg" "$work/md.txt"; json_ok
  [[ "$out" == *'"module_offset": "0x'$fib'", "offset_from": "symbol"'* ]] || fail "json symbol: $out"
  # without the file, the frame says what it needs; a name the file does
  # not have is said as such
  run 0 --no-fetch -s "$work/md.txt"
  [ "$(line_of 1)" = "#1 ?? in addon.node [addon] (the text gives it as 'fib_iter' + 0x8: the address of that symbol in addon.node is needed)" ] ||
    fail "no file: frame #1: $out"
  sed -i 's/addon.node!fib_iter + 0x8/addon.node!no_such_function + 0x8/' "$work/md.txt"
  run 0 --no-fetch -s --module "$dbg" "$work/md.txt"
  [[ "$(line_of 1)" == "#1 ?? in addon.node [addon] (no function named 'no_such_function' in "*"addon.node.debug)" ]] ||
    fail "unknown name: frame #1: $out" ;;
bun)
  # Bun's crash report as pasted from bun.report (oven-sh/bun issues
  # #11878, #17875): "- ??? at `0xOFF` in MODULE", Bun's own frames named
  rel=$(hex $((0x$(sym_addr crash) + 4))) fib=$(hex $((0x$(sym_addr fib_iter) + 8)))
  cat >"$work/bun.txt" <<EOF
============================================================
Bun v1.1.12 (43f0913c) Linux x64
panic(main thread): Segmentation fault at address 0x0
oh no: Bun has crashed. This indicates a bug in Bun, not your code.

### Stack Trace (bun.report)

Bun v1.1.12 ([\`43f0913\`](<https://github.com/oven-sh/bun/tree/43f0913c3875cbf260c60868268adc5953b09a80>)) on linux x86_64 [AutoCommand]

Segmentation fault at address 0x00000000

- ??? at \`0x$rel\` in addon.node
- ??? at \`0x$fib\` in addon.node
- \`napi_module_register\`
- [\`napi.cpp:447\`](<https://github.com/oven-sh/bun/blob/7996d06/src/bun.js/bindings/napi.cpp#L447>): \`NAPIFunction::call\`
- *1 unknown/js code*
- ??? at 0x$fib in addon.node
EOF
  # as a monorepo runner prints it (oven-sh/bun issue #23786)
  sed 's/^/[server] /' "$work/bun.txt" >"$work/bun.txt.server"
  for t in bun.txt bun.txt.server; do
    run 0 --no-fetch -s --module "$dbg" "$work/$t"
    [[ "$out" == "crash: SIGSEGV at 0x0"$'\n'"from: Bun crash report: Segmentation fault at address 0x00000000"* ]] || fail "$t: header: $out"
    expect_frame 0 "$(want "$addon" -r "0x$rel")"
    expect_frame 1 "$(want "$addon" -r "0x$fib")"
    [[ "$out" == *$'#2 napi_module_register (Bun\'s own frame: its crash report names it, with no address)\n#3 NAPIFunction::call (Bun'* ]] ||
      fail "$t: Bun's frames: $out"
    expect_frame 4 "$(want "$addon" -r "0x$fib")"
  done ;;
node)
  # Node's native stack on a fatal error: napi_fatal_error from the addon
  (cd "$app" && "$node" -e "require('./node_modules/c-addon/addon.node').fatalError()" 2>"$work/node.txt")
  grep -q "\[$mod\]" "$work/node.txt" || fail "no addon frame: $(cat "$work/node.txt")"
  pc=$(sed -n "s/^ *[0-9]*: 0x\([0-9a-f]*\)  \[.*addon.node\]/\1/p" "$work/node.txt" | head -n 1)
  variants "$work/node.txt"
  for t in node.txt node.txt.prefixed node.txt.joined; do
    run 0 --no-fetch -s --module "$dbg" "$work/$t"
    # (joined, the heading runs to the first frame)
    [[ "$out" == "crash: SIGABRT"$'\n'"from: Node.js fatal error stack: FATAL ERROR: addon.c fatalError() was called"* ]] ||
      fail "$t: header: $out"
    [[ "$out" == *"#0 node::OnFatalError(char const*, char const*) in node at 0x"*" (a load address is needed: "* ]] ||
      fail "$t: node's frame keeps its name: $out"
    [[ "$out" == *$'\n'"#"*" ?? in addon.node at 0x$pc [addon] (a load address is needed: the text gives the absolute address and no load address for addon.node)"* ]] ||
      fail "$t: the addon's frame: $out"
  done
  # the JavaScript stack under it ("1: [eval]:1:22") is not a native frame
  [ "$(grep -c '^#' <<<"$out")" = "$(grep -c '^ *[0-9]*: 0x' "$work/node.txt")" ] || fail "frames: $out"
  # with the addon itself, its load address is inferred and the frame, a
  # return address, resolves to the call of napi_fatal_error
  run 0 --no-fetch -s --json --module "$mod" --module "$dbg" "$work/node.txt"; json_ok
  [[ "$out" == *'"module": "addon.node", "id": "'$id'", "pc": "0x'$pc'", "module_offset": "0x'*'", "offset_from": "inferred"'* ]] ||
    fail "json inferred: $out"
  run 0 --no-fetch -s --module "$mod" --module "$dbg" "$work/node.txt"
  n=$(grep '^#[0-9]* .* in addon.node+0x' <<<"$out" | sed 's/^#\([0-9]*\) .*/\1/')
  rel=$(line_of "$n" | sed -n 's/.* in addon.node+0x\([0-9a-f]*\) \[addon\]$/\1/p')
  [ -n "$rel" ] || fail "not inferred: $out"
  expect_frame "$n" "$(want "$addon" -r "0x$rel")"
  [[ "$(frame "$n")" == "fatal_now at addon.c:"*"(inlined by) fatal_error at addon.c:"* ]] || fail "inferred frame: $out" ;;
by-name)
  # a module whose text gives no identity is matched to --module files by
  # name: the file, NAME.debug, NAME.dSYM; the build is then theirs
  rel=$(hex $((0x$(sym_addr crash) + 4)))
  printf -- '- ??? at `0x%s` in addon.node\n' "$rel" >"$work/b.txt"
  printf -- '- ??? at `0x2d5` in addon-x86_64.node\n' >"$work/m.txt"
  w=$(want "$addon" -r "0x$rel")
  cp "$dbg" "$work/addon.node.debug"
  for m in "$addon" "$work/addon.node.debug" "$id=$work/addon.node.debug"; do
    run 0 --no-fetch -s --module "$m" "$work/b.txt"; expect_frame 0 "$w"
  done
  run 0 --no-fetch -s --module "$macho/addon-x86_64.node.dSYM" "$work/m.txt"
  expect_frame 0 "$(want "$macho/addon-x86_64.node" -r 0x2d5)"
  # the stripped file alone: its identity fetches the debug file (cache here)
  mkdir -p "$DEBUGINFOD_CACHE_PATH/$id" && cp "$dbg" "$DEBUGINFOD_CACHE_PATH/$id/debuginfo"
  run 0 -s --module "$mod" "$work/b.txt"; expect_frame 0 "$w"
  rm -rf "$DEBUGINFOD_CACHE_PATH"
  # two builds of one name: neither is taken
  cp "$fixtures/c/addon-clang.node" "$work/addon.node"
  run 0 --no-fetch -s --module "$addon" --module "$work/addon.node" "$work/b.txt"
  [[ "$out" == *"(no identity, and --module files of several builds are named like 'addon.node' ('$addon', '$work/addon.node'))" ]] ||
    fail "two builds: $out"
  # a universal file, and a text that names no architecture
  printf -- '- ??? at `0x2dc` in addon-fat.node\n' >"$work/f.txt"
  run 0 --no-fetch -s --module "$macho/addon-fat.node" "$work/f.txt"
  [[ "$out" == *"(--module '$macho/addon-fat.node' is a universal file, and the text does not say which architecture)" ]] ||
    fail "universal: $out"
  # no file of that name
  run 0 --no-fetch -s --module "$macho/addon-x86_64.node" "$work/b.txt"
  [[ "$out" == *"(no identity, and no --module named like 'addon.node')" ]] || fail "none: $out" ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
