#!/usr/bin/env bash
# run.sh [--quick]: benchmark `napi-symbols symbolize` against
# llvm-symbolizer, addr2line and eu-addr2line on five targets (c50k, its
# arm64 Mach-O build c50k-macho with a dSYM, its x86_64 PE build c50k-pe
# with its PDB, and rustbig, built into bench/inputs/ on first use, and the
# system libc with its libc6-dbg debug file), for 1, 64 and 100000
# addresses. A tool that cannot read a target (addr2line and eu-addr2line
# read no Mach-O; eu-addr2line no PE, and addr2line no PDB) gets "n/a" and
# its reason. For c50k-pe the
# llvm-symbolizer is LLVM 16's (llvm-symbolizer-16): LLVM 14's misplaces the
# lines of inlined frames in PDBs (docs/symbolizer.md).
# Prints a Markdown table per target and writes the whole report to
# bench/out/results-DATE.md.
#
# Environment: NSYM (our CLI, default build/cli/napi-symbols), NSYM_DEBUG_FLAG
# (if set, e.g. "--debug-file", ours gets "FLAG libc.debug" for libc; by
# default it must find the debug file by build-id itself), BENCH_SEED (address
# lists, default 42), BENCH_TIMEOUT (seconds per run, default 900),
# BENCH_TARGETS (subset, default "c50k c50k-macho rustbig libc"; c50k-pe
# is asked for by name),
# BENCH_BUDGET (seconds: a cell stops repeating once its runs took longer
# than this, default 120; the "runs" column shows how many were made),
# NSYM_BASE (another build of our CLI, e.g. of an earlier commit: timed and
# checked in the same run as NSYM, in rows "napi-symbols base", for
# before/after figures).
set -euo pipefail

usage() { echo "usage: run.sh [--quick]"; }
quick=0
case ${1:-} in
--quick) quick=1 ;;
"") ;;
-h | --help) usage; exit 0 ;;
*) usage >&2; exit 129 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/common.sh"

nsym=${NSYM:-$root/build/cli/napi-symbols}
base=${NSYM_BASE:-}
seed=${BENCH_SEED:-42}
limit=${BENCH_TIMEOUT:-900}
budget=${BENCH_BUDGET:-120}
targets=${BENCH_TARGETS:-c50k c50k-macho rustbig libc}
inputs=$here/inputs
outdir=$here/out
sizes="1 64 100000"
agree_n=100000
[ $quick = 1 ] && agree_n=64

for t in llvm-symbolizer addr2line eu-addr2line readelf /usr/bin/time timeout; do
	command -v "$t" >/dev/null || { echo "run.sh: '$t' not found; see bench/README.md for the packages" >&2; exit 1; }
done
[ -n "${EPOCHREALTIME:-}" ] || { echo "run.sh: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }

mkdir -p "$inputs" "$outdir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log() { echo "run.sh: $*" >&2; }

# ---- targets -------------------------------------------------------------
# Each target: name, the file ours is given with -e, the file the anchors
# are given (and the addresses are picked from), and its format.
declare -A ours_file anchor_file format
for t in $targets; do
	format[$t]=elf
	case $t in
	c50k)
		[ -x "$inputs/c50k" ] || { log "building c50k"; "$here/gen-c.sh" "$inputs" c50k >&2; }
		ours_file[c50k]=$inputs/c50k anchor_file[c50k]=$inputs/c50k ;;
	c50k-macho)
		# Both are given the binary and find the dSYM beside it
		# (llvm-symbolizer 14 does, checking its UUID), which holds the
		# DWARF; llvm-symbolizer reads the symbols from the binary.
		m=$inputs/c50k-macho.node
		if [ ! -r "$m" ] || [ ! -r "$(dsym_dwarf "$m")" ]; then
			log "building c50k-macho"
			"$here/gen-c.sh" "$inputs" c50k-macho >&2
		fi
		ours_file[$t]=$m anchor_file[$t]=$m format[$t]=macho ;;
	c50k-pe)
		# Both are given the image and find the PDB beside it by the
		# file name its CodeView record gives (/pdbaltpath:%_PDB%).
		p=$inputs/c50k-pe.node
		if [ ! -r "$p" ] || [ ! -r "$inputs/c50k-pe.pdb" ]; then
			log "building c50k-pe"
			"$here/gen-c.sh" "$inputs" c50k-pe >&2
		fi
		ours_file[$t]=$p anchor_file[$t]=$p format[$t]=pe ;;
	rustbig)
		[ -x "$inputs/rustbig" ] || { log "building rustbig"; "$here/gen-rust.sh" "$inputs" >&2; }
		ours_file[rustbig]=$inputs/rustbig anchor_file[rustbig]=$inputs/rustbig ;;
	libc)
		lib=/lib/x86_64-linux-gnu/libc.so.6
		bid=$(readelf -n "$lib" | awk '/Build ID:/ { print $3 }')
		dbg=/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug
		[ -r "$dbg" ] || { echo "run.sh: no '$dbg'; apt-get install libc6-dbg" >&2; exit 1; }
		ours_file[libc]=$lib anchor_file[libc]=$dbg ;;
	*) echo "run.sh: unknown target '$t'" >&2; exit 129 ;;
	esac
done

ours_cmd() { # target [binary] -> words of our command line
	local a=("${2:-$nsym}" symbolize -e "${ours_file[$1]}")
	if [ "$1" = libc ] && [ -n "${NSYM_DEBUG_FLAG:-}" ]; then
		a+=("$NSYM_DEBUG_FLAG" "${anchor_file[libc]}")
	fi
	printf '%s\n' "${a[@]}"
}

# ---- measuring -----------------------------------------------------------
# measure K INPUT CMD...: run CMD K times with INPUT on stdin, output to
# /dev/null. Sets m_ms (median wall ms), m_kb (peak RSS KiB), m_runs (runs
# made: fewer than K once the runs took more than $budget s) and m_err (""
# or why it failed). Wall time is taken with $EPOCHREALTIME around the bare
# command; peak RSS comes from /usr/bin/time, in the same runs when they are
# long (N >= 10000: its few ms do not matter), else in one extra run first.
measure() {
	local k=$1 in=$2 i t0 t1 rc n wrap=0
	shift 2
	local walls=() kbs=()
	m_ms="" m_kb="" m_err="" m_runs=0
	n=$(wc -l <"$in")
	[ "$n" -ge 10000 ] && wrap=1
	if [ $wrap = 0 ]; then
		rc=0
		empty_cache
		/usr/bin/time -f %M -o "$tmp/rss" timeout "$limit" "$@" <"$in" >/dev/null 2>"$tmp/err" || rc=$?
		if [ $rc -ne 0 ]; then m_err=$(why $rc); return; fi
		kbs+=("$(tail -n 1 "$tmp/rss")")
	fi
	local start=$EPOCHREALTIME
	for ((i = 0; i < k; i++)); do
		rc=0
		empty_cache
		if [ $wrap = 1 ]; then
			t0=$EPOCHREALTIME
			/usr/bin/time -f %M -o "$tmp/rss" timeout "$limit" "$@" <"$in" >/dev/null 2>"$tmp/err" || rc=$?
			t1=$EPOCHREALTIME
			[ $rc = 0 ] && kbs+=("$(tail -n 1 "$tmp/rss")")
		else
			t0=$EPOCHREALTIME
			"$@" <"$in" >/dev/null 2>"$tmp/err" || rc=$?
			t1=$EPOCHREALTIME
		fi
		if [ $rc -ne 0 ]; then m_err=$(why $rc); return; fi
		walls+=("$t0 $t1")
		over_budget "$start" && break
	done
	finish_cell
}
# empty_cache: with fresh_cache=DIR set, empty DIR (ours' XDG_CACHE_HOME)
# before a run, so that every cold run starts without a symcache.
empty_cache() {
	if [ -n "${fresh_cache:-}" ]; then
		settle
		rm -rf "$fresh_cache"
		mkdir -p "$fresh_cache"
	fi
}
# settle: after a run of 1000 or more addresses ours writes its symcache in a
# background process; let it finish (60 s at most) so that it does not take
# CPU from the next run.
settle() {
	local i
	for ((i = 0; i < 600; i++)); do
		pgrep -f "^($nsym${base:+|$base}) symbolize" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
}
# over_budget START: true once more than $budget s passed since START.
over_budget() { awk -v s="$1" -v now="$EPOCHREALTIME" -v b="$budget" 'BEGIN { exit !(now - s > b) }'; }
# finish_cell: m_ms, m_kb and m_runs from the arrays walls and kbs.
finish_cell() {
	m_runs=${#walls[@]}
	m_ms=$(printf '%s\n' "${walls[@]}" | awk '{ print ($2 - $1) * 1000 }' | median)
	m_kb=$(printf '%s\n' "${kbs[@]}" | median)
}
why() { # exit status -> short reason, first stderr line
	local msg
	msg=$(head -n 1 "$tmp/err" | cut -c1-80 | tr '|' '/')
	if [ "$1" = 124 ]; then echo "timeout ${limit}s"; else echo "exit $1${msg:+: $msg}"; fi
}

# measure_ours MODE K INPUT TARGET [BINARY]: MODE cold (a fresh empty
# XDG_CACHE_HOME for every run) or warm (one cache dir, primed by an untimed
# run); BINARY is $nsym unless given.
measure_ours() {
	local mode=$1 k=$2 in=$3 t=$4 c=$tmp/cache-$4 cmd
	mapfile -t cmd < <(ours_cmd "$t" "${5:-}")
	rm -rf "$c"
	mkdir -p "$c"
	if [ "$mode" = warm ]; then
		# warm: the symcache exists, built by an earlier (untimed) run
		settle
		if ! XDG_CACHE_HOME=$c timeout "$limit" "${cmd[@]}" --cache always </dev/null >/dev/null 2>"$tmp/err"; then
			m_err=$(why $?) m_ms="" m_kb="" m_runs=0
			return
		fi
		XDG_CACHE_HOME=$c measure "$k" "$in" "${cmd[@]}"
	else
		XDG_CACHE_HOME=$c fresh_cache=$c measure "$k" "$in" "${cmd[@]}"
	fi
	settle
	rm -rf "$c"
}

# The five timed tools of a target, their labels, and how each is run.
tools="llvm cold warm addr2line eu"
declare -A label=([llvm]=llvm-symbolizer [cold]="napi-symbols (cold)"
	[warm]="napi-symbols (warm)" [addr2line]=addr2line [eu]=eu-addr2line
	[bcold]="napi-symbols base (cold)" [bwarm]="napi-symbols base (warm)")
if [ -n "$base" ]; then
	[ -x "$base" ] || { echo "run.sh: NSYM_BASE '$base' is not an executable" >&2; exit 1; }
	tools="llvm cold warm bcold bwarm addr2line eu"
fi
# Results of the target being measured, keyed "tool,N".
declare -A res_ms res_kb res_runs res_err agree
# na[TOOL]: "n/a: reason" when an anchor cannot read the target at all.
declare -A na

# cell TOOL N K: measure one cell into res_*[TOOL,N].
cell() {
	local tool=$1 n=$2 k=$3 in=$tmp/addrs-$t-$2 est
	m_ms="" m_kb="" m_runs=0 m_err=""
	if [ -n "${na[$tool]:-}" ]; then
		res_ms[$tool,$n]="" res_kb[$tool,$n]="" res_runs[$tool,$n]=0 res_err[$tool,$n]=${na[$tool]}
		return
	fi
	# Skip a cell that would time out. Extrapolating from N=1 and 64 is
	# rough (the first addresses cost more), so when that says "too slow",
	# time 1000 addresses once and extrapolate from those before giving up.
	if [ "$n" -gt 1000 ] && [ -n "${res_ms[$tool,1]:-}" ] && [ -n "${res_ms[$tool,64]:-}" ]; then
		est=$(extrapolate "${res_ms[$tool,1]}" "${res_ms[$tool,64]}" 64 "$n")
		if [ "$est" -gt "$limit" ]; then
			log "  N=$n ${label[$tool]}: about $est s from N=64, timing 1000 addresses"
			head -n 1000 "$in" >"$tmp/probe-list"
			cell_cmd "$tool" "$tmp/probe-list"
			if [ -n "$m_err" ]; then
				m_err="skipped: 1000 addresses failed ($m_err)"
			else
				est=$(extrapolate "${res_ms[$tool,1]}" "$m_ms" 1000 "$n")
				m_err=""
				[ "$est" -gt "$limit" ] && m_err="skipped: about $est s (> BENCH_TIMEOUT=$limit s)"
			fi
			[ -n "$m_err" ] && m_ms="" m_kb="" m_runs=0
		fi
	fi
	if [ -z "$m_err" ]; then
		log "  N=$n ${label[$tool]}"
		cell_cmd "$tool" "$in" "$k"
	fi
	res_ms[$tool,$n]=$m_ms res_kb[$tool,$n]=$m_kb res_runs[$tool,$n]=$m_runs res_err[$tool,$n]=$m_err
}

# cell_cmd TOOL LIST [K]: measure TOOL on LIST, K runs (default 1).
cell_cmd() {
	local tool=$1 in=$2 k=${3:-1} cmd
	case $tool in
	llvm) measure "$k" "$in" "$(llvm_for "$t")" --inlining -e "$af" ;;
	cold | warm)
		if [ $ours_ok = 1 ]; then measure_ours "$tool" "$k" "$in" "$t"; else m_err="n/a: $ours_why"; fi ;;
	bcold | bwarm) measure_ours "${tool#b}" "$k" "$in" "$t" "$base" ;;
	addr2line | eu) mapfile -t cmd < <(cell_words "$tool"); measure "$k" "$in" "${cmd[@]}" ;;
	esac
}

# cell_words TOOL: the command line of an anchor other than llvm-symbolizer.
cell_words() {
	case $1 in
	addr2line) printf '%s\n' addr2line -f -i -C -e "$af" ;;
	eu) printf '%s\n' eu-addr2line -f -i -C -e "$af" ;;
	esac
}

# llvm_for TARGET: the llvm-symbolizer that is the reference for it.
llvm_for() {
	if [ "${format[$1]}" = pe ]; then echo llvm-symbolizer-16; else echo llvm-symbolizer; fi
}

# extrapolate MS1 MSM M N: seconds for N addresses, from the times for 1 and M.
extrapolate() {
	awk -v a="$1" -v b="$2" -v m="$3" -v n="$4" 'BEGIN { printf "%.0f", (a + (b - a) / (m - 1) * (n - 1)) / 1000 }'
}

# normalized TOOL N: print the path of TOOL's normalize.awk output for the
# address list of size N (running the tool in its comparable output form),
# or nothing if the tool failed.
normalized() {
	local tool=$1 n=$2 list=$tmp/addrs-$t-$2 f=$tmp/norm-$1-$2 fmt cmd
	if [ ! -e "$f" ] && [ ! -e "$f.failed" ]; then
		case $tool in
		llvm) fmt=llvm cmd=("$(llvm_for "$t")" --inlining -p -e "$af") ;;
		ours) fmt=llvm; mapfile -t cmd < <(ours_cmd "$t") ;;
		base) fmt=llvm; mapfile -t cmd < <(ours_cmd "$t" "$base") ;;
		addr2line) fmt=gnu cmd=(addr2line -a -f -i -C -e "$af") ;;
		eu) fmt=eu cmd=(eu-addr2line -a -f -i -C -e "$af") ;;
		esac
		log "  agreement: ${label[$tool]:-napi-symbols} on $n addresses"
		mkdir -p "$tmp/agree-cache"
		if XDG_CACHE_HOME=$tmp/agree-cache timeout "$limit" "${cmd[@]}" <"$list" >"$tmp/out" 2>/dev/null; then
			awk -v fmt=$fmt -f "$here/normalize.awk" "$tmp/out" >"$f"
		else
			: >"$f.failed"
		fi
		rm -rf "$tmp/agree-cache" "$tmp/out"
	fi
	[ -e "$f" ] && echo "$f"
	return 0
}

# compare TOOL TIMED: agreement of TOOL with llvm-symbolizer, on the agreement
# list, or on the 64 list when TOOL's cell for that size (TIMED) did not run.
compare() {
	local tool=$1 timed=$2 n=$agree_n note="" ref mine
	if [ -n "${res_err[$timed,$agree_n]-x}" ] && [ "$agree_n" != 64 ]; then n=64 note=" (N=64)"; fi
	[ "$tool" = ours ] && [ $ours_ok = 0 ] && return
	[ -n "${na[$tool]:-}" ] && return
	ref=$(normalized llvm $n)
	mine=$(normalized "$tool" $n)
	[ -n "$ref" ] && [ -n "$mine" ] && echo "$(awk -f "$here/agree.awk" "$ref" "$mine") $note"
	return 0
}

fmt_agree() { # "ALL TOP LINES STATE [NOTE]" -> three cells
	case $1 in
	"") echo "| - | - | - |" ;;
	ref) echo "| ref | ref | ref |" ;;
	*) set -- $1; echo "| $1% | $2% | $3%$([ "$4" = ok ] || echo " ($4)")${5:+ $5} |" ;;
	esac
}

# row TOOL N: one table row from res_* and agree.
row() {
	local tool=$1 n=$2 key=$1,$2 cells ag="| | | |"
	if [ -n "${res_err[$key]}" ]; then
		cells="| ${res_err[$key]} | | | "
	else
		cells=$(awk -v n="$n" -v ms="${res_ms[$key]}" -v kb="${res_kb[$key]}" -v ref="${res_ms[llvm,$n]}" 'BEGIN {
			printf "| %.1f | %.0f | %.1f | %s ", ms, n / (ms / 1000), kb / 1024,
				(ref == "" || ref == 0) ? "-" : sprintf("%.2fx", ms / ref) }')
	fi
	[ "$n" = "$agree_n" ] && ag=$(fmt_agree "${agree[$tool]:-}")
	echo "| ${label[$tool]} | $n | ${res_runs[$key]} $cells$ag"
}

# explain_names: of the agreement addresses where ours and llvm-symbolizer
# differ, how many differ only in the outermost frame's name because
# llvm-symbolizer takes it from the ELF symbol table (explain.awk).
explain_names() {
	local ref mine syms=$tmp/syms
	[ $ours_ok = 1 ] || return 0
	ref=$(normalized llvm $agree_n)
	mine=$(normalized ours $agree_n)
	[ -n "$ref" ] && [ -n "$mine" ] || return 0
	if [ "${format[$t]}" = pe ]; then
		return 0 # a PDB's names are its own: nothing to explain by symbols
	elif [ "${format[$t]}" = macho ]; then
		macho_syms "$af" >"$syms"
	else
		nm -S -C --defined-only "$af" 2>/dev/null | awk 'NF >= 4 { $3 = ""; print }' >"$syms"
	fi
	awk -f "$here/explain.awk" "$syms" "$tmp/addrs-$t-$agree_n" "$ref" "$mine"
}

# ---- report --------------------------------------------------------------
stamp=$(date +%Y-%m-%d-%H%M%S)
report=$outdir/results-$stamp.md
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ver() { "$@" 2>&1 | head -n 1 || true; }
ours_ver="not built (${nsym#$root/})"
[ -x "$nsym" ] && ours_ver=$(ver "$nsym" --version)
base_ver=""
[ -n "$base" ] && base_ver=$(ver "$base" --version)
{
	echo "# napi-symbols benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(uname -m), $cpu, $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- mode: $([ $quick = 1 ] && echo "quick (1 run per cell, no 100000 cells for rustbig)" || echo "full (median of 5 runs, 3 for N=100000; a cell stops repeating after ${budget} s)"), address seed $seed"
	echo "- napi-symbols: $ours_ver"
	[ -n "$base" ] && echo "- napi-symbols base (NSYM_BASE): $base_ver"
	echo "- llvm-symbolizer: $(llvm-symbolizer --version 2>&1 | grep -m1 -i 'version' | sed 's/^ *//')"
	if [[ " $targets " == *" c50k-pe "* ]]; then
		echo "- llvm-symbolizer-16 (c50k-pe): $(llvm-symbolizer-16 --version 2>&1 | grep -m1 -i 'version' | sed 's/^ *//')"
	fi
	echo "- addr2line: $(ver addr2line --version)"
	echo "- eu-addr2line: $(ver eu-addr2line --version)"
	echo "- cells: wall time is the median over the runs; peak RSS from /usr/bin/time; vs llvm = our time / llvm-symbolizer time (below 1 is faster);"
	echo "  agree = share of the $agree_n addresses (shown in the N=$agree_n rows) where the tool equals llvm-symbolizer --inlining -p:"
	echo "  all = function, file and line of every frame; inner = of the innermost frame; lines = file and line of every frame"
	echo "  (see bench/README.md for the normalization: Rust hashes and escapes, ./ in paths, columns)"
	echo
} >"$report"

for t in $targets; do
	log "target $t"
	af=${anchor_file[$t]}
	case ${format[$t]} in
	macho) desc=$(describe_macho "$af") ;;
	pe) desc=$(describe_pe "$af") ;;
	*) desc=$(describe "$af") ;;
	esac
	for n in $sizes; do
		"$here/pick-addrs.sh" "$af" "$n" "$seed" >"$tmp/addrs-$t-$n"
	done
	if [ ! -s "$tmp/addrs-$t-$agree_n" ]; then
		"$here/pick-addrs.sh" "$af" "$agree_n" "$seed" >"$tmp/addrs-$t-$agree_n"
	fi

	# Is our CLI there and does it take this target?
	ours_ok=1 ours_why=""
	if [ ! -x "$nsym" ]; then
		ours_ok=0 ours_why="not built (${nsym#$root/})"
	else
		mapfile -t cmd < <(ours_cmd "$t")
		mkdir -p "$tmp/probe"
		if ! XDG_CACHE_HOME=$tmp/probe timeout "$limit" "${cmd[@]}" <"$tmp/addrs-$t-1" >/dev/null 2>"$tmp/err"; then
			ours_ok=0 ours_why=$(why $?)
		fi
		rm -rf "$tmp/probe"
	fi
	# Can addr2line and eu-addr2line read it? (Not Mach-O: Debian's
	# binutils and elfutils know ELF only.) If not, their cells say why.
	na=()
	for tool in addr2line eu; do
		mapfile -t cmd < <(cell_words "$tool")
		if ! timeout "$limit" "${cmd[@]}" <"$tmp/addrs-$t-1" >/dev/null 2>"$tmp/err"; then
			msg=$(head -n 1 "$tmp/err")
			msg=${msg//"$af"/${af##*/}}
			na[$tool]="n/a: $(echo "$msg" | cut -c1-100 | tr '|' '/')"
		fi
	done

	res_ms=() res_kb=() res_runs=() res_err=() agree=()
	for n in $sizes; do
		if [ $quick = 1 ] && [ "$t" = rustbig ] && [ "$n" = 100000 ]; then continue; fi
		k=5
		[ "$n" = 100000 ] && k=3
		[ $quick = 1 ] && k=1
		for tool in $tools; do
			cell "$tool" "$n" "$k"
		done
	done

	# What building the symcache costs, from an empty cache folder.
	build_line=""
	if [ $ours_ok = 1 ]; then
		log "  symcache build"
		mapfile -t cmd < <(ours_cmd "$t")
		c=$tmp/cache-build m_ms="" m_kb="" m_runs=0 m_err=""
		XDG_CACHE_HOME=$c fresh_cache=$c measure 3 /dev/null "${cmd[@]}" --cache always
		settle
		if [ -n "$m_err" ]; then
			build_line="symcache build: $m_err"
		else
			build_line=$(awk -v ms="$m_ms" -v kb="$m_kb" -v runs="$m_runs" -v ref="${res_ms[llvm,100000]:-}" \
				-v size="$(du -sb "$c" | cut -f1)" 'BEGIN {
				printf "symcache build (symbolize --cache always, no address, empty cache folder): median %.1f ms over %d runs, peak RSS %.1f MB, symcache %.1f MB", ms, runs, kb / 1024, size / 1048576
				if (ref != "") printf "; vs llvm-symbolizer on N=100000: %.2fx", ms / ref }')
		fi
		rm -rf "$c"
	fi

	# Agreement with llvm-symbolizer -p, in runs separate from the timing.
	agree[llvm]=ref
	agree[addr2line]=$(compare addr2line addr2line)
	agree[eu]=$(compare eu eu)
	agree[cold]=$(compare ours cold)
	agree[warm]=${agree[cold]}
	if [ -n "$base" ]; then
		agree[bcold]=$(compare base bcold)
		agree[bwarm]=${agree[bcold]}
	fi

	{
		echo "## $t"
		echo
		echo "$desc; ours: -e ${ours_file[$t]#$root/}, anchors: -e ${af#$root/}"
		echo
		echo "| tool | N | runs | median ms | addr/s | peak RSS MB | vs llvm | agree all | agree inner | agree lines |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		for n in $sizes; do
			[ -n "${res_runs[llvm,$n]:-}" ] || continue
			for tool in $tools; do
				row "$tool" "$n"
			done
		done
		echo
		[ -n "$build_line" ] && echo "$build_line" && echo
		explain=$(explain_names)
		if [ -n "$explain" ]; then echo "$explain" && echo; fi
	} | tee -a "$report"
	rm -f "$tmp"/norm-*
done
echo "run.sh: report written to ${report#$root/}" >&2
