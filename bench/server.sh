#!/usr/bin/env bash
# server.sh [--quick] [--rounds N] [--duration S] [--perf] [--scaled]: the
# symbol server against elfutils' debuginfod, side by side on loopback
# (issue 5); with --scaled, the embedded store against the scaled one
# (issue 18).
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
# --scaled runs the same wrk cells, in the same interleaved rounds, against
#   embedded: one server on the embedded store (sqlite and a blob folder);
#   scaled:   one server on PostgreSQL 15 and radosgw (tests/scale/cluster.sh
#             starts them in the scratch folder, on free loopback ports);
#   lb:       two such servers behind haproxy (round robin);
# each with its ratio to the embedded server, the CPU per request of the
# servers and of what stands behind them (PostgreSQL, radosgw and its OSD),
# and a profile of the whole machine (perf record -a, by process) of every
# cell where a scaled server answers fewer than half the embedded one's
# requests per second. The upload part sends the same file to the embedded
# store and to S3 (a delete between rounds, the object going with its row:
# delete_grace=0). No debuginfod and no RSS part: issue 5's bench has them.
# Packages: those of tests/scale (scripts/install-scale-deps.sh), and
# linux-perf for the profiles.
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
rounds=3 duration=10 quick=0 perf=0 scaled=0 big_mb=${BENCH_BIG_MB:-500}
usage="usage: server.sh [--quick] [--rounds N] [--duration SECONDS] [--perf] [--scaled]"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 rounds=1 duration=3 big_mb=${BENCH_BIG_MB:-100} ;;
	--rounds) rounds=$2; shift ;;
	--duration) duration=$2; shift ;;
	--perf) perf=1 ;;
	--scaled) scaled=1 ;;
	-h | --help) echo "$usage"; exit 0 ;;
	*) echo "$usage" >&2; exit 129 ;;
	esac
	shift
done
case $rounds$duration in *[!0-9]*) echo "$usage" >&2; exit 129 ;; esac
[ "$rounds" -ge 1 ] && [ "$duration" -ge 2 ] || { echo "$usage" >&2; exit 129; }

for tool in wrk debuginfod curl objcopy readelf gcc ss; do
	[ $scaled = 1 ] && [ $tool = debuginfod ] && continue
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
# cpu_ticks PID...: user and system clock ticks of the processes, summed
cpu_ticks() {
	local p v t=0
	for p; do
		v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		t=$((t + ${v:-0}))
	done
	echo $t
}
# behind_pids SERVER: what stands behind a scaled server (PostgreSQL's
# postmaster and its backends, the Ceph daemons and radosgw, haproxy);
# nothing for the embedded store, whose work is the server's own.
behind_pids() {
	[ $scaled = 1 ] && [ "$1" != embedded ] || return 0
	local pm
	pm=$(head -n 1 "$scale_dir/pg/data/postmaster.pid" 2>/dev/null) || true
	[ -n "$pm" ] && echo "$pm" $(pgrep -P "$pm")
	cat "$scale_dir"/ceph/run/*.pid "$scale_dir/haproxy.pid" 2>/dev/null || true
}
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
# big_mb MB of random bytes, under a build-id of its own (none in --scaled,
# which has no RSS part).
big_id=5e7e7b16b16b16b16b16b16b16b16b16b16b1600
if [ $scaled = 0 ]; then
	say "making the ${big_mb} MB debug file"
	printf 'int big_fn(int x) { return x + 1; }\nint main(void) { return big_fn(41); }\n' >"$scratch/big.c"
	gcc -g -O1 -Wl,--build-id=0x$big_id -o "$scratch/big" "$scratch/big.c"
	objcopy --only-keep-debug "$scratch/big" "$scratch/big.dbg"
	head -c $((big_mb * 1000000)) /dev/urandom >"$scratch/junk"
	objcopy --add-section .debug_junk="$scratch/junk" "$scratch/big.dbg" "$files/big.debug"
	rm -f "$scratch/junk" "$scratch/big.dbg" "$scratch/big"
	readelf -SW "$files/big.debug" | grep -q ' \.debug_info ' || die "big.debug has no .debug_info"
	big_bytes=$(stat -c %s "$files/big.debug")
fi

declare -A cell_id cell_bytes
cell_id=([libc]=$libc_id [small]=$small_id [miss]=$miss_id)
cell_bytes=([libc]=$(stat -c %s "$files/libc.debug") [small]=$(stat -c %s "$files/small.debug") [miss]=0)
cells="libc small miss"

# ---- servers -------------------------------------------------------------
# start_ours STORE NAME [SERVE ARGS]: sets ours_pid and ours_url.
start_ours() {
	local i
	"$nsym" serve --store "$1" --listen 127.0.0.1:0 "${@:3}" >"$scratch/$2.out" 2>"$scratch/$2.log" &
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

# upload_all URL TOKEN FILE...: each FILE uploaded, or the script stops.
upload_all() {
	local url=$1 tok=$2 f r
	shift 2
	for f; do
		r=$(upload "$url" "$tok" "$files/$f.debug" "$f.debug")
		[ "${r%% *}" = 201 ] && grep -q '"kind": "debuginfo"' "$scratch/upload.json" ||
			die "upload of $f.debug to $url: $r $(cat "$scratch/upload.json")"
	done
}

# servers: the names in the tables; pid_of: the serve processes whose CPU
# a cell counts; base_of: the URL wrk is given.
declare -A pid_of base_of
store=$scratch/store
mkdir -p "$store"
token=$("$nsym" token create --store "$store" --scope upload --name bench)
if [ $scaled = 1 ]; then
	say "starting PostgreSQL, Ceph and radosgw (tests/scale/cluster.sh)"
	. "$root/tests/scale/cluster.sh"
	fail() { die "$*"; }
	scale_dir=$scratch/scale
	mkdir -p "$scale_dir"
	chmod 711 "$scratch" # PostgreSQL runs as the postgres user
	trap 'set +e; scale_stop; bench_cleanup' EXIT
	set +e # cluster.sh's helpers test and fail on their own
	scale_require
	scale_start
	# 16 threads each: what cluster.sh gives the scaled servers
	for s in scaled lb1 lb2; do scale_serve $s; done
	scale_haproxy_start lb1 lb2
	set -e
	upload_all "${serve_url[scaled]}" "$("$nsym" token create --store "$pg_url" --scope upload --name bench)" libc small
	say "starting the embedded server"
	start_ours "$store" embedded --threads 16
	upload_all "$ours_url" "$token" libc small
	servers="embedded scaled lb"
	pid_of=([embedded]=$ours_pid [scaled]=${serve_pid[scaled]} [lb]="${serve_pid[lb1]} ${serve_pid[lb2]}")
	base_of=([embedded]=$ours_url [scaled]=${serve_url[scaled]} [lb]=$lb_url)
else
	say "starting our server"
	start_ours "$store" ours
	upload_all "$ours_url" "$token" libc small big
	say "starting debuginfod"
	start_debuginfod "$files" 3
	servers="ours debuginfod"
	pid_of=([ours]=$ours_pid [debuginfod]=$di_pid)
	base_of=([ours]=$ours_url [debuginfod]=$di_url)
fi

# All must answer every cell alike (this also warms the page cache).
for s in $servers; do
	base=${base_of[$s]}
	for c in $cells; do
		want="200 ${cell_bytes[$c]}"
		[ $c = miss ] && want=404
		got=$(status "$base/buildid/${cell_id[$c]}/debuginfo")
		[ "${got%% *}" = 404 ] && got=404
		[ "$got" = "$want" ] || die "$s: $c answered '$got', expected '$want'"
	done
	[ $scaled = 1 ] && continue
	got=$(status "$base/buildid/$big_id/debuginfo")
	[ "$got" = "200 $big_bytes" ] || die "$s: the big file answered '$got'"
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
# wrk_cell NAME CELL: appends "rps p99_ms requests errors non2xx
# cpu_us_per_req behind_cpu_us_per_req" (the CPU of NAME's servers, and
# of what stands behind them) to res/CELL.NAME
wrk_cell() {
	local name=$1 url=${base_of[$1]}/buildid/${cell_id[$2]}/debuginfo out=$scratch/wrk.out c0 c1 b0 b1 behind
	behind=$(behind_pids "$name")
	c0=$(cpu_ticks ${pid_of[$name]}) b0=$(cpu_ticks $behind)
	timeout $((duration + 30)) wrk -t2 -c16 -d"${duration}s" --latency "$url" >"$out"
	c1=$(cpu_ticks ${pid_of[$name]}) b1=$(cpu_ticks $behind)
	awk -v cpu=$((c1 - c0)) -v bcpu=$((b1 - b0)) -v hz="$hz" -v lat="$(lat_ms "$(awk '$1 == "99%" { print $2 }' "$out")")" '
		/requests in/ { n = $1 }
		/^Requests\/sec:/ { rps = $2 }
		/Socket errors:/ { gsub(/,/, ""); e = $4 + $6 + $8 + $10 }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		END { printf "%s %s %d %d %d %.1f %.1f\n", rps, lat, n, e, bad, (n > 0) ? cpu / hz * 1e6 / n : 0,
		      (n > 0) ? bcpu / hz * 1e6 / n : 0 }' \
		"$out" >>"$scratch/res/$2.$name"
	cp "$out" "$scratch/res/$2.$name.last"
}

# order ROUND: the servers, rotated by ROUND, so that each goes first in turn
order() {
	local list=($servers) i n
	n=${#list[@]}
	for ((i = 0; i < n; i++)); do echo "${list[(i + $1) % n]}"; done
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds && !scaled; r++)); do
	for s in $(order $r); do
		say "round $r/$rounds: 16 downloads of big.debug from $s"
		rss_round $s "${pid_of[$s]}" "${base_of[$s]}"
	done
done
for ((r = 1; r <= rounds; r++)); do
	for c in $cells; do
		for s in $(order $r); do
			say "round $r/$rounds: wrk $c on $s"
			wrk_cell $s $c
		done
	done
done

# ---- profiles (--perf) ---------------------------------------------------
# profile CELL SERVER: one more wrk run under perf, whose top symbols are
# added to $profiles: of the server's processes and (--scaled) of those
# behind them, by process, since PostgreSQL and radosgw do part of the work.
profiles=
profile() {
	local c=$1 s=$2 url=${base_of[$2]}/buildid/${cell_id[$1]}/debuginfo w sort=dso,sym
	[ $scaled = 1 ] && sort=comm,dso,sym
	say "perf: wrk $c on $s"
	timeout $((duration + 30)) wrk -t2 -c16 -d"${duration}s" --latency "$url" >"$scratch/perf.wrk" &
	w=$!
	sleep 1
	perf record -q -e cpu-clock -F 999 -g -p "$(echo ${pid_of[$s]} $(behind_pids "$s") | tr ' ' ,)" -o "$scratch/perf.data" -- sleep $((duration - 2)) 2>/dev/null || true
	wait $w || true
	profiles+=$'\n'"### $c, $s ($(awk '/^Requests\/sec:/ { print $2 }' "$scratch/perf.wrk") req/s under perf)"$'\n\n```\n'
	if [ $scaled = 1 ]; then
		profiles+=$(perf report -i "$scratch/perf.data" --no-children -g none --stdio --sort comm 2>/dev/null |
			awk '/^ +[0-9.]+%/ && n++ < 8' || true)
		profiles+=$'\n\n'
	fi
	profiles+=$(perf report -i "$scratch/perf.data" --no-children -g none --stdio --sort $sort 2>/dev/null |
		awk '/^ +[0-9.]+%/ && n++ < 16' || true)
	profiles+=$'\n```\n'
}
median_rps() { awk '{ print $1 }' "$scratch/res/$1" | median; }
for c in $cells; do
	for s in $servers; do
		if [ $perf = 1 ]; then
			profile $c $s
		elif [ $scaled = 1 ] && [ $s != embedded ] &&
			awk -v a="$(median_rps $c.$s)" -v b="$(median_rps $c.embedded)" 'BEGIN { exit !(a < 0.5 * b) }'; then
			if command -v perf >/dev/null; then
				profile $c $s
			else
				profiles+=$'\n'"### $c, $s: below 0.5x the embedded server; no profile (perf not found: Debian package linux-perf)"$'\n'
			fi
		fi
	done
done
for s in $servers; do
	[ $s = lb ] || [ $s = scaled ] || stop "${pid_of[$s]}"
done

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
# --scaled: the same file to S3 through a server whose symcache builds do
# not run beside the next round (--symcache-queue 0), and whose object
# goes with its row (delete_grace=0), deleted after each round.
if [ $scaled = 1 ]; then
	set +e
	scale_serve up --max-upload 4G --symcache-queue 0 --blobs "$blobs_url&delete_grace=0"
	set -e
	s3_tok=$("$nsym" token create --store "$pg_url" --scope upload --name bench-up)
	s3_admin=$("$nsym" token create --store "$pg_url" --scope admin --name bench-admin)
	for ((r = 1; r <= rounds; r++)); do
		say "round $r/$rounds: upload of $(basename "$up_file") ($up_bytes bytes) to S3"
		first=$(upload "${serve_url[up]}" "$s3_tok" "$up_file" up.debug)
		again=$(upload "${serve_url[up]}" "$s3_tok" "$up_file" up.debug)
		[ "${first%% *}" = 201 ] || die "upload to S3: $first $(cat "$scratch/upload.json")"
		[ "${again%% *}" = 200 ] || die "upload to S3 again: $again $(cat "$scratch/upload.json")"
		row=$(curl -sf "${serve_url[up]}/api/v1/artifacts?q=up.debug" | grep -o '"id": [0-9]*' | head -n 1 | cut -d' ' -f2)
		curl -sf -o /dev/null -X DELETE -H "Authorization: Bearer $s3_admin" "${serve_url[up]}/api/v1/artifacts/$row" ||
			die "delete of the uploaded row $row"
		echo "${first#* } ${again#* }" >>"$scratch/res/upload.s3"
	done
fi
for ((r = 1; r <= rounds; r++)); do
	say "round $r/$rounds: upload of $(basename "$up_file") ($up_bytes bytes) to a fresh store"
	st=$scratch/upstore
	rm -rf "$st"
	mkdir -p "$st"
	tok=$("$nsym" token create --store "$st" --scope upload --name bench)
	start_ours "$st" upload $([ $scaled = 1 ] && echo --symcache-queue 0)
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
# report_scaled: the --scaled tables
report_scaled() {
	local c s e ro po
	echo "## symbol server: the embedded store against PostgreSQL + radosgw, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(uname -m), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs, load average at start $load0"
	echo "- napi-symbols: $("$nsym" --version | awk 'NR == 1') (${nsym#$root/}), serve --threads 16; PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }'), radosgw $(dpkg-query -W -f '${Version}' radosgw 2>/dev/null || echo '?') on one memstore OSD, haproxy $(haproxy -v | awk 'NR == 1 { print $3 }') round robin; wrk: $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
	echo "- mode: $([ $quick = 1 ] && echo quick || echo full), $rounds interleaved round(s), wrk -t2 -c16 -d${duration}s --latency on 127.0.0.1; cells are medians over the rounds; reads streamed from S3 (serve's default)"
	echo "- files: libc = $(basename "$libc_debug") ($(mb "${cell_bytes[libc]}") MB), small = ${small_src#$root/} (${cell_bytes[small]} bytes), miss = a random build-id (404)"
	echo "- servers: embedded = one server on sqlite and a blob folder; scaled = one server on PostgreSQL and radosgw; lb = two such servers behind haproxy"
	echo
	echo "| cell | server | req/s | to embedded | p99 ms | to embedded | servers' CPU µs/req | PostgreSQL, Ceph, haproxy CPU µs/req | socket errors |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for c in $cells; do
		e=$c.embedded
		for s in $servers; do
			ro=$(col $c.$s 1) po=$(col $c.$s 2)
			printf '| %s | %s | %.0f | %s | %.2f | %s | %.0f | %.0f | %s |\n' "$c" "$s" "$ro" "$(ratio "$ro" "$(col $e 1)")" \
				"$po" "$(ratio "$po" "$(col $e 2)")" "$(col $c.$s 6)" "$(col $c.$s 7)" \
				"$(awk '{ s += $4 } END { print s + 0 }' "$scratch/res/$c.$s")"
		done
	done
	echo
	echo "Every round, per cell (req/s, p99 ms):"
	echo
	for c in $cells; do
		echo "- $c: $(for s in $servers; do
			printf '%s %s; ' "$s" "$(awk '{ printf "%s%.0f/%.2f", (NR > 1) ? ", " : "", $1, $2 }' "$scratch/res/$c.$s")"
		done)"
	done
	echo
	echo "Upload of $(basename "$up_file") ($(mb "$up_bytes") MB) with curl --data-binary, median of $rounds (no symcache built on upload):"
	echo
	echo "| store | first upload (201) s | MB/s | the same file again (200) s |"
	echo "|---|---:|---:|---:|"
	printf '| embedded (a fresh store each round) | %.2f | %.0f | %.2f |\n' "$(col upload 1)" \
		"$(awk -v b="$up_bytes" -v t="$(col upload 1)" 'BEGIN { print b / 1e6 / t }')" "$(col upload 2)"
	printf '| PostgreSQL + radosgw (deleted after each round) | %.2f | %.0f | %.2f |\n' "$(col upload.s3 1)" \
		"$(awk -v b="$up_bytes" -v t="$(col upload.s3 1)" 'BEGIN { print b / 1e6 / t }')" "$(col upload.s3 2)"
	echo
	if [ -n "$profiles" ]; then
		echo "Profiles of the servers and of PostgreSQL, Ceph and haproxy (perf record -e cpu-clock -g -p during one more wrk run; self time by thread name, then by thread, library and symbol) where a scaled server answered fewer than half the embedded one's requests/s$([ $perf = 1 ] && echo ', and (--perf) every cell'):"
		echo "$profiles"
	else
		echo "Every scaled cell answered at least half the embedded server's requests/s: no profile needed."
	fi
}
if [ $scaled = 1 ]; then
	report_scaled | tee "$report"
	say "report: ${report#$root/}"
	exit 0
fi
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
