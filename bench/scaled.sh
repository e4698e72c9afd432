#!/usr/bin/env bash
# scaled.sh [--count N] [--parallel P] [--upload-mb M]: what the scaled
# store's downloads cost, streamed through the server or redirected to a
# presigned URL (serve --blob-reads stream|redirect), beside the embedded
# store, in one run (issue 18); and the upload of one large debug file to
# each. PostgreSQL and radosgw are started by
# tests/scale/cluster.sh in a scratch folder and stopped at exit.
#
# Each cell is N downloads by curl, which follows the redirect (-L) as
# debuginfod clients do, first one after another (latency: p50 and p99 of
# curl's time_total), then N more by one curl, P at a time (throughput:
# downloads/s and MB/s):
#   libc:  Debian's libc6-dbg debug file of libc.so.6 (about 4 MB)
#   small: the C fixture's debug file (about 17 KB)
# upload: `curl --data-binary` of the C fixture's debug file with M MB
# (174 by default, the size of the Rust addon's debug file the issue names)
# of random bytes in a section of its own, to each store; the best of 2.
# Packages: those of tests/scale (scripts/install-scale-deps.sh), curl,
# libc6-dbg. Our CLI is build/cli/napi-symbols, or NSYM=path.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
nsym=${NSYM:-$root/build/cli/napi-symbols}
count=100 parallel=8 upload_mb=174
while [ $# -gt 0 ]; do
	case $1 in
	--count) count=$2; shift ;;
	--parallel) parallel=$2; shift ;;
	--upload-mb) upload_mb=$2; shift ;;
	*) echo "usage: scaled.sh [--count N] [--parallel P] [--upload-mb M]" >&2; exit 129 ;;
	esac
	shift
done
libc_id=$(readelf -n /lib/x86_64-linux-gnu/libc.so.6 | awk '/Build ID:/ { print $3 }')
libc_debug=/usr/lib/debug/.build-id/${libc_id:0:2}/${libc_id:2}.debug
small=$root/build/fixtures/c/addon.node.debug
[ -f "$libc_debug" ] || { echo "scaled.sh: $libc_debug missing (Debian package libc6-dbg)" >&2; exit 1; }
[ -f "$small" ] || { echo "scaled.sh: build the fixtures first ($small)" >&2; exit 1; }
small_id=$(readelf -n "$root/build/fixtures/c/addon.node" | awk '/Build ID:/ { print $3 }')

scale_dir=$(mktemp -d "${TMPDIR:-/tmp}/nsym-scaled-bench.XXXXXX")
fail() { echo "scaled.sh: $*" >&2; exit 1; }
. "$root/tests/scale/cluster.sh"
embedded_pid=
cleanup() {
	[ -n "$embedded_pid" ] && kill "$embedded_pid" 2>/dev/null
	scale_stop
	rm -rf "$scale_dir"
}
trap cleanup EXIT
scale_require
set +e # cluster.sh's helpers test and fail on their own
scale_pg_start
scale_ceph_start
scale_serve stream --threads 32 --max-upload 4G
scale_serve redirect --threads 32 --blob-reads redirect
"$nsym" token create --store "$scale_dir/embedded" --scope upload --name bench >"$scale_dir/etok"
"$nsym" serve --store "$scale_dir/embedded" --listen 127.0.0.1:0 --threads 32 --max-upload 4G \
	>"$scale_dir/embedded.out" 2>"$scale_dir/embedded.err" &
embedded_pid=$!
wait_for 20 "the embedded server listening" grep -q '^listening' "$scale_dir/embedded.out"
embedded=$(sed -n 's/^listening on //p' "$scale_dir/embedded.out")
t=$("$nsym" token create --store "$pg_url" --scope upload --name bench)
for f in "$libc_debug" "$small"; do
	curl -sf -o /dev/null -H "Authorization: Bearer $t" --data-binary "@$f" "${serve_url[stream]}/api/v1/upload" ||
		fail "upload $f"
	curl -sf -o /dev/null -H "Authorization: Bearer $(cat "$scale_dir/etok")" --data-binary "@$f" \
		"$embedded/api/v1/upload" || fail "upload $f (embedded)"
done

# cell NAME URL BYTES: one line of the table
cell() {
	local name=$1 url=$2 bytes=$3 t0 t1 ms
	for _ in $(seq "$count"); do
		curl -sfL -o /dev/null -w '%{time_total}\n' "$url"
	done | sort -n >"$scale_dir/lat"
	[ "$(wc -l <"$scale_dir/lat")" = "$count" ] || fail "$name: failed downloads"
	# one curl for all: P transfers at a time, no process per download
	for _ in $(seq "$count"); do printf 'url = "%s"\noutput = /dev/null\n' "$url"; done >"$scale_dir/urls"
	t0=$EPOCHREALTIME
	curl -sfL --no-progress-meter -Z --parallel-max "$parallel" -K "$scale_dir/urls" || fail "$name: failed downloads"
	t1=$EPOCHREALTIME
	ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
	awk -v n="$count" -v ms="$ms" -v b="$bytes" -v name="$name" '
		{ v[NR] = $1 * 1000 }
		END {
			p50 = v[int(n * 0.5) + (n % 2)]; p99 = v[int(n * 0.99 + 0.999)]
			printf "| %-22s | %8.1f | %8.1f | %9.0f | %8.1f |\n", name, p50, p99,
			       n * 1000 / ms, n * b / 1048576 * 1000 / ms
		}' "$scale_dir/lat"
}

echo "$(date -u +%Y-%m-%d), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg); $count downloads per cell, $parallel at a time for the throughput"
echo "| cell                   | p50 ms   | p99 ms   | dl/s (P)  | MB/s (P) |"
echo "|------------------------|----------|----------|-----------|----------|"
for file in libc small; do
	if [ $file = libc ]; then id=$libc_id bytes=$(stat -c %s "$libc_debug"); else id=$small_id bytes=$(stat -c %s "$small"); fi
	cell "$file embedded" "$embedded/buildid/$id/debuginfo" "$bytes"
	cell "$file scaled, stream" "${serve_url[stream]}/buildid/$id/debuginfo" "$bytes"
	cell "$file scaled, redirect" "${serve_url[redirect]}/buildid/$id/debuginfo" "$bytes"
done

# upload NAME URL TOKEN: seconds of the best of two uploads of $big (each
# to a store that does not have it: the second goes after a delete)
head -c "${upload_mb}M" /dev/urandom >"$scale_dir/pad"
objcopy --add-section .napi_pad="$scale_dir/pad" "$small" "$scale_dir/pad.debug" || fail "objcopy"
# a build-id of its own
node "$root/tests/scale/variant.js" "$scale_dir/pad.debug" "$scale_dir" 174 >/dev/null || fail "variant.js"
mv "$scale_dir/174.debug" "$scale_dir/big.debug"
rm -f "$scale_dir/pad" "$scale_dir/pad.debug"
big_bytes=$(stat -c %s "$scale_dir/big.debug")
upload() {
	local name=$1 url=$2 tok=$3 best= s
	for _ in 1 2; do
		s=$(curl -sf -o "$scale_dir/reply" -w '%{time_total}' -H "Authorization: Bearer $tok" \
			--data-binary "@$scale_dir/big.debug" "$url/api/v1/upload?name=big.debug") || fail "upload to $name"
		[ -z "$best" ] || [ "$(echo "$s < $best" | bc)" = 1 ] && best=$s
		row=$(curl -sf "$url/api/v1/artifacts?q=big.debug" | grep -o '"id": [0-9]*' | head -1 | cut -d' ' -f2)
		curl -sf -o /dev/null -X DELETE -H "Authorization: Bearer $admin_tok" "$url/api/v1/artifacts/$row" ||
			fail "delete on $name"
	done
	awk -v n="$name" -v s="$best" -v b="$big_bytes" \
		'BEGIN { printf "| upload %-15s | %8.2f s | %8.1f MB/s |\n", n, s, b / 1048576 / s }'
}
echo
echo "upload of a $((big_bytes / 1048576)) MB debug file:"
echo "| store                  | time       | rate          |"
echo "|------------------------|------------|---------------|"
admin_tok=$("$nsym" token create --store "$scale_dir/embedded" --scope admin --name bench-admin)
upload embedded "$embedded" "$(cat "$scale_dir/etok")"
admin_tok=$("$nsym" token create --store "$pg_url" --scope admin --name bench-admin)
upload scaled "${serve_url[stream]}" "$t"
