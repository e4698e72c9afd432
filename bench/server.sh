#!/usr/bin/env bash
# server.sh [--quick] [--rounds N] [--duration S] [--perf]: the symbol
# server against elfutils' debuginfod, side by side on loopback (issue 5).
#
# The same files are served by `napi-symbols serve` (uploaded to a fresh
# store) and by `debuginfod -F` (indexing a folder that holds them), and
# each server in turn is driven by `wrk -t2 -c16 -d S --latency` on
#   libc:  Debian's libc6-dbg debug file of libc.so.6 (about 4 MB)
#   small: the C fixture's debug file (build/fixtures/c/addon.node.debug,
#          about 15 KB; a generated one if the fixture is not built)
#   miss:  a build-id neither server has (404)
# Cells are medians of N interleaved rounds (ours and debuginfod take turns
# going first). Then:
#   peak RSS: 16 clients (curl) download a 500 MB debug file at once; the
#     server's VmRSS just before, and its peak (VmHWM, reset with
#     /proc/PID/clear_refs, and VmRSS sampled every 50 ms) while they run;
#   upload: `curl --data-binary` of a >= 150 MB debug file (rustbig's, split
#     by `napi-symbols split`) to our server on a fresh store (debuginfod has
#     no upload); median of N.
# --perf adds one more wrk run per cell and server under `perf record -g`
# and prints the top functions of each. --quick is a smoke run: one round of
# 3 s and a 100 MB file for the RSS part, whose target it does not judge
# (BENCH_BIG_MB sets that size).
#
# Packages (Debian bookworm): wrk, debuginfod (0.188), curl, libc6-dbg,
# binutils (objcopy, readelf), gcc, coreutils, iproute2 (ss), gawk or mawk;
# linux-perf for --perf; cargo/rustc to build rustbig on first use
# (bench/gen-rust.sh, a few minutes), or BENCH_UPLOAD_INPUT=FILE.
# Our CLI is build/cli/napi-symbols, or NSYM=path.
#
# Everything runs on 127.0.0.1 (debuginfod 0.188 cannot be told an address:
# it listens on every interface, but only loopback is sent to), with bounded
# durations, and the servers and the scratch folder are removed at exit.
# DEBUGINFOD_URLS is unset, so debuginfod does not federate a miss upstream.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
root=$(cd "$here/.." && pwd)
nsym=${NSYM:-$root/build/cli/napi-symbols}
rounds=3 duration=10 quick=0 perf=0 big_mb=${BENCH_BIG_MB:-500}
usage="usage: server.sh [--quick] [--rounds N] [--duration SECONDS] [--perf]"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 rounds=1 duration=3 big_mb=${BENCH_BIG_MB:-100} ;;
	--rounds) rounds=$2; shift ;;
	--duration) duration=$2; shift ;;
	--perf) perf=1 ;;
	-h | --help) echo "$usage"; exit 0 ;;
	*) echo "$usage" >&2; exit 129 ;;
	esac
	shift
done
case $rounds$duration in *[!0-9]*) echo "$usage" >&2; exit 129 ;; esac
[ "$rounds" -ge 1 ] && [ "$duration" -ge 2 ] || { echo "$usage" >&2; exit 129; }

for tool in wrk debuginfod curl objcopy readelf gcc ss; do
	command -v "$tool" >/dev/null ||
		{ echo "server.sh: $tool not found (Debian packages wrk, debuginfod, curl, binutils, gcc, iproute2)" >&2; exit 1; }
done
[ $perf = 0 ] || command -v perf >/dev/null || { echo "server.sh: perf not found (Debian package linux-perf)" >&2; exit 1; }
[ -x "$nsym" ] || { echo "server.sh: $nsym not built" >&2; exit 1; }
libc_id=$(readelf -n /lib/x86_64-linux-gnu/libc.so.6 | awk '/Build ID:/ { print $3 }')
libc_debug=/usr/lib/debug/.build-id/${libc_id:0:2}/${libc_id:2}.debug
[ -f "$libc_debug" ] || { echo "server.sh: $libc_debug missing (Debian package libc6-dbg)" >&2; exit 1; }
upload_input=${BENCH_UPLOAD_INPUT:-}
if [ -z "$upload_input" ] && [ ! -f "$here/inputs/rustbig" ]; then
	echo "building rustbig" >&2
	"$here/gen-rust.sh" "$here/inputs" >&2
fi
unset DEBUGINFOD_URLS DEBUGINFOD_CACHE_PATH

bench_scratch server
say() { echo "server.sh: $*" >&2; }
die() { say "$*"; exit 1; }
# status URL: "HTTP-CODE BYTES"
status() { curl -s -o /dev/null --max-time 120 -w '%{http_code} %{size_download}' "$1" || true; }
vm() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; } # vm PID VmRSS -> kB
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
hz=$(getconf CLK_TCK)

# ---- inputs --------------------------------------------------------------
files=$scratch/files # debuginfod's folder
mkdir -p "$files" "$scratch/res"
cp "$libc_debug" "$files/libc.debug"
small_src=$root/build/fixtures/c/addon.node.debug
if [ -f "$small_src" ]; then
	cp "$small_src" "$files/small.debug"
else
	printf 'int small_fn(int x) { return x * 3; }\nint main(void) { return small_fn(1); }\n' >"$scratch/small.c"
	gcc -g -O1 -Wl,--build-id -o "$scratch/small" "$scratch/small.c"
	objcopy --only-keep-debug "$scratch/small" "$files/small.debug"
	small_src="generated (gcc -g, objcopy --only-keep-debug)"
fi
small_id=$(readelf -n "$files/small.debug" | awk '/Build ID:/ { print $3 }')
miss_id=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')

# The big file: a real small debug file plus a non-allocated .debug_junk of
# big_mb MB of random bytes, under a build-id of its own.
big_id=5e7e7b16b16b16b16b16b16b16b16b16b16b1600
say "making the ${big_mb} MB debug file"
printf 'int big_fn(int x) { return x + 1; }\nint main(void) { return big_fn(41); }\n' >"$scratch/big.c"
gcc -g -O1 -Wl,--build-id=0x$big_id -o "$scratch/big" "$scratch/big.c"
objcopy --only-keep-debug "$scratch/big" "$scratch/big.dbg"
head -c $((big_mb * 1000000)) /dev/urandom >"$scratch/junk"
objcopy --add-section .debug_junk="$scratch/junk" "$scratch/big.dbg" "$files/big.debug"
rm -f "$scratch/junk" "$scratch/big.dbg" "$scratch/big"
readelf -SW "$files/big.debug" | grep -q ' \.debug_info ' || die "big.debug has no .debug_info"

declare -A cell_id cell_bytes
cell_id=([libc]=$libc_id [small]=$small_id [miss]=$miss_id)
cell_bytes=([libc]=$(stat -c %s "$files/libc.debug") [small]=$(stat -c %s "$files/small.debug") [miss]=0)
big_bytes=$(stat -c %s "$files/big.debug")
cells="libc small miss"

# ---- servers -------------------------------------------------------------
# start_ours STORE NAME: sets ours_pid and ours_url.
start_ours() {
	local i
	"$nsym" serve --store "$1" --listen 127.0.0.1:0 >"$scratch/$2.out" 2>"$scratch/$2.log" &
	ours_pid=$!
	pids+=("$ours_pid")
	for ((i = 0; i < 100; i++)); do
		ours_url=$(sed -n 's/^listening on //p' "$scratch/$2.out" 2>/dev/null || true)
		[ -n "$ours_url" ] && return 0
		kill -0 "$ours_pid" 2>/dev/null || break
		sleep 0.1
	done
	die "our server did not start: $(tail -n 3 "$scratch/$2.log")"
}
# stop PID: SIGTERM (then SIGKILL after 10 s) to a server this script started.
stop() {
	local i keep=() p
	for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	pids=("${keep[@]}")
	kill "$1" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
# upload URL TOKEN FILE NAME: prints "HTTP-CODE SECONDS"; the reply body
# goes to $scratch/upload.json.
upload() {
	curl -s -o "$scratch/upload.json" -w '%{http_code} %{time_total}' --max-time 600 \
		-H "Authorization: Bearer $2" -H 'Content-Type: application/octet-stream' \
		--data-binary "@$3" "$1/api/v1/upload?name=$4" || true
}

say "starting our server"
store=$scratch/store
mkdir -p "$store"
token=$("$nsym" token create --store "$store" --scope upload --name bench)
start_ours "$store" ours
main_pid=$ours_pid ours_base=$ours_url
for f in libc small big; do
	r=$(upload "$ours_base" "$token" "$files/$f.debug" "$f.debug")
	[ "${r%% *}" = 201 ] && grep -q '"kind": "debuginfo"' "$scratch/upload.json" ||
		die "upload of $f.debug: $r $(cat "$scratch/upload.json")"
done

say "starting debuginfod"
start_debuginfod "$files" 3
di_base=$di_url

# Both must answer every cell alike (this also warms the page cache).
for base in "$ours_base" "$di_base"; do
	for c in $cells; do
		want="200 ${cell_bytes[$c]}"
		[ $c = miss ] && want=404
		got=$(status "$base/buildid/${cell_id[$c]}/debuginfo")
		[ "${got%% *}" = 404 ] && got=404
		[ "$got" = "$want" ] || die "$base: $c answered '$got', expected '$want'"
	done
	got=$(status "$base/buildid/$big_id/debuginfo")
	[ "$got" = "200 $big_bytes" ] || die "$base: the big file answered '$got'"
done

# ---- peak RSS: 16 downloads of the big file ------------------------------
alive() { local p; for p; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
# rss_round NAME PID BASE: appends "idle_kB peak_kB seconds" to res/rss.NAME.
rss_round() {
	local name=$1 pid=$2 url=$3/buildid/$big_id/debuginfo idle peak=0 k v rest hwm i t0 t1 bad
	local dl=()
	idle=$(vm "$pid" VmRSS)
	echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true # VmHWM := VmRSS
	t0=$EPOCHREALTIME
	for ((i = 0; i < 16; i++)); do
		curl -s -o /dev/null --max-time 300 -w '%{http_code} %{size_download}\n' "$url" >"$scratch/dl.$i" &
		dl+=($!)
	done
	while alive "${dl[@]}"; do
		while read -r k v rest; do
			[ "$k" = VmRSS: ] && [ "$v" -gt "$peak" ] && peak=$v
		done <"/proc/$pid/status"
		sleep 0.05
	done
	for i in "${dl[@]}"; do wait "$i" || true; done
	t1=$EPOCHREALTIME
	hwm=$(vm "$pid" VmHWM)
	[ "$hwm" -gt "$peak" ] && peak=$hwm
	bad=$(cat "$scratch"/dl.* | grep -vc "^200 $big_bytes\$" || true)
	[ "$bad" = 0 ] || die "$name: $bad of 16 downloads of the big file failed: $(sort "$scratch"/dl.* | uniq -c | tr '\n' ' ')"
	echo "$idle $peak $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >>"$scratch/res/rss.$name"
}

# ---- wrk -----------------------------------------------------------------
lat_ms() { awk -v s="$1" 'BEGIN { u = s; sub(/^[0-9.]+/, "", u); n = s + 0
	print (u == "us") ? n / 1000 : (u == "ms") ? n : (u == "s") ? n * 1000 : (u == "m") ? n * 60000 : n }'; }
# wrk_cell NAME PID BASE CELL: appends "rps p99_ms requests errors non2xx cpu_us_per_req"
wrk_cell() {
	local name=$1 pid=$2 url=$3/buildid/${cell_id[$4]}/debuginfo out=$scratch/wrk.out c0 c1
	c0=$(cpu_ticks "$pid")
	timeout $((duration + 30)) wrk -t2 -c16 -d"${duration}s" --latency "$url" >"$out"
	c1=$(cpu_ticks "$pid")
	awk -v cpu=$((c1 - c0)) -v hz="$hz" -v lat="$(lat_ms "$(awk '$1 == "99%" { print $2 }' "$out")")" '
		/requests in/ { n = $1 }
		/^Requests\/sec:/ { rps = $2 }
		/Socket errors:/ { gsub(/,/, ""); e = $4 + $6 + $8 + $10 }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		END { printf "%s %s %d %d %d %.1f\n", rps, lat, n, e, bad, (n > 0) ? cpu / hz * 1e6 / n : 0 }' \
		"$out" >>"$scratch/res/$4.$name"
	cp "$out" "$scratch/res/$4.$name.last"
}

declare -A pid_of base_of
pid_of=([ours]=$main_pid [debuginfod]=$di_pid)
base_of=([ours]=$ours_base [debuginfod]=$di_base)
order() { if (($1 % 2)); then echo "ours debuginfod"; else echo "debuginfod ours"; fi; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
	for s in $(order $r); do
		say "round $r/$rounds: 16 downloads of big.debug from $s"
		rss_round $s "${pid_of[$s]}" "${base_of[$s]}"
	done
done
for ((r = 1; r <= rounds; r++)); do
	for c in $cells; do
		for s in $(order $r); do
			say "round $r/$rounds: wrk $c on $s"
			wrk_cell $s "${pid_of[$s]}" "${base_of[$s]}" $c
		done
	done
done

# ---- profiles (--perf) ---------------------------------------------------
profiles=
if [ $perf = 1 ]; then
	for c in $cells; do
		for s in ours debuginfod; do
			say "perf: wrk $c on $s"
			url=${base_of[$s]}/buildid/${cell_id[$c]}/debuginfo
			timeout $((duration + 30)) wrk -t2 -c16 -d"${duration}s" --latency "$url" >"$scratch/perf.wrk" &
			w=$!
			sleep 1
			perf record -q -e cpu-clock -F 999 -g -p "${pid_of[$s]}" -o "$scratch/perf.data" -- sleep $((duration - 2)) 2>/dev/null || true
			wait $w || true
			profiles+=$'\n'"### $c, $s ($(awk '/^Requests\/sec:/ { print $2 }' "$scratch/perf.wrk") req/s under perf)"$'\n\n```\n'
			profiles+=$(perf report -i "$scratch/perf.data" --no-children -g none --stdio --sort dso,sym 2>/dev/null |
				awk '/^ +[0-9.]+%/ && n++ < 12' || true)
			profiles+=$'\n```\n'
		done
	done
fi
stop "$main_pid"
stop "$di_pid"

# ---- upload --------------------------------------------------------------
if [ -n "$upload_input" ]; then
	up_file=$upload_input
else
	say "splitting rustbig for the upload"
	"$nsym" split -q -f -o "$scratch/rustbig.node" -d "$scratch/rustbig.debug" "$here/inputs/rustbig"
	up_file=$scratch/rustbig.debug
fi
up_bytes=$(stat -c %s "$up_file")
cat "$up_file" >/dev/null # in the page cache for every run
for ((r = 1; r <= rounds; r++)); do
	say "round $r/$rounds: upload of $(basename "$up_file") ($up_bytes bytes) to a fresh store"
	st=$scratch/upstore
	rm -rf "$st"
	mkdir -p "$st"
	tok=$("$nsym" token create --store "$st" --scope upload --name bench)
	start_ours "$st" upload
	first=$(upload "$ours_url" "$tok" "$up_file" up.debug)
	again=$(upload "$ours_url" "$tok" "$up_file" up.debug)
	stop "$ours_pid"
	[ "${first%% *}" = 201 ] || die "upload: $first $(cat "$scratch/upload.json")"
	[ "${again%% *}" = 200 ] || die "upload again: $again $(cat "$scratch/upload.json")"
	t0=$EPOCHREALTIME
	sha256sum "$up_file" >/dev/null
	t1=$EPOCHREALTIME
	echo "${first#* } ${again#* } $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >>"$scratch/res/upload"
	rm -rf "$st"
done

# ---- report --------------------------------------------------------------
col() { awk -v k="$2" '{ print $k }' "$scratch/res/$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0) ? "%.2fx" : "n/a", a / b }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
stamp=$(date +%Y-%m-%d-%H%M%S)
mkdir -p "$here/out"
report=$here/out/server-$stamp.md
rps_met=yes p99_met=yes rps_miss='' p99_miss=''
{
	echo "## symbol server: napi-symbols serve against debuginfod, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(uname -m), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs, load average at start $load0"
	echo "- napi-symbols: $("$nsym" --version | awk 'NR == 1') (${nsym#$root/}), serve defaults; debuginfod: $(debuginfod --version | awk 'NR == 1'), libmicrohttpd $(dpkg-query -W -f '${Version}' libmicrohttpd12 2>/dev/null || echo '?'), defaults but -t 0 -g 0 (no rescan, no groom); wrk: $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
	echo "- mode: $([ $quick = 1 ] && echo quick || echo full), $rounds interleaved round(s), wrk -t2 -c16 -d${duration}s --latency on 127.0.0.1; cells are medians over the rounds"
	echo "- files: libc = $(basename "$libc_debug") ($(mb "${cell_bytes[libc]}") MB), small = ${small_src#$root/} (${cell_bytes[small]} bytes), miss = a random build-id (404)"
	echo
	echo "| cell | req/s ours | req/s debuginfod | ours/theirs | p99 ms ours | p99 ms debuginfod | ours/theirs | server CPU µs/req ours | theirs | socket errors ours | theirs |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for c in $cells; do
		ro=$(col $c.ours 1) rt=$(col $c.debuginfod 1) po=$(col $c.ours 2) pt=$(col $c.debuginfod 2)
		printf '| %s | %.0f | %.0f | %s | %.2f | %.2f | %s | %.0f | %.0f | %s | %s |\n' "$c" "$ro" "$rt" "$(ratio "$ro" "$rt")" \
			"$po" "$pt" "$(ratio "$po" "$pt")" "$(col $c.ours 6)" "$(col $c.debuginfod 6)" \
			"$(awk '{ s += $4 } END { print s + 0 }' "$scratch/res/$c.ours")" \
			"$(awk '{ s += $4 } END { print s + 0 }' "$scratch/res/$c.debuginfod")"
		awk -v a="$ro" -v b="$rt" 'BEGIN { exit !(a >= b) }' || { rps_met=no; rps_miss+=" $c"; }
		awk -v a="$po" -v b="$pt" 'BEGIN { exit !(a <= b) }' || { p99_met=no; p99_miss+=" $c"; }
	done
	echo
	echo "Every round, per cell (req/s, p99 ms; ours then debuginfod):"
	echo
	for c in $cells; do
		echo "- $c: ours $(awk '{ printf "%s%.0f/%.2f", (NR > 1) ? ", " : "", $1, $2 }' "$scratch/res/$c.ours");" \
			"debuginfod $(awk '{ printf "%s%.0f/%.2f", (NR > 1) ? ", " : "", $1, $2 }' "$scratch/res/$c.debuginfod")"
	done
	echo
	echo "Peak RSS while 16 clients download big.debug ($(mb "$big_bytes") MB) at once, median of $rounds:"
	echo
	echo "| server | idle RSS MB | peak RSS MB | above idle MB (max of rounds) | seconds for the 16 downloads | GB/s sent |"
	echo "|---|---:|---:|---:|---:|---:|"
	for s in ours debuginfod; do
		f=$scratch/res/rss.$s
		printf '| %s | %.1f | %.1f | %.1f (%.1f) | %.2f | %.2f |\n' "$s" "$(col rss.$s 1 | awk '{ print $1 / 1024 }')" \
			"$(col rss.$s 2 | awk '{ print $1 / 1024 }')" \
			"$(awk '{ print ($2 - $1) / 1024 }' "$f" | median)" "$(awk '{ d = ($2 - $1) / 1024; if (d > m) m = d } END { print m + 0 }' "$f")" \
			"$(col rss.$s 3)" "$(awk -v b="$big_bytes" '{ print 16 * b / $3 / 1e9 }' "$f" | median)"
	done
	rss_delta=$(awk '{ d = ($2 - $1) / 1024; if (d > m) m = d } END { printf "%.1f\n", m }' "$scratch/res/rss.ours")
	echo
	echo "Upload of $(basename "$up_file") ($(mb "$up_bytes") MB) with curl --data-binary to our server on a fresh store, median of $rounds (debuginfod has no upload):"
	echo
	echo "| what | seconds | MB/s |"
	echo "|---|---:|---:|"
	for k in "1:first upload (201: streamed, hashed, identified, fsynced, renamed, recorded)" \
		"2:the same file again (200: all of that but the rename and the row)" \
		"3:sha256sum of the file, for scale"; do
		t=$(col upload "${k%%:*}")
		printf '| %s | %.2f | %.0f |\n' "${k#*:}" "$t" "$(awk -v b="$up_bytes" -v t="$t" 'BEGIN { print b / 1e6 / t }')"
	done
	echo
	echo "Targets (issue 5):"
	echo
	echo "- req/s ≥ debuginfod's in every cell: **$([ $rps_met = yes ] && echo met || echo "not met: ${rps_miss# }")**"
	echo "- p99 latency ≤ debuginfod's in every cell: **$([ $p99_met = yes ] && echo met || echo "not met: ${p99_miss# }")**"
	if [ "$big_mb" -ge 500 ]; then
		echo "- peak RSS under 64 MB above idle during 16 downloads of a 500 MB file: **$(awk -v d="$rss_delta" 'BEGIN { print (d < 64) ? "met" : "not met" }')** ($rss_delta MB above idle at most, over $rounds round(s))"
	else
		echo "- peak RSS under 64 MB above idle: not judged, this run used a $big_mb MB file (the target is for 500 MB)"
	fi
	if [ -n "$profiles" ]; then
		echo
		echo "Profiles (perf record -e cpu-clock -g of the server during one more wrk run per cell; self time, top symbols):"
		echo "$profiles"
	fi
} | tee "$report"
say "report: ${report#$root/}"
