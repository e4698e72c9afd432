#!/usr/bin/env bash
# The whole path, end to end through real node: e2e-test.sh HOOK_SO
# NAPI_SYMBOLS FIXTURES_DIR CASE. The fixture addons (C and Rust, built by
# tests/fixtures/build.sh) are copied into a project, stripped there with
# `napi-symbols split`, their debug files uploaded to our server on
# 127.0.0.1:0 and then deleted, so that node runs with only the stripped
# files present. Node crashes with the hook preloaded; the hook writes the
# report and runs `napi-symbols symbolicate`, which fetches the debug files
# from the server. Each case checks that the exit status is the status
# without the hook, and that the symbolicated output names the function and
# file:line of the faulting or raising frame, as the unstripped build says
# (our symbolizer and llvm-symbolizer) and as the source marks it.
# Environment: NSYM_NODE, NSYM_LLVM_SYMBOLIZER, NSYM_PANIC_DIR (the builds
# of tests/hook/build-panic.sh, for the rust-panic-unwind and
# rust-panic-caught cases), E2E_KEEP=FILE to keep node's stderr there.
# Exit 0 pass, 1 fail.
set -uo pipefail

hook=$(realpath "$1") cli=$(realpath "$2") fixtures=$(realpath "$3") case=$4
node=${NSYM_NODE:-node}
llvm_symbolizer=${NSYM_LLVM_SYMBOLIZER:-llvm-symbolizer}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../fixtures" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${E2E_KEEP:-}" ] && cp "$work/err" "$E2E_KEEP"; rm -rf "$work"
}
trap cleanup EXIT
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS NAPI_SYMBOLS_SYMBOLICATE
export DEBUGINFOD_CACHE_PATH=$work/cache XDG_CACHE_HOME=$work/xdg

fail() {
	echo "FAIL ($case): $*" >&2
	[ -f "$work/err" ] && sed 's/^/  stderr: /' "$work/err" >&2
	exit 1
}

build_id() {
	readelf -n "$1" | awk '/Build ID:/ { print $3 }'
}

# The server, on a port of its own choosing; readiness by polling /healthz.
start_server() {
	local out=$work/serve.out
	"$cli" serve --store "$work/store" --listen 127.0.0.1:0 >"$out" 2>"$work/serve.err" &
	pids+=($!)
	for _ in $(seq 100); do
		url=$(sed -n 's/^listening on //p' "$out" 2>/dev/null)
		[ -n "$url" ] && curl -sf -o /dev/null "$url/healthz" && return 0
		sleep 0.1
	done
	fail "the server did not start: $(cat "$work/serve.err")"
}

# project LANG [REF]: the unstripped build REF (default the fixture
# FIXTURES_DIR/LANG/addon.node) copied to LANG/addon.node in the project,
# split in place, its debug file uploaded and deleted. Sets $addon (the
# stripped copy) and $ref.
project() {
	local lang=$1 token
	ref=${2:-$fixtures/$lang/addon.node}
	[ -f "$ref" ] || fail "no fixture $ref"
	mkdir -p "$work/proj/$lang"
	addon=$work/proj/$lang/addon.node
	cp "$ref" "$addon"
	"$cli" split "$addon" >"$work/split.out" 2>&1 || fail "split: $(cat "$work/split.out")"
	[ -f "$addon.debug" ] || fail "split wrote no debug file"
	start_server
	token=$("$cli" token create --store "$work/store" --scope upload --name e2e) || fail "token create"
	"$cli" upload --server "$url" --token "$token" "$addon.debug" >"$work/upload.out" 2>&1 ||
		fail "upload: $(cat "$work/upload.out")"
	grep -q "  $(build_id "$ref")  uploaded" "$work/upload.out" || fail "upload: $(cat "$work/upload.out")"
	rm -f "$addon.debug"
	readelf -S "$addon" | grep >/dev/null -c '\.debug_info' && fail "the addon that runs still has DWARF"
	mkdir -p "$work/reports"
}

# run_node ARGS: node with the hook and automatic symbolication; status in
# $status, stderr in $work/err. Then the status of the same command without
# the hook, which must be the same.
run_node() {
	local plain
	(cd "$work/proj" && env LD_PRELOAD="$hook" NAPI_SYMBOLS_SERVER="$url" \
		NAPI_SYMBOLS_BIN="$cli" NAPI_SYMBOLS_REPORT_DIR="$work/reports" \
		timeout 60 "$node" "$@") >"$work/out" 2>"$work/err"
	status=$?
	(cd "$work/proj" && timeout 60 "$node" "$@") >/dev/null 2>&1
	plain=$?
	[ "$status" = "$plain" ] || fail "exit status $status with the hook, $plain without"
}

# run_node_linked ARGS: run_node without the preloaded hook, for an addon
# that links it. The run without symbolication goes first, so that what is
# checked is the stderr there was when node exited.
run_node_linked() {
	local plain
	(cd "$work/proj" && NAPI_SYMBOLS_SYMBOLICATE=0 NAPI_SYMBOLS_REPORT_DIR="$work/plain" \
		timeout 60 "$node" "$@") >/dev/null 2>&1
	plain=$?
	(cd "$work/proj" && env NAPI_SYMBOLS_SERVER="$url" NAPI_SYMBOLS_BIN="$cli" \
		NAPI_SYMBOLS_REPORT_DIR="$work/reports" timeout 60 "$node" "$@") \
		>"$work/out" 2>"$work/err"
	status=$?
	[ "$status" = "$plain" ] || fail "exit status $status with symbolication, $plain without"
}

the_report() {
	local n
	n=$(find "$work/reports" -name 'napi-crash-*.json' | wc -l)
	[ "$n" = 1 ] || fail "expected one report, found $n"
	find "$work/reports" -name 'napi-crash-*.json'
}

# line_of FILE TEXT: the line number of the one line of FILE holding TEXT.
line_of() {
	local n
	n=$(grep -nF -- "$2" "$1" | cut -d: -f1)
	[ "$(wc -w <<<"$n")" = 1 ] || fail "'$2' is not on exactly one line of $1"
	echo "$n"
}

# check_frame FUNC FILE LINE: finds in the report the first frame in the
# addon that, looked up in the unstripped build, is FUNC or has FUNC inlined
# in it (a return address looked up one byte back); checks that FUNC is at
# FILE:LINE there by our symbolizer and by llvm-symbolizer, and that the
# symbolicated output on stderr gives that frame the same chain of
# functions, files and lines as the unstripped build.
check_frame() {
	local func=$1 file=$2 line=$3 report frames k rel ra addr want llvm block
	report=$(the_report)
	grep -q '^napi-symbols: end$' "$work/err" || fail "no compact trace"
	# One line per frame in the addon: INDEX REL RETURN_ADDRESS.
	frames=$("$node" -e '
		const r = require(process.argv[1]);
		const m = r.modules.findIndex((x) => x.path === process.argv[2]);
		r.frames.forEach((f, i) => {
			if (m >= 0 && f.module === m) console.log(i, f.rel, f.return_address);
		});' "$report" "$addon") || fail "cannot read the report"
	[ -n "$frames" ] || fail "no frame in the addon: $(cat "$report")"
	while read -r k rel ra; do
		addr=$rel
		[ "$ra" = true ] && addr=$(printf '0x%x' $((rel - 1)))
		want=$("$cli" symbolize --basenames --cache never -e "$ref" "$addr" | sed '/^$/d')
		grep -qE "^( \(inlined by\) )?$func at " <<<"$want" && break
		want=
	done <<<"$frames"
	[ -n "$want" ] || fail "no frame in the addon is $func: $frames"
	grep -qE "^( \(inlined by\) )?$func at $file:$line:" <<<"$want" ||
		fail "frame #$k in the unstripped build is '$want', not $func at $file:$line"
	# llvm-symbolizer on the unstripped build: FUNC (legacy Rust hash dropped)
	# at FILE:LINE in the same chain.
	llvm=$("$llvm_symbolizer" --obj="$ref" "$addr" |
		awk 'NR % 2 == 1 { sub(/::h[0-9a-f]+$/, ""); f = $0; next } { print f " at " $0 }')
	grep -qF "$func at " <<<"$llvm" || fail "llvm-symbolizer: no $func in '$llvm'"
	grep -qE "^$func at .*/$file:$line:" <<<"$llvm" ||
		fail "llvm-symbolizer places $func elsewhere than $file:$line: '$llvm'"
	# The frame as symbolicate printed it: "#K FUNC at PATH:L:C in addon.node+0xREL
	# [addon]" and its "(inlined by)" lines, folders and module dropped.
	block=$(awk -v k="#$k" '
		$1 == k { on = 1; print; next }
		on && /^#/ { exit }
		on && /^ +\(inlined by\)/ { print }' "$work/err" |
		sed -E 's/^#[0-9]+ //; s/^ +\(inlined by\)/ (inlined by)/; s/ in addon\.node\+0x[0-9a-f]+.*$//; s| at [^ ]*/| at |')
	[ -n "$block" ] || fail "frame #$k is not in the symbolicated output"
	[ "$block" = "$want" ] ||
		fail "frame #$k symbolicated as '$block', the unstripped build says '$want'"
	# the server built the symcache on upload: it stands in for the debug file
	[ -f "$DEBUGINFOD_CACHE_PATH/$(build_id "$ref")/symcache" ] ||
		fail "the symcache was not fetched from the server"
}

# A null load inside two inlined C helpers: SIGSEGV, faulting frame load_slot.
case_c_null_store() {
	project c
	run_node -e "require('./c/addon.node').crash()"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	check_frame load_slot addon.c "$(line_of "$src/c-addon/addon.c" 'the faulting load')"
}

# abort() from the addon: SIGABRT; frame 0 is in libc, the raising frame
# is the call in abort_now.
case_c_abort() {
	project c
	run_node -e "require('./c/addon.node').abortNow()"
	[ "$status" = 134 ] || fail "exit status $status, not 134"
	check_frame abort_now addon.c "$(line_of "$src/c-addon/addon.c" 'abort(); /* the raising call')"
}

# off_thread_crash JS: crash()'s fault, made by JS on a thread other than
# the main one: SIGSEGV, load_slot, and a report from that thread.
off_thread_crash() {
	project c
	run_node -e "$1"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	check_frame load_slot addon.c "$(line_of "$src/c-addon/addon.c" 'the faulting load')"
	"$node" -e "const r = require('$(the_report)'); if (r.tid === r.pid) process.exit(1)" ||
		fail "the crash was not on a thread of its own"
}

# A crash on a worker_threads thread: that thread's stack.
case_worker() {
	off_thread_crash "new (require('worker_threads').Worker)(\"require('./c/addon.node').crash()\", { eval: true })"
}

# The same fault in napi async work, on a libuv thread-pool thread.
case_c_async_work() {
	off_thread_crash "require('./c/addon.node').crashInWork()"
	grep -q "crash_execute at .*addon.c:[0-9]*" "$work/err" ||
		fail "the symbolicated trace does not name crash_execute"
}

# A store through a null pointer in Rust, in an inlined helper (itself
# below core::ptr::write_volatile, inlined too).
case_rust_segv() {
	project rust
	run_node -e "require('./rust/addon.node').segv()"
	[ "$status" = 139 ] || fail "exit status $status, not 139"
	check_frame napi_symbols_fixture::store_slot lib.rs \
		"$(line_of "$src/rust-addon/src/lib.rs" 'ptr::write_volatile(slot, v);')"
}

# A Rust panic that aborts (panic = "abort" in the fixture): the raising
# frame is checked_root at its panic!. When the report says "panic", its
# message and location must be the panic's too.
case_rust_panic_abort() {
	local line
	project rust
	run_node -e "require('./rust/addon.node').checkedRoot(-1)"
	[ "$status" = 134 ] || fail "exit status $status, not 134"
	line=$(line_of "$src/rust-addon/src/lib.rs" 'panic!("checked_root: negative input')
	check_frame napi_symbols_fixture::checked_root lib.rs "$line"
	"$node" -e '
		const r = require(process.argv[1]);
		if (r.reason !== "panic") process.exit(0);
		const p = r.panic;
		if (!/checked_root: negative input -1/.test(p.message) || !/lib\.rs$/.test(p.file) ||
		    p.line !== Number(process.argv[2])) process.exit(1);' "$(the_report)" "$line" ||
		fail "the panic's message or location is wrong in $(cat "$(the_report)")"
}

# The Rust addons of the hook's panic tests, built with panic = "unwind"
# (tests/hook/build-panic.sh): NSYM_PANIC_DIR/fixture.full is the fixture,
# caught.full the addon that catches its panic.

# A panic unwinding into the extern "C" callback, which aborts ("panic in a
# function that cannot unwind"): the raising frame is checked_root.
case_rust_panic_unwind() {
	local line
	project rust "$NSYM_PANIC_DIR/fixture.full"
	run_node -e "require('./rust/addon.node').checkedRoot(-1)"
	[ "$status" = 134 ] || fail "exit status $status, not 134"
	line=$(line_of "$src/rust-addon/src/lib.rs" 'panic!("checked_root: negative input')
	check_frame napi_symbols_fixture::checked_root lib.rs "$line"
}

# A panic caught by the addon and turned into a thrown JS error, as NAPI-RS
# does, which nobody catches: node prints it and exits 1. With
# NAPI_SYMBOLS_PANICS=all it is reported where it was raised.
case_rust_panic_caught() {
	local line
	project rust "$NSYM_PANIC_DIR/caught.full"
	export NAPI_SYMBOLS_PANICS=all
	run_node -e "require('./rust/addon.node').caught()"
	[ "$status" = 1 ] || fail "exit status $status, not 1"
	grep -q "code: 'GenericFailure'" "$work/err" || fail "no JS error"
	grep -q "caught in the addon: 7" "$work/err" || fail "the JS error lost the panic's message"
	line=$(line_of "$here/../hook/panic-addon.rs" 'panic!("caught in the addon')
	check_frame caught_addon::raise_caught panic-addon.rs "$line"
}

# Linked mode alone (no preload): the addon links the hook and installs its
# panic hook, so a caught panic is reported with its message and location,
# and the symbolicated trace is on stderr before node exits with the JS
# error's status.
case_rust_panic_linked() {
	local line
	project rust "$NSYM_PANIC_DIR/linked.full"
	run_node_linked -e "require('./rust/addon.node').caught()"
	[ "$status" = 1 ] || fail "exit status $status, not 1"
	grep -q "code: 'GenericFailure'" "$work/err" || fail "no JS error"
	line=$(line_of "$here/../hook/panic-addon.rs" 'panic!("caught in the addon')
	grep -q "^panic: caught in the addon: 7$" "$work/err" ||
		fail "the symbolicated trace lacks the panic's message"
	grep -q "^  at [^ ]*panic-addon\.rs:$line:[0-9]*$" "$work/err" ||
		fail "the symbolicated trace lacks the panic's location"
	check_frame linked_addon::raise_caught panic-addon.rs "$line"
}

"case_${case//-/_}" || exit 1
echo "PASS ($case)"
