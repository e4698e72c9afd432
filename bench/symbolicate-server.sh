#!/usr/bin/env bash
# symbolicate-server.sh [--quick] [--duration S] [--perf]: the server's
# symbolicate route under load (issue 17, "Speed").
#
# One crash of 64 frames over 4 modules (the C and Rust fixture addons and
# their clang and v0-mangling builds: build/fixtures; without the Rust
# fixtures, two more C builds), 16 frames in each, sent as our crash
# report JSON and as a Mozilla symbolication v5 request. After a warm-up
# that builds the symcaches, each body is driven by
# `wrk -t2 -c16 -d S --latency` with a Lua script that POSTs it; the
# server's peak RSS during the run is its VmHWM, reset before it
# (/proc/PID/clear_refs), and its CPU time (utime + stime) is divided by
# the requests answered. Nothing else runs meanwhile: a loop sampling
# VmRSS with awk every 0.2 s (ten processes a second) took the report's
# p99 from 2.9-3.6 ms to 4.6-5.8 ms here (docs/performance.md).
# In the same run, `napi-symbols symbolicate --no-fetch` on the same report
# here, its debug files in the download cache (median of 20 runs). Then
# the first request for a module without a symcache, against the size of
# its debug file: the fixtures and, when bench/inputs/c50k exists (or
# BENCH_INPUTS=DIR holds it; bench/gen-c.sh makes it), the 98 MB c50k.
# --perf adds one more wrk run of each body under `perf record
# --call-graph dwarf` (the binaries have no frame pointers) and prints the
# top functions. --runs N repeats the wrk runs N times, the bodies taking
# turns, and adds the medians. --quick: 3 s runs. Prints a Markdown table,
# also written to bench/out/symbolicate-server-DATE.md.
#
# Packages (Debian bookworm): wrk, curl, binutils (nm, readelf), coreutils,
# gawk or mawk; linux-perf for --perf. Our CLI is build/cli/napi-symbols,
# or NSYM=path; the fixtures are those its build made. Everything runs on
# 127.0.0.1 with bounded durations; the server and the scratch folder are
# removed at exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
root=$(cd "$here/.." && pwd)
nsym=${NSYM:-$root/build/cli/napi-symbols}
fixtures=${BENCH_FIXTURES:-$root/build/fixtures}
inputs=${BENCH_INPUTS:-$here/inputs}
duration=10 perf=0 runs=1
usage="usage: symbolicate-server.sh [--quick] [--duration SECONDS] [--runs N] [--perf]"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) duration=3 ;;
	--duration) duration=$2; shift ;;
	--runs) runs=$2; shift ;;
	--perf) perf=1 ;;
	-h | --help) echo "$usage"; exit 0 ;;
	*) echo "$usage" >&2; exit 129 ;;
	esac
	shift
done
case $duration$runs in '' | *[!0-9]*) echo "$usage" >&2; exit 129 ;; esac
[ "$runs" -ge 1 ] || { echo "$usage" >&2; exit 129; }

say() { echo "symbolicate-server.sh: $*" >&2; }
die() { say "$*"; exit 1; }
for tool in wrk curl nm readelf; do
	command -v "$tool" >/dev/null || die "$tool not found (Debian packages wrk, curl, binutils)"
done
[ $perf = 0 ] || command -v perf >/dev/null || die "perf not found (Debian package linux-perf)"
[ -x "$nsym" ] || die "$nsym not built"
[ -f "$fixtures/c/addon.node.debug" ] || die "no fixtures in $fixtures (build the project first)"
unset DEBUGINFOD_URLS NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN

bench_scratch symbolicate
export DEBUGINFOD_CACHE_PATH=$scratch/cache XDG_CACHE_HOME=$scratch/xdg
vm() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; } # vm PID VmRSS -> kB
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }

# ---- the crash ---------------------------------------------------------------
modules=(c/addon c/addon-clang rust/addon rust/addon-v0)
[ -f "$fixtures/rust/addon.node.debug" ] || modules=(c/addon c/addon-clang c/addon-dwarf4 c/addon-zstd)
build_id() { readelf -n "$1" | awk '/Build ID:/ { print $3 }'; }
debug_id() { "$nsym" inspect "$1" | awk '$1 == "debug" && $2 == "id:" { print $3 }'; }
# frames FILE N: N offsets, the middle of N functions spread over FILE's
# symbol table (decimal)
frames() {
	nm -S --defined-only "$1" | awk -v n="$2" '
		NF == 4 && $3 ~ /^[tT]$/ && $2 !~ /^0+$/ { s[k++] = $1; z[$1] = $2 }
		function num(h,   v, i) { h = tolower(h); v = 0
			for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v }
		END { for (i = 0; i < n; i++) { f = s[int(i * k / n)]; printf "%d\n", num(f) + int(num(z[f]) / 2) } }'
}
report_mods= report_frames= v5_map= v5_frames=
for i in "${!modules[@]}"; do
	m=${modules[$i]} bin=$fixtures/${modules[$i]}.node
	base=$((0x7f0000000000 + i * 0x10000000))
	report_mods+="${report_mods:+, }{\"path\": \"/app/$m.node\", \"id\": \"$(build_id "$bin")\", \"id_kind\": \"build-id\", \"base\": \"$(printf '0x%x' $base)\", \"ranges\": []}"
	v5_map+="${v5_map:+, }[\"$(basename "$m").node\", \"$(debug_id "$bin")\"]"
	while read -r off; do
		report_frames+="${report_frames:+, }{\"pc\": \"$(printf '0x%x' $((base + off)))\", \"module\": $i, \"rel\": \"$(printf '0x%x' "$off")\", \"return_address\": true}"
		v5_frames+="${v5_frames:+, }[$i, $off]"
	done < <(frames "$bin" 16)
done
cat >"$scratch/report.json" <<EOF
{"format": "napi-symbols-crash", "version": 1, "reason": "signal", "signal": {"number": 11, "name": "SIGSEGV", "code": 1, "address": "0x0"}, "pid": 4242, "tid": 4242, "thread_name": "node", "time": "2026-12-07T00:00:00Z", "arch": "x86_64", "modules": [$report_mods], "frames": [$report_frames]}
EOF
echo "{\"jobs\": [{\"memoryMap\": [$v5_map], \"stacks\": [[$v5_frames]]}]}" >"$scratch/v5.json"
[ "$(grep -o '"pc"' "$scratch/report.json" | wc -l)" = 64 ] || die "the report does not hold 64 frames"

# ---- the server --------------------------------------------------------------
# start STORE NAME [SERVE-OPTION...]: sets pid and url
start() {
	local i store=$1 name=$2
	shift 2
	token=$("$nsym" token create --store "$store" --scope upload --name bench)
	"$nsym" serve --store "$store" --listen 127.0.0.1:0 "$@" >"$scratch/$name.out" 2>"$scratch/$name.log" &
	pid=$!
	pids+=("$pid")
	for ((i = 0; i < 100; i++)); do
		url=$(sed -n 's/^listening on //p' "$scratch/$name.out" 2>/dev/null || true)
		[ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	die "the server did not start: $(tail -n 3 "$scratch/$name.log")"
}
upload() {
	local r
	r=$(curl -s -o "$scratch/up.json" -w '%{http_code}' --max-time 600 -H "Authorization: Bearer $token" \
		--data-binary "@$1" "$url/api/v1/upload?name=$(basename "$1")")
	[ "$r" = 201 ] || [ "$r" = 200 ] || die "upload of $1: $r $(cat "$scratch/up.json")"
}
# post BODY: prints "HTTP-CODE SECONDS"; the answer in $scratch/answer
post() { curl -s -o "$scratch/answer" -w '%{http_code} %{time_total}' --max-time 600 --data-binary "@$1" "$url/api/v1/symbolicate"; }

declare -A warm res
say "starting the server, uploading ${modules[*]}"
start "$scratch/store" serve
for m in "${modules[@]}"; do upload "$fixtures/$m.node.debug"; done
for body in report v5; do
	for round in 1 2; do
		r=$(post "$scratch/$body.json")
		[ "${r%% *}" = 200 ] || die "warm-up $body: $r $(head -c 300 "$scratch/answer")"
	done
	n=$(grep -o '"function": "[^?]' "$scratch/answer" | wc -l)
	[ "$n" -ge 64 ] || die "warm-up $body: $n functions found for 64 frames: $(head -c 600 "$scratch/answer")"
	warm[$body]=$(ms "${r#* }")
done
# (built on upload, or by the warm-up; kept in the store)
built=$(curl -s "$url/metrics" | awk '$1 == "nsym_symcache_builds_total{result=\"built\"}" { print $2 }')
[ "${built:-0}" -ge ${#modules[@]} ] || die "symcaches built: ${built:-0}, not ${#modules[@]}"

cat >"$scratch/post.lua" <<'EOF'
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
f:close()
EOF

# cpu_ticks PID: the server's utime + stime so far, in clock ticks
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# load BODY: wrk on the route; sets rps, p50, p99 (ms), hwm (the peak
# VmRSS in kB, since the server started when hwm_since says so), cpu_ms
# (the server's CPU time per request, which the machine's load changes far
# less than the rate), errors
hwm_since="the run"
load() {
	local t0 t1 n
	# VmHWM := VmRSS; a kernel that refuses leaves the peak since start
	echo 5 2>/dev/null >"/proc/$pid/clear_refs" || hwm_since="the server's start"
	t0=$(cpu_ticks "$pid")
	BODY=$1 wrk -t2 -c16 -d"${duration}s" --latency -s "$scratch/post.lua" "$url/api/v1/symbolicate" >"$scratch/wrk" 2>&1
	t1=$(cpu_ticks "$pid")
	n=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$scratch/wrk")
	cpu_ms=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v n="${n:-0}" 'BEGIN { printf "%.3f", (n > 0 ? t * 1000 / hz / n : 0) }')
	hwm=$(vm "$pid" VmHWM)
	rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$scratch/wrk")
	p50=$(awk '$1 == "50%" { print $2 }' "$scratch/wrk")
	p99=$(awk '$1 == "99%" { print $2 }' "$scratch/wrk")
	errors=$(awk '/Non-2xx|Socket errors/ { sub(/^ */, ""); printf "%s; ", $0 }' "$scratch/wrk")
}

# in_ms VALUE: wrk's "830.00us", "5.08ms" or "1.02s" in milliseconds
in_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; printf "%.2f", n }'; }
# median VALUES...: the middle one (the lower of the two middle ones)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

rss_idle=$(vm "$pid" VmRSS)
declare -A rows rates p99s
# the bodies take turns, so that a noisy minute of the machine falls on both
for ((run = 1; run <= runs; run++)); do
	for body in report v5; do
		say "wrk -t2 -c16 -d${duration}s on the $body body, run $run of $runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
		load "$scratch/$body.json"
		rows[$body]+="| $body$([ "$runs" = 1 ] || echo " (run $run)") | $rps | $p50 | $p99 | $cpu_ms ms | $((hwm / 1024)) MiB | $(cut -d' ' -f1 /proc/loadavg) | ${errors:-none} |"$'\n'
		rates[$body]+=" $rps" p99s[$body]+=" $(in_ms "$p99")"
	done
done

if [ $perf = 1 ]; then
	for body in report v5; do
		say "perf record during one more run of the $body body"
		perf record --call-graph dwarf,16384 -F 499 -o "$scratch/perf.data" -p "$pid" -- sleep "$duration" >/dev/null 2>&1 &
		perf_pid=$!
		load "$scratch/$body.json"
		wait "$perf_pid" || true
		# the lines of functions (not of call chains), frames without a symbol left out
		perf report -i "$scratch/perf.data" --no-children --stdio 2>/dev/null |
			awk '/^ +[0-9.]+%/ && !/\[unknown\]/ && n++ < 30' >"$scratch/perf.$body.top" || true
		perf report -i "$scratch/perf.data" --children --stdio 2>/dev/null |
			awk '/^ +[0-9.]+%/ && !/\[unknown\]/ && n++ < 40' >"$scratch/perf.$body.children" || true
	done
fi

# ---- symbolicate here ----------------------------------------------------------
say "napi-symbols symbolicate here, on the same report"
"$nsym" symbolicate --local --server "$url" --json "$scratch/report.json" >"$scratch/local.json" 2>"$scratch/local.err" ||
	die "symbolicate --local: $(cat "$scratch/local.err")"
times=()
for ((i = 0; i < 20; i++)); do
	t0=$EPOCHREALTIME
	"$nsym" symbolicate --no-fetch --json "$scratch/report.json" >"$scratch/local.json" 2>/dev/null ||
		die "symbolicate --no-fetch failed"
	t1=$EPOCHREALTIME
	times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) * 1000 }')")
done
local_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
n=$(grep -o '"function": "[^?]' "$scratch/local.json" | wc -l)
[ "$n" -ge 64 ] || die "symbolicate here found $n functions for 64 frames"

# ---- the first request for a module without a symcache -------------------------
cold_rows=()
# cold NAME BINARY DEBUG: a fresh store holding DEBUG, with no symcache
# built on upload; one v5 request of 16 frames in it, twice: the first
# builds the symcache
cold() {
	local name=$1 bin=$2 dbg=$3 v5 first second size
	start "$scratch/cold-$name" "cold-$name" --symcache-queue 0
	upload "$dbg"
	v5=$(frames "$bin" 16 | awk '{ printf "%s[0, %s]", (NR > 1 ? ", " : ""), $1 }')
	echo "{\"jobs\": [{\"memoryMap\": [[\"$name\", \"$(debug_id "$bin")\"]], \"stacks\": [[$v5]]}]}" >"$scratch/cold.json"
	first=$(post "$scratch/cold.json")
	[ "${first%% *}" = 200 ] || die "cold $name: $first"
	second=$(post "$scratch/cold.json")
	size=$(curl -s -o /dev/null -w '%{size_download}' "$url/buildid/$(build_id "$bin")/symcache")
	cold_rows+=("| $name | $(($(stat -c %s "$dbg") / 1024)) KiB | $((size / 1024)) KiB | $(ms "${first#* }") | $(ms "${second#* }") |")
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
for m in "${modules[@]}"; do
	say "first request for $m"
	cold "${m//\//-}.node" "$fixtures/$m.node" "$fixtures/$m.node.debug"
done
if [ -f "$inputs/c50k" ]; then
	say "first request for c50k ($(($(stat -c %s "$inputs/c50k") / 1048576)) MiB)"
	cold c50k "$inputs/c50k" "$inputs/c50k"
else
	say "no $inputs/c50k (bench/gen-c.sh makes it): its row is left out"
fi

# ---- the table -----------------------------------------------------------------
mkdir -p "$here/out"
report=$here/out/symbolicate-server-$(date -u '+%Y-%m-%d-%H%M%S').md
{
echo "symbolicate route, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')),"
echo "wrk -t2 -c16 -d${duration}s, 64 frames over ${modules[*]} (16 each), symcaches built; server RSS idle $((rss_idle / 1024)) MiB"
echo
echo "| body | requests/s | p50 | p99 | server CPU per request | peak RSS (VmHWM) | load average after | errors |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s' "${rows[report]}" "${rows[v5]}"
echo
echo "peak RSS: the server's VmHWM over $hwm_since"
if [ "$runs" -gt 1 ]; then
	echo
	for body in report v5; do
		# shellcheck disable=SC2086 # the lists are of numbers
		echo "$body, median of $runs runs: $(median ${rates[$body]}) requests/s, p99 $(median ${p99s[$body]}) ms (p99 of each run:${p99s[$body]} ms)"
	done
fi
echo
echo "one request, warm: report $(printf '%s' "${warm[report]}") ms, v5 $(printf '%s' "${warm[v5]}") ms (curl); \`napi-symbols symbolicate --no-fetch\` on the same report here, debug files in its download cache: median $local_ms ms of 20 runs"
echo
echo "| first request for a module without a symcache | debug file | symcache | first (ms) | second (ms) |"
echo "|---|---|---|---|---|"
printf '%s\n' "${cold_rows[@]}"
if [ $perf = 1 ]; then
	for body in report v5; do
		echo
		echo "perf (self), the $body body under load:"
		echo '```'
		cat "$scratch/perf.$body.top"
		echo '```'
		echo "perf (children):"
		echo '```'
		cat "$scratch/perf.$body.children"
		echo '```'
	done
fi
} | tee "$report"
say "the table is also in $report"
