#!/usr/bin/env bash
# End-to-end tests of the crash hook through real node: hook-test.sh HOOK_SO
# NAPI_SYMBOLS FIXTURES_DIR CASE. Each case runs node with the hook preloaded
# and only the stripped C addon present, and checks what the process did (exit
# status as without the hook), the report file, and the compact trace on
# stderr. Exit 0 pass, 1 fail.
set -uo pipefail

hook=$1 cli=$2 fixtures=$3 case=$4
node=${NSYM_NODE:-node}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$fixtures/c/addon.node.stripped" "$work/addon.node"
addon=$work/addon.node
reports=$work/reports
mkdir "$reports"

fail() {
	echo "FAIL ($case): $*" >&2
	[ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err" >&2
	exit 1
}

# run_node [ENV...] -- ARGS: node with the hook; status in $status, stderr in $work/err.
run_node() {
	local env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	(cd "$work" && env LD_PRELOAD="$hook" NAPI_SYMBOLS_REPORT_DIR="$reports" \
		NAPI_SYMBOLS_SYMBOLICATE=0 "${env[@]}" timeout 60 "$node" "$@") \
		>"$work/out" 2>"$work/err"
	status=$?
}

# The status node gets without the hook, for the same arguments.
plain_status() {
	(cd "$work" && timeout 60 "$node" "$@") >/dev/null 2>&1
	echo $?
}

report_count() {
	find "$reports" -name 'napi-crash-*.json' | wc -l
}

the_report() {
	[ "$(report_count)" = 1 ] || fail "expected one report, found $(report_count)"
	find "$reports" -name 'napi-crash-*.json'
}

# The compact trace: every line starts with napi-symbols:, is under 200
# characters, and the trace runs from `crash v1` to `end`.
check_trace() {
	local sig=$1
	grep -q "^napi-symbols: crash v1 $sig at 0x[0-9a-f]* (pid [0-9]*, tid [0-9]*) report napi-crash-[0-9]*-[0-9]\{8\}T[0-9]\{6\}Z\.json$" "$work/err" ||
		fail "no crash v1 $sig line"
	grep -q '^napi-symbols: end$' "$work/err" || fail "no end line"
	grep -q '^napi-symbols: m0 [0-9a-f-]* [^/ ]*$' "$work/err" || fail "no m0 line"
	grep -q '^napi-symbols: f [m?]' "$work/err" || fail "no f line"
	awk 'length($0) >= 200 && /^napi-symbols:/ { bad = 1 } END { exit bad }' "$work/err" ||
		fail "a trace line is 200 characters or longer"
	grep '^napi-symbols: ' "$work/err" | grep -vqE '^napi-symbols: (crash v1 |m[0-9]+ |f |end$)' &&
		fail "a trace line of no known kind"
	return 0
}

build_id() {
	readelf -n "$1" | awk '/Build ID:/ { print $3 }'
}

# Checks the report: JSON, version 1, signal SIG, and frame 0 in MODULE_RE.
check_report() {
	local report=$1 sig=$2 module_re=$3
	"$node" "$here/check-report.js" "$report" "$sig" "$module_re" "$(build_id "$addon")" \
		>"$work/frame0" || fail "report check failed: $(cat "$work/frame0")"
}

# crash_js JS: node runs JS with the hook preloaded and dies by SIGSEGV, as
# it does without the hook; sets report to the one report, trace checked.
crash_js() {
	run_node -- -e "$1"
	[ "$status" = "$(plain_status -e "$1")" ] ||
		fail "exit status $status differs from the status without the hook"
	[ "$status" = 139 ] || fail "exit status $status, not 139 (SIGSEGV)"
	report=$(the_report) || exit 1
	check_trace SIGSEGV
}

case_crash() {
	local report rel want got
	crash_js "require('$addon').crash()"
	grep -q "^napi-symbols: m0 $(build_id "$addon") addon.node$" "$work/err" ||
		fail "m0 is not the addon"
	grep -q '^napi-symbols: f m0+[0-9a-f]*! ' "$work/err" || fail "frame 0 is not m0, marked !"
	check_report "$report" SIGSEGV 'addon\.node$'
	"$node" -e "const n = require('$report').node;
if (n.version !== process.version || String(n.napi) !== process.versions.napi) process.exit(1);" ||
		fail "the report's node is not {$("$node" --version), napi $("$node" -p process.versions.napi)}"
	rel=$(cat "$work/frame0")
	# The faulting frame is looked up as is (not rel - 1): it must name crash().
	want=$("$cli" symbolize --basenames -e "$fixtures/c/addon.node" "$rel")
	got=$("$cli" symbolize --basenames -e "$addon" --debug-file "$fixtures/c/addon.node.debug" "$rel")
	[ "$want" = "$got" ] || fail "stripped and unstripped lookups differ: $got / $want"
	grep -q '^load_slot at addon.c:[0-9]*' <<<"$want" || fail "frame 0 is not load_slot: $want"
	grep -q '(inlined by) crash at addon.c:[0-9]*' <<<"$want" || fail "no crash() frame: $want"
}

# An addon that hands N-API a broken env: the fault is in node, in no
# library the hook knows, so Node's handler runs first and raises the signal
# again to die; the report is written all the same, the addon in its frames.
case_crash_in_node() {
	local lib=${NSYM_HOOK_MISUSE:?} report
	crash_js "require('$lib').misuse()"
	"$node" "$here/check-report.js" "$report" SIGSEGV "/$(basename "$(readlink -f "$node")")\$" "" \
		>"$work/frame0" || fail "report check failed: $(cat "$work/frame0")"
	"$node" -e "const r = require(process.argv[1]);
const i = r.modules.findIndex((m) => m.path.endsWith('/misuse.node'));
if (i < 0 || !r.frames.some((f) => f.module === i)) process.exit(1);" "$report" ||
		fail "misuse.node is not among the frames"
	# the same with the frame pointer at unmapped memory (x86-64): the walk
	# faults while Node's handler has reset SIGSEGV to die; the libunwind
	# frames are kept all the same
	[ "$(uname -m)" = x86_64 ] || return 0
	rm -f "$reports"/*
	crash_js "require('$lib').misuseBadFp()"
	"$node" -e "const r = require(process.argv[1]);
const i = r.modules.findIndex((m) => m.path.endsWith('/misuse.node'));
if (r.frames.length < 5 || !r.frames.some((f) => f.module === i)) process.exit(1);" "$report" ||
		fail "with a bad frame pointer: $("$node" -p "require('$report').frames.length") frames"
}

# A library whose constructor faults while require() loads it: the hook's
# handler is put in front before dlopen, and names the library's function.
case_crash_in_constructor() {
	local lib=${NSYM_HOOK_CTOR:?} report got
	crash_js "require('$lib')"
	"$node" "$here/check-report.js" "$report" SIGSEGV 'ctor-crash\.node$' "$(build_id "$lib")" \
		>"$work/frame0" || fail "report check failed: $(cat "$work/frame0")"
	got=$("$cli" symbolize -e "$lib" "$(cat "$work/frame0")")
	[[ "$got" == init_table* ]] || fail "frame 0 is not init_table: $got"
}

# Two copies of the hook, each in a library that links the archive with its
# symbols hidden (two NAPI-RS addons, say): a fault in either library is
# reported once, by the copy in front, which marks the siginfo it chains on.
# With the program faulting or aborting itself, its frame pointer at unmapped
# memory (x86-64), the copy behind captures and its walk faults: that fault
# must come back to it, not to the copy in front (which looped on it forever).
case_two_copies() {
	local which sig want ways="a:SIGSEGV b:SIGSEGV"
	[ "$(uname -m)" != x86_64 ] || ways="$ways main-bad-fp:SIGSEGV abort-bad-fp:SIGABRT"
	for way in $ways; do
		which=${way%:*} sig=${way#*:} want=139
		[ "$sig" = SIGSEGV ] || want=134
		rm -f "$reports"/*
		(cd "$work" && timeout 20 "${NSYM_HOOK_TWO:?}" "$reports" "${NSYM_HOOK_COPY_A:?}" \
			"${NSYM_HOOK_COPY_B:?}" "$which") >"$work/out" 2>"$work/err"
		status=$?
		[ "$status" = "$want" ] || fail "$which: exit status $status, not $want"
		[ "$(report_count)" = 1 ] || fail "$which: $(report_count) reports, not 1"
		[ "$(grep -c "^napi-symbols: crash v1 $sig" "$work/err")" = 1 ] ||
			fail "$which: not one $sig trace: $(cat "$work/err")"
	done
}

# node's own abort() (process.abort): SIGABRT, status 134, a report.
case_abort() {
	run_node -- -e "process.abort()"
	[ "$status" = "$(plain_status -e "process.abort()")" ] ||
		fail "exit status $status differs from the status without the hook"
	check_trace SIGABRT
	check_report "$(the_report)" SIGABRT '.'
}

# WebAssembly bounds traps go to Node's handler and stay JS errors, with the
# addon loaded (our handler in front) and a crash after them still caught.
case_wasm() {
	run_node -- "$here/wasm-trap.js" "$addon"
	[ "$status" = 0 ] || fail "exit status $status, not 0"
	[ "$(grep -c '^RuntimeError' "$work/out")" = 3 ] || fail "no RuntimeError: $(cat "$work/out")"
	[ "$(report_count)" = 0 ] || fail "a WebAssembly trap wrote a report"
	grep -q '^napi-symbols:' "$work/err" && fail "a WebAssembly trap printed a trace"
	run_node -- "$here/wasm-trap.js" "$addon" crash
	[ "$status" = 139 ] || fail "crash after traps: status $status, not 139"
	check_report "$(the_report)" SIGSEGV 'addon\.node$'
}

case_no_crash() {
	run_node -- -e "if (require('$addon').add(1, 2) !== 3) process.exit(3)"
	[ "$status" = 0 ] || fail "exit status $status, not 0"
	[ -z "$(ls -A "$reports")" ] || fail "a process that did not crash wrote $(ls "$reports")"
	[ -s "$work/err" ] && fail "a process that did not crash printed on stderr"
	return 0
}

# A crash on a worker_threads thread: its own tid, its own stack, no altstack.
case_worker() {
	local js="const { Worker } = require('worker_threads');
new Worker(\"require('$addon').crash()\", { eval: true });"
	run_node -- -e "$js"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	check_trace SIGSEGV
	check_report "$(the_report)" SIGSEGV 'addon\.node$'
	"$node" -e "const r = require('$(the_report)'); if (r.tid === r.pid) process.exit(1)" ||
		fail "the crash was not on a thread of its own"
}

# A crash in napi async work's execute callback, on a libuv thread-pool
# thread (created after the hook loaded, so it has an alternate stack).
case_async_work() {
	local js="require('$addon').crashInWork()"
	run_node -- -e "$js"
	[ "$status" = "$(plain_status -e "$js")" ] ||
		fail "exit status $status differs from the status without the hook"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	check_trace SIGSEGV
	check_report "$(the_report)" SIGSEGV 'addon\.node$'
	"$node" -e "const r = require('$(the_report)'); if (r.tid === r.pid) process.exit(1)" ||
		fail "the crash was not on a thread of its own"
}

# Automatic symbolication runs NAPI_SYMBOLS_BIN symbolicate REPORT, output on stderr.
case_symbolicate() {
	printf '#!/bin/sh\necho "fake-symbolicate $*"\n' >"$work/fake"
	chmod +x "$work/fake"
	run_node NAPI_SYMBOLS_SYMBOLICATE=1 NAPI_SYMBOLS_BIN="$work/fake" -- -e "require('$addon').crash()"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	grep -q "^fake-symbolicate symbolicate $(the_report)$" "$work/err" ||
		fail "symbolicate was not run on the report"
	grep -n '' "$work/err" | grep >/dev/null -c ':napi-symbols: end$' || fail "no trace before it"
}

# With a server set, the trace comes again as one link to the server's page
# (the first server, its trailing '/' dropped): the query holds the very
# trace printed above it, which symbolicate reads as it reads the trace.
case_link() {
	local link text
	run_node NAPI_SYMBOLS_SERVER="http://127.0.0.1:9/ http://second.invalid" -- -e "require('$addon').crash()"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	check_trace SIGSEGV
	link=$(grep '^symbolicated: ' "$work/err") || fail "no link"
	[ "$(wc -l <<<"$link")" = 1 ] || fail "more than one link: $link"
	[[ "$link" == "symbolicated: http://127.0.0.1:9/?trace=napi-symbols%3A+crash+v1+SIGSEGV+at+0x"* ]] ||
		fail "not a link to the first server's page: $link"
	text=$("$node" -e 'process.stdout.write(new URL(process.argv[1]).searchParams.get("trace"))' \
		"${link#symbolicated: }")
	[ "$text" = "$(grep '^napi-symbols: ' "$work/err")" ] ||
		fail "the link's trace is not the trace: $text"
	# without a server, or with one that is not a URL, no link
	run_node NAPI_SYMBOLS_SERVER="not-a-url" -- -e "require('$addon').crash()"
	grep -q '^symbolicated: ' "$work/err" && fail "a link to no server"
	return 0
}

# on_full_disk DIR TMP -- ARGS: node with the hook, crashing, its report
# folder DIR a full 64 KiB tmpfs and TMPDIR=TMP; status in $status, stderr
# in $work/err, and in $work/left the size and name of each napi-crash-*
# file in DIR. The tmpfs lives in a mount namespace of its own (a user one
# too when not root), so it goes when the process does.
on_full_disk() {
	local dir=$1 tmp=$2 ns
	shift 3
	if [ "$(id -u)" = 0 ]; then ns=(unshare --mount); else ns=(unshare --user --map-root-user --mount); fi
	if ! "${ns[@]}" mount -t tmpfs -o size=64k tmpfs "$dir" 2>/dev/null; then
		echo "SKIP ($case): cannot mount a tmpfs in a namespace of its own (as root, or with user namespaces)"
		exit 77
	fi
	(cd "$work" && "${ns[@]}" bash -c 'dir=$1 left=$2; shift 2
mount -t tmpfs -o size=64k tmpfs "$dir" || exit 90
dd if=/dev/zero of="$dir/fill" bs=4k 2>/dev/null
[ "$(df --output=avail -B1 "$dir" | tail -n 1 | tr -d "[:blank:]")" = 0 ] || exit 91
"$@"; status=$?
find "$dir" -name "napi-crash-*" -printf "%s %f\n" >"$left"
exit $status' _ "$dir" "$work/left" env LD_PRELOAD="$hook" NAPI_SYMBOLS_REPORT_DIR="$dir" \
		TMPDIR="$tmp" NAPI_SYMBOLS_SYMBOLICATE=0 timeout 60 "$node" "$@") >"$work/out" 2>"$work/err"
	status=$?
	[ "$status" != 90 ] && [ "$status" != 91 ] || fail "cannot fill a tmpfs at $dir (status $status)"
}

# The report folder on a full disk: the report cannot be written, so no
# empty or cut file is left and the trace names no report; with a temp
# folder that has room, the report goes there instead.
case_full_disk() {
	local js="require('$addon').crash()"
	mkdir "$work/full"
	on_full_disk "$work/full" "$work/full" -- -e "$js"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	[ ! -s "$work/left" ] || fail "a full disk left $(cat "$work/left")"
	grep -q '^napi-symbols: crash v1 SIGSEGV at 0x[0-9a-f]* (pid [0-9]*, tid [0-9]*)$' "$work/err" ||
		fail "the trace names a report that could not be written"
	grep -q '^crash report: ' "$work/err" && fail "a report path is printed"
	grep -q '^napi-symbols: end$' "$work/err" || fail "no whole trace"
	# a temp folder with room takes the report
	on_full_disk "$work/full" "$reports" -- -e "$js"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	[ ! -s "$work/left" ] || fail "a full disk left $(cat "$work/left")"
	check_trace SIGSEGV
	grep -q "^crash report: $(the_report)$" "$work/err" || fail "not the report in the temp folder"
	check_report "$(the_report)" SIGSEGV 'addon\.node$'
}

# Linked mode: the static archive in a plain program, no LD_PRELOAD.
case_linked() {
	(cd "$work" && timeout 60 "$NSYM_HOOK_LINKED" "$reports") >"$work/out" 2>"$work/err"
	status=$?
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	check_trace SIGSEGV
	check_report "$(the_report)" SIGSEGV 'hook_linked$'
	"$node" -e "if (require('$(the_report)').node.version !== '') process.exit(1)" ||
		fail "a program that is not node has a node version"
}

# Linked mode, a fault in a library loaded after the install: the handler
# finds it in the loader's link map, with its build-id.
case_linked_late() {
	local report lib=${NSYM_HOOK_LATE_LIB:?}
	(cd "$work" && timeout 60 "$NSYM_HOOK_LINKED" "$reports" "$lib" late_fault) \
		>"$work/out" 2>"$work/err"
	status=$?
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	report=$(the_report) || exit 1
	check_trace SIGSEGV
	check_report "$report" SIGSEGV "$(basename "$lib" | sed 's/\./\\./g')\$"
	"$node" -e "const r = require('$report'); const m = r.modules[r.frames[0].module];
if (m.id !== process.argv[1] || m.id_kind !== 'build-id') process.exit(1);" "$(build_id "$lib")" ||
		fail "the late library's module has not its build-id"
}

# check_overflow PROGRAM: the stack overflow on a thread of its own that
# PROGRAM ran into is reported, with that thread's frames, and the process
# died by SIGSEGV.
check_overflow() {
	local prog=$1 report
	[ "$status" = 139 ] || fail "exit status $status, not 139 (SIGSEGV)"
	report=$(the_report) || exit 1
	check_trace SIGSEGV
	check_report "$report" SIGSEGV "$(basename "$prog")\$"
	"$node" -e "const r = require('$report');
if (r.tid === r.pid) process.exit(1);
if (r.frames.length < 2) process.exit(2);" ||
		fail "not reported on a thread of its own, or with fewer than 2 frames"
}

# A stack overflow on a thread of its own (NSYM_HOOK_OVERFLOW, a plain
# program): the preloaded pthread_create gave the thread an alternate stack.
case_overflow() {
	(cd "$work" && env LD_PRELOAD="$hook" NAPI_SYMBOLS_REPORT_DIR="$reports" \
		NAPI_SYMBOLS_SYMBOLICATE=0 timeout 60 "$NSYM_HOOK_OVERFLOW") >"$work/out" 2>"$work/err"
	status=$?
	[ "$status" = "$( (cd "$work" && timeout 60 "$NSYM_HOOK_OVERFLOW") >/dev/null 2>&1; echo $?)" ] ||
		fail "exit status $status differs from the status without the hook"
	check_overflow "$NSYM_HOOK_OVERFLOW"
}

# Linked mode, no LD_PRELOAD: the thread called nsym_hook_thread_init().
case_overflow_linked() {
	(cd "$work" && timeout 60 "$NSYM_HOOK_OVERFLOW_LINKED" "$reports") >"$work/out" 2>"$work/err"
	status=$?
	check_overflow "$NSYM_HOOK_OVERFLOW_LINKED"
}

# run_same PROGRAM SIGNAL: PROGRAM dies under the hook with the status it
# has without it, within the time limit, and leaves exactly one report.
run_same() {
	local prog=$1 sig=$2 want
	want=$( (cd "$work" && timeout 20 "$prog") >/dev/null 2>&1; echo $?)
	(cd "$work" && env LD_PRELOAD="$hook" NAPI_SYMBOLS_REPORT_DIR="$reports" \
		NAPI_SYMBOLS_SYMBOLICATE=0 timeout 20 "$prog") >"$work/out" 2>"$work/err"
	status=$?
	[ "$status" != 124 ] || fail "$(basename "$prog") hung under the hook"
	[ "$status" = "$want" ] || fail "exit status $status under the hook, $want without"
	grep -q 'LOOPING\|SURVIVED' "$work/err" && fail "$(basename "$prog") went on: $(cat "$work/err")"
	[ "$(ls "$reports" | wc -l)" = 1 ] || fail "$(ls "$reports" | wc -l) reports, not 1"
	check_trace "$sig"
}

# A library that dlopens a bare name along its own RUNPATH ($ORIGIN/sub)
# still finds it with the hook's dlopen in between.
case_runpath() {
	mkdir -p "$work/rp/sub"
	printf 'int inner(void) { return 42; }\n' >"$work/rp/inner.c"
	printf '#include <dlfcn.h>\nint outer(void) { return dlopen("libinner.so", RTLD_NOW) ? 0 : -1; }\n' >"$work/rp/outer.c"
	printf '#include <dlfcn.h>\n#include <stdio.h>\nint main(int c, char **v) { void *h = dlopen(v[1], RTLD_NOW); int (*f)(void) = h ? (int (*)(void))dlsym(h, "outer") : 0; printf("outer() = %%d\\n", f ? f() : -2); return 0; }\n' >"$work/rp/main.c"
	(cd "$work/rp" && cc -shared -fPIC -o sub/libinner.so inner.c &&
		cc -shared -fPIC -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/sub' -o libouter.so outer.c -ldl &&
		cc -o main main.c -ldl) || fail "cannot build the RUNPATH programs"
	[ "$("$work/rp/main" "$work/rp/libouter.so")" = "outer() = 0" ] || fail "setup: RUNPATH lookup fails without the hook"
	out=$(env LD_PRELOAD="$hook" NAPI_SYMBOLS_REPORT_DIR="$reports" "$work/rp/main" "$work/rp/libouter.so")
	[ "$out" = "outer() = 0" ] || fail "with the hook: $out"
}

# A later handler that hands SIGSEGV back to the hook.
case_chain_back() {
	run_same "$NSYM_HOOK_CHAIN_BACK" SIGSEGV
}

# A later SIGSEGV handler that calls abort(): that SIGABRT is a crash of its
# own, reported, not taken for the SIGSEGV handed back.
case_abort_in_handler() {
	run_same "${NSYM_HOOK_ABORT_IN_HANDLER:?}" SIGABRT
}

# int3: the trap does not repeat on return.
case_int3() {
	run_same "$NSYM_HOOK_INT3" SIGTRAP
}

# Rust panics. NSYM_PANIC_DIR holds build-panic.sh's addons: X.node (split:
# stripped, with X.node.debug beside it) and X.full (unstripped).
panic_dir=${NSYM_PANIC_DIR:-}
panic_addon() {
	[ -n "$panic_dir" ] || fail "NSYM_PANIC_DIR is not set"
	cp "$panic_dir/$1.node" "$work/$1.node"
}

# The line of SOURCE holding PATTERN (the panic! the tests expect).
line_of() {
	grep -n -F "$2" "$1" | head -1 | cut -d: -f1
}

# check_panic_frames NAME WANT REL...: some frame looked up in the unstripped
# NAME.full reads WANT (function at file:line:), and the stripped file with
# its debug file answers the same for every frame.
check_panic_frames() {
	local name=$1 want=$2 got full
	shift 2
	full=$("$cli" symbolize --basenames -r -e "$panic_dir/$name.full" "$@") ||
		fail "symbolize failed on $name.full"
	got=$("$cli" symbolize --basenames -r -e "$work/$name.node" \
		--debug-file "$panic_dir/$name.node.debug" "$@")
	[ "$full" = "$got" ] || fail "stripped and unstripped lookups differ: $got / $full"
	grep -q "^$want" <<<"$full" || fail "no frame reads '$want': $full"
}

# The compact trace of a panic: `panic v1` first, then modules, frames, end.
check_panic_trace() {
	local head=$1
	grep -q "^napi-symbols: panic v1 $head (pid [0-9]*, tid [0-9]*) report napi-crash-[0-9]*-[0-9]\{8\}T[0-9]\{6\}Z\(-[0-9]*\)\?\.json$" "$work/err" ||
		fail "no panic v1 line reading $head"
	grep -q '^napi-symbols: end$' "$work/err" || fail "no end line"
	grep -q '^napi-symbols: f m[0-9]*+[0-9a-f]* ' "$work/err" || fail "no f line"
	grep -q '^napi-symbols: f [^ ]*!' "$work/err" && fail "a panic frame is marked as a fault"
	awk 'length($0) >= 200 && /^napi-symbols:/ { bad = 1 } END { exit bad }' "$work/err" ||
		fail "a trace line is 200 characters or longer"
	return 0
}

# Preload mode, a panic that unwinds into an extern "C" callback and aborts
# (`panic in a function that cannot unwind`): the report has the stack of the
# raise, where checked_root still is, and the process dies as without us.
case_rust_panic() {
	local js report rels line
	panic_addon fixture
	js="require('$work/fixture.node').checkedRoot(-1)"
	run_node RUST_BACKTRACE=0 -- -e "$js"
	[ "$status" = "$(plain_status -e "$js")" ] ||
		fail "exit status $status differs from the status without the hook"
	[ "$status" = 134 ] || fail "exit status $status, not 134 (SIGABRT)"
	report=$(the_report) || exit 1
	# The message is read from the exception object (a String payload).
	check_panic_trace '"checked_root: negative input -1"'
	rels=$("$node" "$here/check-panic.js" "$report" 'fixture\.node$' \
		'checked_root: negative input -1') ||
		fail "report check failed: $rels"
	line=$(line_of "$here/../fixtures/rust-addon/src/lib.rs" 'panic!("checked_root')
	# shellcheck disable=SC2086 # one rel per word
	check_panic_frames fixture "napi_symbols_fixture::checked_root at lib.rs:$line:" $rels
	"$cli" symbolicate --module "$(build_id "$work/fixture.node")=$panic_dir/fixture.full" \
		"$report" >"$work/sym" 2>&1 || fail "symbolicate failed: $(cat "$work/sym")"
	grep -q "napi_symbols_fixture::checked_root at .*lib.rs:$line:" "$work/sym" ||
		fail "symbolicate does not name checked_root: $(cat "$work/sym")"
	# The report has no location (preload mode): the raising frame gives it.
	grep -q "^  at .*lib\.rs:$line:[0-9]* (the raising frame, napi_symbols_fixture::checked_root)$" \
		"$work/sym" || fail "symbolicate gives no panic location: $(head -3 "$work/sym")"
	# Reported at the raise, the abort that follows writes no second report.
	rm -f "$reports"/*
	run_node RUST_BACKTRACE=0 NAPI_SYMBOLS_PANICS=all -- -e "$js"
	[ "$status" = 134 ] || fail "NAPI_SYMBOLS_PANICS=all: exit status $status, not 134"
	[ "$(report_count)" = 1 ] || fail "NAPI_SYMBOLS_PANICS=all: $(report_count) reports, not 1"
	[ "$(grep -c '^napi-symbols: panic v1' "$work/err")" = 1 ] ||
		fail "NAPI_SYMBOLS_PANICS=all: not one trace"
}

# Preload mode, a panic caught inside the addon: nothing by default; with
# NAPI_SYMBOLS_PANICS=all a report at once, and at most 10 per process.
case_rust_panic_caught() {
	local js report rels line
	panic_addon caught
	js="const a = require('$work/caught.node');
for (let i = 0; i < Number(process.argv[1]); i++) {
	try { a.caught(); process.exit(3); } catch (e) {
		if (e.code !== 'GenericFailure' || e.message !== 'caught in the addon: 7') process.exit(4);
	}
}"
	run_node RUST_BACKTRACE=0 -- -e "$js" 1
	[ "$status" = 0 ] || fail "exit status $status, not 0"
	[ "$(report_count)" = 0 ] || fail "a caught panic was reported without NAPI_SYMBOLS_PANICS=all"
	grep -q '^napi-symbols:' "$work/err" && fail "a caught panic printed a trace"
	run_node RUST_BACKTRACE=0 NAPI_SYMBOLS_PANICS=all -- -e "$js" 1
	[ "$status" = 0 ] || fail "NAPI_SYMBOLS_PANICS=all: exit status $status, not 0"
	report=$(the_report) || exit 1
	check_panic_trace '"caught in the addon: 7"'
	rels=$("$node" "$here/check-panic.js" "$report" 'caught\.node$' 'caught in the addon: 7') ||
		fail "report check failed: $rels"
	line=$(line_of "$here/panic-addon.rs" 'panic!("caught in the addon')
	# shellcheck disable=SC2086 # one rel per word
	check_panic_frames caught "caught_addon::raise_caught at panic-addon.rs:$line:" $rels
	# A message without arguments: a &str payload.
	rm -f "$reports"/*
	run_node RUST_BACKTRACE=0 NAPI_SYMBOLS_PANICS=all -- -e \
		"try { require('$work/caught.node').caughtStatic(); } catch (e) { process.exit(0); }"
	[ "$status" = 0 ] || fail "caughtStatic: exit status $status, not 0"
	"$node" "$here/check-panic.js" "$(the_report)" 'caught\.node$' 'a static message' \
		>"$work/check" || fail "report check failed: $(cat "$work/check")"
	rm -f "$reports"/*
	run_node RUST_BACKTRACE=0 NAPI_SYMBOLS_PANICS=all -- -e "$js" 12
	[ "$status" = 0 ] || fail "12 panics: exit status $status, not 0"
	[ "$(report_count)" = 10 ] || fail "12 panics wrote $(report_count) reports, not 10"
}

# A panic 100 calls under an extern "C" function, with a catch_unwind above
# it: the unwinding stops at the function, which cannot unwind, and the
# process aborts. The panic's frames are gone by then and the 64 it kept
# are all recursion; the catch_unwind's frames, kept as the edge of the
# addon's frames, are still there, so the abort is the panic's.
case_rust_panic_stops_at_no_unwind() {
	local report
	panic_addon caught
	run_node RUST_BACKTRACE=0 -- -e "require('$work/caught.node').stopsAtNoUnwind()"
	[ "$status" = 134 ] || fail "exit status $status, not 134 (SIGABRT)"
	report=$(the_report) || exit 1
	"$node" "$here/check-panic.js" "$report" 'caught\.node$' \
		'deep under a function that cannot unwind' >"$work/check" ||
		fail "report check failed: $(cat "$work/check")"
}

# A caught panic, then an abort of the process's own: the abort is reported
# as a SIGABRT with its own frames, not as that panic (preload and linked),
# whether it comes from JS (no addon frame on its stack) or from the very
# call that caught the panic (the catching frames still there).
case_abort_after_caught_panic() {
	local js name
	for mode in preload linked; do
		name=$([ $mode = preload ] && echo caught || echo linked)
		panic_addon "$name"
		for js in "try { require('$work/$name.node').caught(); }
catch (e) { if (e.code !== 'GenericFailure') process.exit(4); }
process.abort();" "require('$work/$name.node').catchThenAbort();"; do
			rm -f "$reports"/*
			if [ $mode = preload ]; then
				run_node RUST_BACKTRACE=0 -- -e "$js"
			else
				(cd "$work" && env RUST_BACKTRACE=0 NAPI_SYMBOLS_REPORT_DIR="$reports" \
					NAPI_SYMBOLS_SYMBOLICATE=0 timeout 60 "$node" -e "$js") >"$work/out" 2>"$work/err"
				status=$?
			fi
			[ "$status" = 134 ] || fail "$mode, $js: exit status $status, not 134"
			# linked mode reported the caught panic when it was raised: two reports
			"$node" -e '
const fs = require("fs"), dir = process.argv[1], mode = process.argv[2];
const reports = fs.readdirSync(dir).filter((f) => /^napi-crash-.*\.json$/.test(f))
  .map((f) => JSON.parse(fs.readFileSync(dir + "/" + f, "utf8")));
const aborts = reports.filter((r) => r.reason === "signal" && r.signal.name === "SIGABRT");
const panics = reports.filter((r) => r.reason === "panic");
if (aborts.length !== 1) { console.log(mode + ": " + aborts.length + " SIGABRT reports"); process.exit(1); }
if (panics.length !== (mode === "linked" ? 1 : 0)) { console.log(mode + ": " + panics.length + " panic reports"); process.exit(1); }
if (aborts[0].frames.length < 3) { console.log(mode + ": the abort has " + aborts[0].frames.length + " frames"); process.exit(1); }
' "$reports" "$mode" >"$work/check" || fail "$js: $(cat "$work/check")"
		done
	done
}

# Linked mode: the addon links libnsym_hook.a and installs the panic hook of
# loader-hook/rust/; every panic is reported, with its message and location.
case_rust_panic_linked() {
	local report rels line
	panic_addon linked
	line=$(line_of "$here/panic-addon.rs" 'panic!("caught in the addon')
	(cd "$work" && env RUST_BACKTRACE=0 NAPI_SYMBOLS_REPORT_DIR="$reports" \
		NAPI_SYMBOLS_SYMBOLICATE=0 timeout 60 "$node" -e \
		"try { require('$work/linked.node').caught(); } catch (e) { if (e.code === 'GenericFailure') process.exit(0); }
process.exit(3);") >"$work/out" 2>"$work/err"
	status=$?
	[ "$status" = 0 ] || fail "exit status $status, not 0"
	report=$(the_report) || exit 1
	check_panic_trace "\"caught in the addon: 7\" at [^ ]*panic-addon\\.rs:$line:[0-9]*"
	rels=$("$node" "$here/check-panic.js" "$report" 'linked\.node$' \
		'caught in the addon: 7' 'panic-addon\.rs$' "$line") ||
		fail "report check failed: $rels"
	# shellcheck disable=SC2086 # one rel per word
	check_panic_frames linked "linked_addon::raise_caught at panic-addon.rs:$line:" $rels
	"$node" -e "const n = require('$report').node;
if (n.version !== process.version || String(n.napi) !== process.versions.napi) process.exit(1);" ||
		fail "the report's node is not {$("$node" --version), napi $("$node" -p process.versions.napi)}"
}

# The linked addon run with the library preloaded as well: the addon's copy
# of the hook hands its calls to the preloaded one, so a panic is reported
# once, with the message the panic hook knows, by default and with
# NAPI_SYMBOLS_PANICS=all (which would report the raise as well).
case_rust_panic_both() {
	local js line panics
	panic_addon linked
	line=$(line_of "$here/panic-addon.rs" 'panic!("caught in the addon')
	js="try { require('$work/linked.node').caught(); } catch (e) { if (e.code === 'GenericFailure') process.exit(0); }
process.exit(3);"
	for panics in uncaught all; do
		rm -f "$reports"/*
		run_node RUST_BACKTRACE=0 NAPI_SYMBOLS_PANICS=$panics -- -e "$js"
		[ "$status" = 0 ] || fail "NAPI_SYMBOLS_PANICS=$panics: exit status $status, not 0"
		the_report >/dev/null
		[ "$(grep -c '^napi-symbols: panic v1' "$work/err")" = 1 ] ||
			fail "NAPI_SYMBOLS_PANICS=$panics: not one trace"
		check_panic_trace "\"caught in the addon: 7\" at [^ ]*panic-addon\.rs:$line:[0-9]*"
	done
}

"case_${case//-/_}" || exit 1
echo "PASS ($case)"
