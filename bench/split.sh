#!/usr/bin/env bash
# split.sh [--runs N]: times `napi-symbols split` against the tools a user
# would otherwise pick, in the same run, on the same input (rustbig, built
# into bench/inputs/ on first use, or BENCH_SPLIT_INPUT):
#   objcopy --only-keep-debug, then objcopy --strip-debug --add-gnu-debuglink
#   eu-strip -f DEBUG -o STRIPPED
# and the same three with zlib-compressed DWARF (objcopy
# --compress-debug-sections=zlib on the debug file; eu-strip has no such
# option, so elfutils' own eu-elfcompress follows it). Prints a Markdown table
# of median wall times, peak RSS and output sizes, and the ratios, and checks
# that every pair of outputs still pairs (napi-symbols inspect).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/common.sh"
nsym=${NSYM:-$root/build/cli/napi-symbols}
runs=5
case ${1:-} in
--runs) runs=$2 ;;
"") ;;
-h | --help) echo "usage: split.sh [--runs N]"; exit 0 ;;
*) echo "usage: split.sh [--runs N]" >&2; exit 129 ;;
esac
for tool in objcopy eu-strip eu-elfcompress /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "split.sh: $tool not found (Debian packages binutils, elfutils, time)" >&2; exit 1; }
done
[ -x "$nsym" ] || { echo "split.sh: $nsym not built" >&2; exit 1; }

input=${BENCH_SPLIT_INPUT:-$here/inputs/rustbig}
if [ ! -f "$input" ]; then
	echo "building rustbig" >&2
	"$here/gen-rust.sh" "$here/inputs" >&2
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/nsym-split-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Each way of splitting writes $scratch/<name>.node and <name>.debug.
way_ours() { "$nsym" split -q -f -o "$scratch/ours.node" -d "$scratch/ours.debug" "$input"; }
way_ours_zlib() { "$nsym" split -q -f --compress zlib -o "$scratch/ours_zlib.node" -d "$scratch/ours_zlib.debug" "$input"; }
way_objcopy() {
	objcopy --only-keep-debug "$input" "$scratch/objcopy.debug"
	objcopy --strip-debug --add-gnu-debuglink="$scratch/objcopy.debug" "$input" "$scratch/objcopy.node"
}
way_objcopy_zlib() {
	objcopy --only-keep-debug --compress-debug-sections=zlib "$input" "$scratch/objcopy_zlib.debug"
	objcopy --strip-debug --add-gnu-debuglink="$scratch/objcopy_zlib.debug" "$input" "$scratch/objcopy_zlib.node"
}
way_eustrip() { eu-strip -f "$scratch/eustrip.debug" -o "$scratch/eustrip.node" "$input"; }
way_eustrip_zlib() {
	eu-strip -f "$scratch/eustrip_zlib.debug" -o "$scratch/eustrip_zlib.node" "$input"
	eu-elfcompress -q -t zlib "$scratch/eustrip_zlib.debug"
}
ways="ours objcopy eustrip ours_zlib objcopy_zlib eustrip_zlib"


declare -A secs rss
for w in $ways; do : >"$scratch/$w.times"; done
# Interleaved rounds, so that a noisy moment hurts every tool alike.
for ((r = 1; r <= runs; r++)); do
	for w in $ways; do
		/usr/bin/time -f "%e %M" -o "$scratch/t" bash -c "$(declare -f way_$w); nsym='$nsym' input='$input' scratch='$scratch' way_$w"
		cat "$scratch/t" >>"$scratch/$w.times"
	done
done
for w in $ways; do
	secs[$w]=$(awk '{print $1}' "$scratch/$w.times" | median)
	rss[$w]=$(awk '{print $2}' "$scratch/$w.times" | median)
done

# Every split must still pair: the stripped file names its debug file and
# both carry the input's identity.
id=$("$nsym" inspect "$input" | awk '/build-id:|fallback id:/ {print $NF}')
for w in $ways; do
	for f in "$scratch/$w.node" "$scratch/$w.debug"; do
		"$nsym" inspect "$f" | grep -q "$id" || { echo "split.sh: $f lost the identity $id" >&2; exit 1; }
	done
done

echo "## split: $(describe "$input")"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), machine: $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "- median of $runs interleaved runs; wall seconds, peak RSS of the largest process"
echo
echo "| tool | seconds | vs ours | peak RSS (MB) | stripped bytes | debug bytes |"
echo "|---|---:|---:|---:|---:|---:|"
for w in $ways; do
	base=ours
	case $w in *_zlib) base=ours_zlib ;; esac
	printf '| %s | %.2f | %.2fx | %d | %d | %d |\n' "$w" "${secs[$w]}" \
		"$(awk -v a="${secs[$w]}" -v b="${secs[$base]}" 'BEGIN { print (b > 0) ? a / b : 0 }')" \
		"$((${rss[$w]} / 1024))" "$(stat -c %s "$scratch/$w.node")" "$(stat -c %s "$scratch/$w.debug")"
done
