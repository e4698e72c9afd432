#!/usr/bin/env bash
# fetch.sh [--quick] [--runs N] [--perf]: `napi-symbols fetch` against
# `debuginfod-find` run once per file in sequence, in the same run, on
# loopback (issue 6: 20 addons' debug files of about 10 MB each).
#
# It builds 20 copies of the C fixture addon (tests/fixtures/c-addon/addon.c,
# gcc -O2 -g) under 20 distinct GNU build-ids, each with a 10 MB section
# .debug_bench_pad of random bytes added before `napi-symbols split`, so the
# debug file split writes (and its debuglink CRC) is the padded one. The
# stripped addons go into a project tree PROJ/node_modules/addon-<i>/
# index.node with a package.json each; the 20 debug files are uploaded to a
# fresh store of `napi-symbols serve` on 127.0.0.1 (`napi-symbols upload`).
# Then, for N interleaved rounds (N = 5 unless --runs; the order reverses
# every other round), each row from a fresh empty cache folder
# (DEBUGINFOD_CACHE_PATH):
#   fetch:           `napi-symbols fetch --server URL`, run in PROJ; must exit
#                    0 and report 20 found
#   debuginfod-find: `debuginfod-find debuginfo ID` for the 20 ids, one after
#                    the other, DEBUGINFOD_URLS=URL (the same server); each
#                    must exit 0
# and reference rows that say where the time goes: the same loop on 20
# build-ids the server lacks (404: the loop's cost apart from the bytes),
# `curl --parallel` into the cache layout (a general client doing the same
# transfers), `cp` of the 20 files (writing 200 MB with no network), and,
# not in --quick, fetch and the loop against elfutils' `debuginfod -F`
# serving a folder of the same 20 files. In round 1 every file fetched is
# compared byte for byte with its original. Prints a Markdown table (median
# wall time, MB/s, the ratio, client and server CPU, target met or not) to
# stdout and to bench/out/fetch-DATE.md. --quick: one round, no debuginfod.
# --perf: one more fetch under a system-wide `perf record -g`, summarized.
#
# Packages (Debian bookworm): gcc, libnode-dev (node_api.h; or
# NODE_INCLUDE_DIR), binutils (objcopy), debuginfod (debuginfod-find and
# debuginfod, 0.188), curl, iproute2 (ss), coreutils, gawk or mawk;
# linux-perf for --perf. Our CLI is build/cli/napi-symbols, or NSYM=path.
#
# Everything runs on 127.0.0.1 (debuginfod 0.188 cannot be told an address:
# it listens on every interface, but only loopback is sent to), every wait
# is bounded, and the servers and the scratch folder are removed at exit.
# About 15 s with --quick, 40 s for 5 rounds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
root=$(cd "$here/.." && pwd)
nsym=${NSYM:-$root/build/cli/napi-symbols}
runs=5 quick=0 perf=0 naddons=20 pad_mb=10
usage="usage: fetch.sh [--quick] [--runs N] [--perf]"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 runs=1 ;;
	--runs) [ $# -ge 2 ] || { echo "$usage" >&2; exit 129; }; runs=$2; shift ;;
	--perf) perf=1 ;;
	-h | --help) echo "$usage"; exit 0 ;;
	*) echo "$usage" >&2; exit 129 ;;
	esac
	shift
done
case $runs in '' | *[!0-9]*) echo "$usage" >&2; exit 129 ;; esac
[ "$runs" -ge 1 ] || { echo "$usage" >&2; exit 129; }

for tool in gcc objcopy debuginfod-find debuginfod curl ss; do
	command -v "$tool" >/dev/null ||
		{ echo "fetch.sh: $tool not found (Debian packages gcc, binutils, debuginfod, curl, iproute2)" >&2; exit 1; }
done
[ $perf = 0 ] || command -v perf >/dev/null || { echo "fetch.sh: perf not found (Debian package linux-perf)" >&2; exit 1; }
[ -x "$nsym" ] || { echo "fetch.sh: $nsym not built" >&2; exit 1; }
inc=${NODE_INCLUDE_DIR:-}
if [ -z "$inc" ]; then # as tests/fixtures/build.sh looks for it
	inc=/usr/include/node
	if node=$(command -v node); then
		d=$(dirname "$(readlink -f "$node")")/../include/node
		[ -f "$d/node_api.h" ] && inc=$d
	fi
fi
[ -f "$inc/node_api.h" ] || { echo "fetch.sh: node_api.h not found in $inc (Debian package libnode-dev, or NODE_INCLUDE_DIR)" >&2; exit 1; }
# No federation, no stray cache: every client below is told where to go.
unset DEBUGINFOD_URLS DEBUGINFOD_CACHE_PATH NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_PROGRESS DEBUGINFOD_VERBOSE

bench_scratch fetch
say() { echo "fetch.sh: $*" >&2; }
die() { say "$*"; exit 1; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

# ---- the addons ----------------------------------------------------------
say "building $naddons addons with ${pad_mb} MB debug files"
build=$scratch/build debugs=$scratch/debug proj=$scratch/proj
mkdir -p "$build" "$debugs" "$proj/node_modules"
echo '{ "name": "fetch-bench", "version": "1.0.0", "private": true }' >"$proj/package.json"
ids=()
for ((i = 1; i <= naddons; i++)); do
	id=$(printf 'napi-symbols fetch bench %d' "$i" | sha1sum | cut -c1-40)
	ids+=("$id")
	gcc -std=c11 -O2 -g -fPIC -shared -I"$inc" -Wl,--build-id=0x"$id" \
		-o "$build/$i.full" "$root/tests/fixtures/c-addon/addon.c"
	head -c $((pad_mb * 1000000)) /dev/urandom >"$build/pad"
	objcopy --add-section .debug_bench_pad="$build/pad" "$build/$i.full" "$build/$i.node"
	"$nsym" split -q -o "$build/$i.stripped" -d "$debugs/$i.debug" "$build/$i.node"
	"$nsym" inspect "$debugs/$i.debug" | grep -q "build-id: $id" || die "$debugs/$i.debug does not carry $id"
	d=$proj/node_modules/addon-$i
	mkdir -p "$d"
	cp "$build/$i.stripped" "$d/index.node"
	printf '{ "name": "addon-%d", "version": "1.0.%d", "main": "index.node" }\n' "$i" "$i" >"$d/package.json"
	rm -f "$build/$i.full" "$build/$i.node"
done
rm -f "$build/pad"
total_bytes=$(cat "$debugs"/*.debug | wc -c)
cat "$debugs"/*.debug >/dev/null # in the page cache

# ---- servers -------------------------------------------------------------
say "starting our server"
store=$scratch/store
mkdir -p "$store"
token=$("$nsym" token create --store "$store" --scope upload --name bench)
"$nsym" serve --store "$store" --listen 127.0.0.1:0 >"$scratch/serve.out" 2>"$scratch/serve.log" &
ours_pid=$!
pids+=("$ours_pid")
ours_url=
for ((i = 0; i < 100; i++)); do
	ours_url=$(sed -n 's/^listening on //p' "$scratch/serve.out" 2>/dev/null || true)
	[ -n "$ours_url" ] && break
	kill -0 "$ours_pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$ours_url" ] || die "our server did not start: $(tail -n 3 "$scratch/serve.log")"
case $ours_url in http://127.0.0.1:*) ;; *) die "our server is not on loopback: $ours_url" ;; esac
"$nsym" upload -q --server "$ours_url" --token "$token" "$debugs" >"$scratch/upload.out" 2>&1 ||
	die "upload failed: $(tail -n 5 "$scratch/upload.out")"
for id in "${ids[@]}"; do
	got=$(curl -s -o /dev/null --max-time 60 -w '%{http_code}' "$ours_url/buildid/$id/debuginfo" || true)
	[ "$got" = 200 ] || die "our server answers $got for $id after the upload"
done

di_url=
if [ $quick = 0 ]; then
	say "starting debuginfod"
	start_debuginfod "$debugs" "$naddons"
	for id in "${ids[@]}"; do
		got=$(curl -s -o /dev/null --max-time 60 -w '%{http_code}' "$di_url/buildid/$id/debuginfo" || true)
		[ "$got" = 200 ] || die "debuginfod answers $got for $id"
	done
fi

# ---- the ways ------------------------------------------------------------
# Each takes a server URL and a fresh empty cache folder, runs from PROJ,
# and leaves its output in $scratch/way.out and .err.
way_fetch() {
	DEBUGINFOD_CACHE_PATH=$2 "$nsym" fetch --server "$1" >"$scratch/way.out" 2>"$scratch/way.err"
}
way_find() {
	local id
	for id in "${ids[@]}"; do
		DEBUGINFOD_URLS=$1 DEBUGINFOD_CACHE_PATH=$2 debuginfod-find debuginfo "$id" >>"$scratch/way.out" 2>>"$scratch/way.err" || return 1
	done
}
# The same loop for 20 build-ids the server lacks (404): what the loop
# costs apart from moving the bytes (process start, connection, request).
way_miss() {
	local id
	for id in "${miss_ids[@]}"; do
		! DEBUGINFOD_URLS=$1 DEBUGINFOD_CACHE_PATH=$2 debuginfod-find debuginfo "$id" >>"$scratch/way.out" 2>>"$scratch/way.err" || return 1
	done
}
# curl's own client, 8 transfers at once as fetch does, into the cache layout.
way_curl() {
	local id args=()
	for id in "${ids[@]}"; do args+=(-o "$2/$id/debuginfo" "$1/buildid/$id/debuginfo"); done
	curl -sS --fail --create-dirs --parallel --parallel-max 8 --max-time 120 "${args[@]}" >"$scratch/way.out" 2>"$scratch/way.err"
}
# No server at all: cp of the 20 files into the cache folder, the cost of
# writing 200 MB into the page cache.
way_cp() {
	cp -t "$2" "$debugs"/*.debug
}
# check_cache CACHE: every file in it is its original, byte for byte.
check_cache() {
	local i
	for ((i = 1; i <= naddons; i++)); do
		cmp -s "$debugs/$i.debug" "$1/${ids[i - 1]}/debuginfo" || die "$1/${ids[i - 1]}/debuginfo differs from $i.debug"
	done
}
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
hz=$(getconf CLK_TCK)
miss_ids=()
for ((i = 1; i <= naddons; i++)); do miss_ids+=("$(printf 'napi-symbols fetch bench miss %d' "$i" | sha1sum | cut -c1-40)"); done

rows="fetch.ours find.ours miss.ours curl.ours cp.none"
[ -z "$di_url" ] || rows+=" fetch.di find.di"
declare -A url_of pid_of
url_of=([ours]=$ours_url [di]=$di_url [none]="")
pid_of=([ours]=$ours_pid [di]=${di_pid:-} [none]="")
mkdir -p "$scratch/res"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# run_way WAY SERVER CACHE: prints "wall_s client_cpu_s server_cpu_s".
run_way() {
	local way=$1 srv=$2 cache=$3 t0 t1 c0=0 c1=0 rc=0 pid=${pid_of[$2]}
	: >"$scratch/way.out"
	: >"$scratch/way.err"
	[ -z "$pid" ] || c0=$(cpu_ticks "$pid")
	t0=$(now)
	timeout 300 bash -c "$(declare -f "way_$way"); nsym='$nsym' scratch='$scratch' debugs='$debugs'
		ids=(${ids[*]}); miss_ids=(${miss_ids[*]}); way_$way '${url_of[$srv]}' '$cache'; rc=\$?
		times >'$scratch/way.times'; exit \$rc" || rc=$?
	t1=$(now)
	[ -z "$pid" ] || c1=$(cpu_ticks "$pid")
	[ $rc = 0 ] || die "$way from ${url_of[$srv]:-nowhere} exited $rc: $(tail -n 3 "$scratch/way.err")"
	# times: children's user and system time on its second line
	echo "$(elapsed "$t0" "$t1") $(awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$scratch/way.times") $(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { print t / hz }')"
}
cd "$proj"
for ((r = 1; r <= runs; r++)); do
	order=$rows
	(((r % 2) == 0)) && order=$(echo "$rows" | tr ' ' '\n' | tac | tr '\n' ' ')
	for row in $order; do
		way=${row%.*} srv=${row#*.}
		cache=$scratch/cache.$row.$r
		rm -rf "$cache"
		mkdir -p "$cache"
		say "round $r/$runs: $way${url_of[$srv]:+ from ${url_of[$srv]}}"
		run_way "$way" "$srv" "$cache" >>"$scratch/res/$row"
		if [ "$way" = fetch ]; then
			grep -q "^$naddons addon identities: $naddons found," "$scratch/way.err" ||
				die "fetch did not find all $naddons: $(tail -n 2 "$scratch/way.err")"
		fi
		if [ "$r" = 1 ]; then
			case $way in fetch | find | curl) check_cache "$cache" ;; esac
		fi
		rm -rf "$cache"
	done
done

# ---- profile (--perf) ----------------------------------------------------
# One more fetch from our server under a system-wide `perf record`: the
# share of each command (the client is napi-symbols, our server's threads
# civetweb-worker; anything else is the machine's other load) and the
# client's heaviest call paths.
profile=
if [ $perf = 1 ]; then
	cache=$scratch/cache.perf
	rm -rf "$cache"
	mkdir -p "$cache"
	say "perf: fetch from our server"
	perf record -q -a -g -F 2999 -o "$scratch/perf.data" -- \
		env DEBUGINFOD_CACHE_PATH="$cache" "$nsym" fetch -q --server "$ours_url" >/dev/null 2>&1 ||
		die "fetch under perf failed"
	profile+=$'\nShare of the samples by command (all CPUs, while fetch ran):\n\n```\n'
	profile+=$(perf report -i "$scratch/perf.data" --no-children --sort comm -g none --stdio 2>/dev/null |
		awk '/^ +[0-9.]+%/ && n++ < 8')
	profile+=$'\n```\n\nThe client (napi-symbols), inclusive of callees:\n\n```\n'
	profile+=$(perf report -i "$scratch/perf.data" --comm napi-symbols --children --sort sym -g none --stdio 2>/dev/null |
		awk '/^ +[0-9.]+%/ && n++ < 25')
	profile+=$'\n```\n'
	rm -rf "$cache"
fi
cd "$root"

# ---- report --------------------------------------------------------------
declare -A med cpu scpu
for row in $rows; do
	med[$row]=$(awk '{ print $1 }' "$scratch/res/$row" | median)
	cpu[$row]=$(awk '{ print $2 }' "$scratch/res/$row" | median)
	scpu[$row]=$(awk '{ print $3 }' "$scratch/res/$row" | median)
done
ratio=$(awk -v a="${med[find.ours]}" -v b="${med[fetch.ours]}" 'BEGIN { printf "%.2f", a / b }')
met=$(awk -v r="$ratio" 'BEGIN { print (r >= 4) ? "met" : "not met" }')
stamp=$(date +%Y-%m-%d-%H%M%S)
mkdir -p "$here/out"
report=$here/out/fetch-$stamp.md
label() {
	case $1 in
	fetch.ours) echo "napi-symbols fetch, our server" ;;
	find.ours) echo "debuginfod-find × $naddons in sequence, our server" ;;
	miss.ours) echo "debuginfod-find × $naddons missing ids (404), our server (reference)" ;;
	curl.ours) echo "curl --parallel (8 at once) into the cache layout, our server (reference)" ;;
	cp.none) echo "cp of the $naddons files into an empty folder, no server (reference)" ;;
	fetch.di) echo "napi-symbols fetch, elfutils debuginfod (reference)" ;;
	find.di) echo "debuginfod-find × $naddons in sequence, elfutils debuginfod (reference)" ;;
	esac
}
{
	echo "## fetch: $naddons addons' debug files, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(uname -m), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs, load average at start $load0"
	echo "- napi-symbols: $("$nsym" --version | awk 'NR == 1'), serve defaults (64 threads), fetch defaults (a worker per CPU, 4 transfers at once); debuginfod-find and debuginfod: $(debuginfod --version 2>&1 | awk 'NR == 1'); $(curl --version | awk 'NR == 1 { print $1, $2 }')"
	echo "- mode: $([ $quick = 1 ] && echo quick || echo full), $runs interleaved round(s), each from an empty cache folder; cells are medians; client CPU = user + system of the client processes, server CPU = of the server process (10 ms ticks)"
	echo "- files: $naddons debug files of the C fixture addon with a ${pad_mb} MB .debug_bench_pad section, $(awk -v b="$total_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB in all; every file fetched is compared byte for byte with its original in round 1"
	echo
	echo "| what | wall s | MB/s | debuginfod-find loop / this | client CPU s | server CPU s |"
	echo "|---|---:|---:|---:|---:|---:|"
	for row in $rows; do
		mbs=$(awk -v b="$total_bytes" -v t="${med[$row]}" 'BEGIN { printf "%.0f", b / 1e6 / t }')
		[ "${row%.*}" != miss ] || mbs=-
		sc=$(printf '%.2f' "${scpu[$row]}")
		[ "$row" != cp.none ] || sc=-
		printf '| %s | %.3f | %s | %.2fx | %.2f | %s |\n' "$(label "$row")" "${med[$row]}" "$mbs" \
			"$(awk -v a="${med[find.ours]}" -v b="${med[$row]}" 'BEGIN { print a / b }')" "${cpu[$row]}" "$sc"
	done
	echo
	echo "Every round (wall seconds): $(for row in $rows; do printf '%s %s; ' "$row" "$(awk '{ print $1 }' "$scratch/res/$row" | paste -sd, -)"; done)"
	echo
	echo "Target (issue 6): fetch ≥ 4× faster than the debuginfod-find loop on our server: **$met** (${ratio}×)"
	printf '%s' "$profile"
} | tee "$report"
say "report written to ${report#"$root"/}"
