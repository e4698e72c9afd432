#!/usr/bin/env bash
# hook.sh [--runs N]: what the crash hook (loader-hook/) costs, against the
# targets of issue 7. Prints a Markdown table of:
#   - install: one nsym_hook_install() in a program linking libnsym_hook.a,
#     and one dlopen of libnapi_symbols_hook.so (its constructor installs),
#     timed inside the process with CLOCK_MONOTONIC (hook-bench.c), median of
#     N x 10 fresh processes;
#   - fault to report: node takes process.hrtime (CLOCK_MONOTONIC), writes
#     it to a file, and calls the C fixture's crash(); the hook writes the
#     report and the compact trace, then starts NAPI_SYMBOLS_BIN, here
#     hook-bench, which records the time it started. The difference
#     is an upper bound: it also holds the write of t0 and a fork and exec;
#   - a node workload: 10^6 calls of the C fixture's add() timed inside node
#     (process.hrtime around the loop, after a warm-up), with and without
#     LD_PRELOAD, interleaved run by run, alternating which goes first;
#   - whole processes with hyperfine: `node -e 0` and the workload.
# Needs build/ (the hook, and the fixtures from the test build), node, cc
# and hyperfine (Debian packages nodejs, gcc, hyperfine).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${NSYM_BUILD:-$root/build}
hook_so=$build/loader-hook/libnapi_symbols_hook.so
hook_a=$build/loader-hook/libnsym_hook.a
addon_src=$build/fixtures/c/addon.node.stripped
node=${NSYM_NODE:-node}
runs=20
case ${1:-} in
--runs) runs=$2 ;;
"") ;;
-h | --help) echo "usage: hook.sh [--runs N]"; exit 0 ;;
*) echo "usage: hook.sh [--runs N]" >&2; exit 129 ;;
esac
for f in "$hook_so" "$hook_a" "$addon_src"; do
	[ -f "$f" ] || { echo "hook.sh: $f not built (cmake --build build)" >&2; exit 1; }
done
for tool in "$node" cc hyperfine; do
	command -v "$tool" >/dev/null || { echo "hook.sh: $tool not found (Debian packages nodejs, gcc, hyperfine)" >&2; exit 1; }
done
scratch=$(mktemp -d "${TMPDIR:-/tmp}/nsym-hook-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cp "$addon_src" "$scratch/addon.node"
addon=$scratch/addon.node

cc -O2 -I"$root/include" -o "$scratch/hook-bench" "$here/hook-bench.c" "$hook_a" -ldl -lpthread

# stats: reads numbers, prints "median min max" with printf format $1.
stats() {
	sort -g | awk -v f="$1" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf f " " f " " f "\n", m, v[1], v[NR] }'
}

# Install: fresh processes, one install each.
for _ in $(seq $((runs * 10))); do "$scratch/hook-bench" install; done >"$scratch/install"
for _ in $(seq $((runs * 10))); do "$scratch/hook-bench" preload "$hook_so"; done >"$scratch/preload"
read -r inst_med inst_min inst_max < <(awk '{ print $1 / 1e6 }' "$scratch/install" | stats %.3f)
read -r pre_med pre_min pre_max < <(awk '{ print $1 / 1e6 }' "$scratch/preload" | stats %.3f)

# Fault to report.
cat >"$scratch/fault.js" <<'EOF'
const fs = require('fs');
const addon = require(process.argv[2]);
const fd = fs.openSync(process.argv[3], 'w');
const t0 = process.hrtime.bigint();
fs.writeSync(fd, t0 + '\n');
addon.crash();
EOF
mkdir "$scratch/reports"
: >"$scratch/fault"
for i in $(seq "$runs"); do
	rm -f "$scratch/t0" "$scratch/t1"
	# the subshell, not the script, reports the death by SIGSEGV (into
	# /dev/null), and goes on after it (set +e)
	(set +e
	env LD_PRELOAD="$hook_so" NAPI_SYMBOLS_REPORT_DIR="$scratch/reports" \
		NAPI_SYMBOLS_BIN="$scratch/hook-bench" BENCH_STAMP="$scratch/t1" \
		"$node" "$scratch/fault.js" "$addon" "$scratch/t0" >/dev/null 2>&1
	true) 2>/dev/null
	if [ ! -s "$scratch/t0" ] || [ ! -s "$scratch/t1" ]; then
		echo "hook.sh: fault run $i left no time stamps" >&2
		exit 1
	fi
	echo $(($(cat "$scratch/t1") - $(cat "$scratch/t0"))) >>"$scratch/fault"
done
reports=$(find "$scratch/reports" -name 'napi-crash-*.json' | wc -l)
[ "$reports" = "$runs" ] || { echo "hook.sh: $reports reports for $runs crashes" >&2; exit 1; }
read -r fault_med fault_min fault_max < <(awk '{ print $1 / 1e6 }' "$scratch/fault" | stats %.3f)

# The workload, interleaved.
cat >"$scratch/work.js" <<'EOF'
const addon = require(process.argv[2]);
const n = Number(process.argv[3] || 1e6);
let s = 0;
for (let i = 0; i < 1e5; i++) s += addon.add(i, 1);
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) s += addon.add(i, 1);
const t1 = process.hrtime.bigint();
if (s < 0) throw new Error('unreachable');
console.log(Number(t1 - t0) / 1e6);
EOF
plain() { env "$node" "$scratch/work.js" "$addon" 1e6 >>"$scratch/w-plain"; }
hooked() { env LD_PRELOAD="$hook_so" "$node" "$scratch/work.js" "$addon" 1e6 >>"$scratch/w-hook"; }
: >"$scratch/w-plain"
: >"$scratch/w-hook"
for i in $(seq "$runs"); do
	if [ $((i % 2)) = 0 ]; then plain; hooked; else hooked; plain; fi
done
read -r wp_med wp_min wp_max < <(stats %.2f <"$scratch/w-plain")
read -r wh_med wh_min wh_max < <(stats %.2f <"$scratch/w-hook")
# The same runs as pairs (each hooked run less the plain run beside it).
read -r wd_med wd_min wd_max < <(paste "$scratch/w-hook" "$scratch/w-plain" | awk '{ print $1 - $2 }' | stats %.2f)

# Whole processes.
hyperfine -N --warmup 3 --runs "$runs" --export-json "$scratch/start.json" \
	-n plain "env $node -e 0" -n hook "env LD_PRELOAD=$hook_so $node -e 0" >/dev/null
hyperfine -N --warmup 2 --runs "$runs" --export-json "$scratch/proc.json" \
	-n plain "env $node $scratch/work.js $addon 1e6" \
	-n hook "env LD_PRELOAD=$hook_so $node $scratch/work.js $addon 1e6" >/dev/null
# hf FILE NAME: "median min max" in ms of one hyperfine command.
hf() {
	"$node" -e '
		const r = require(process.argv[1]).results.find((x) => x.command === process.argv[2]);
		const ms = (v) => (v * 1000).toFixed(1);
		console.log(ms(r.median), ms(r.min), ms(r.max));' "$1" "$2"
}
read -r sp_med sp_min sp_max < <(hf "$scratch/start.json" plain)
read -r sh_med sh_min sh_max < <(hf "$scratch/start.json" hook)
read -r pp_med pp_min pp_max < <(hf "$scratch/proc.json" plain)
read -r ph_med ph_min ph_max < <(hf "$scratch/proc.json" hook)

mkdir -p "$here/out"
report=$here/out/hook-$(date -u +%Y-%m-%d-%H%M%S).md
{
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -n1)), Linux $(uname -r), node $("$node" --version), load average $(cut -d' ' -f1-3 /proc/loadavg), hook at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- loader-hook 2>/dev/null || echo '+changes'); median (min–max)"
	echo
	echo "| measure | runs | without the hook | with the hook | target |"
	echo "|---|---|---|---|---|"
	echo "| install, \`nsym_hook_install()\` (linked) | $((runs * 10)) | | $inst_med ms ($inst_min–$inst_max) | < 1 ms |"
	echo "| install, \`dlopen\` of the preload library | $((runs * 10)) | | $pre_med ms ($pre_min–$pre_max) | < 1 ms |"
	echo "| fault to report written (upper bound) | $runs | | $fault_med ms ($fault_min–$fault_max) | < 5 ms |"
	echo "| 10^6 \`add()\` calls, timed in node | $runs | $wp_med ms ($wp_min–$wp_max) | $wh_med ms ($wh_min–$wh_max) | no difference beyond noise |"
	echo "| the same, paired difference (hook − plain) | $runs | | $wd_med ms ($wd_min–$wd_max) | 0 within the spread |"
	echo "| \`node -e 0\`, whole process | $runs | $sp_med ms ($sp_min–$sp_max) | $sh_med ms ($sh_min–$sh_max) | |"
	echo "| the workload, whole process | $runs | $pp_med ms ($pp_min–$pp_max) | $ph_med ms ($ph_min–$ph_max) | |"
} | tee "$report"
echo "hook.sh: report written to ${report#"$root"/}" >&2
