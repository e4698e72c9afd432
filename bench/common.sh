# common.sh: shell helpers shared by the bench scripts (sourced, not run).

# debug_bytes FILE: total size in bytes of the .debug_* sections of FILE.
debug_bytes() {
	readelf -SW "$1" 2>/dev/null | awk '
		{ sub(/^ *\[ *[0-9]+\]/, "") }
		$1 ~ /^\.debug_/ {
			n = 0; h = $5
			for (i = 1; i <= length(h); i++)
				n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			s += n
		}
		END { printf "%.0f\n", s }'
}

# cu_count FILE: number of compile units in .debug_info.
cu_count() {
	readelf --debug-dump=info --dwarf-depth=1 "$1" 2>/dev/null |
		grep -c 'DW_TAG_compile_unit' || true
}

# func_count FILE: number of FUNC symbols of non-zero size in .symtab.
func_count() {
	readelf -sW "$1" 2>/dev/null | awk '
		/^Symbol table / { in_symtab = ($3 == "'"'"'.symtab'"'"'") ; next }
		in_symtab && $4 == "FUNC" && $3 != "0" { n++ }
		END { print n + 0 }'
}

# compressed FILE: prints " (compressed)" if a .debug_* section of FILE is
# SHF_COMPRESSED, as in Debian's -dbg packages.
compressed() {
	readelf -SW "$1" 2>/dev/null | awk '
		{ sub(/^ *\[ *[0-9]+\]/, "") }
		$1 ~ /^\.debug_/ && $7 ~ /^[A-Za-z]+$/ && $7 ~ /C/ { c = 1 }
		END { if (c) printf " (compressed)" }'
}

# describe FILE: one line with file size, .debug_* total, CUs and functions.
describe() {
	local db
	db=$(debug_bytes "$1")
	echo "$(basename "$1"): file $(stat -c %s "$1") bytes," \
		".debug_* $db bytes ($((db / 1048576)) MiB)$(compressed "$1")," \
		"$(cu_count "$1") CUs, $(func_count "$1") functions"
}

# median: the median of the numbers on stdin, one per line ("nan" if none).
median() {
	sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# start_debuginfod FOLDER NFILES: elfutils' debuginfod serving FOLDER (-F,
# no rescans or grooming: -t 0 -g 0) on a free port of 127.0.0.1, its
# database and log in $scratch, returned once it has indexed NFILES files
# and its scanner is idle. Sets di_pid (also added to pids) and di_url;
# dies (the sourcing script's die) when it does not start or index.
start_debuginfod() {
	local folder=$1 nfiles=$2 port try i m n busy
	di_pid='' di_url=''
	for ((try = 0; try < 10; try++)); do
		port=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Hltn "sport = :$port")" ] || continue
		rm -f "$scratch/di.sqlite"*
		debuginfod -p "$port" -d "$scratch/di.sqlite" -F -t 0 -g 0 "$folder" >"$scratch/di.log" 2>&1 &
		di_pid=$!
		pids+=("$di_pid")
		for ((i = 0; i < 50; i++)); do
			grep -qs 'started http server' "$scratch/di.log" && break
			kill -0 "$di_pid" 2>/dev/null || break
			sleep 0.1
		done
		if grep -qs 'started http server' "$scratch/di.log" && kill -0 "$di_pid" 2>/dev/null; then
			di_url=http://127.0.0.1:$port
			break
		fi
		kill "$di_pid" 2>/dev/null || true
		wait "$di_pid" 2>/dev/null || true
	done
	[ -n "$di_url" ] || die "debuginfod did not start: $(tail -n 3 "$scratch/di.log")"
	for ((i = 0; ; i++)); do
		m=$(curl -s --max-time 5 "$di_url/metrics" || true)
		n=$(echo "$m" | awk '/^scanned_files_total\{source="file"\}/ { print $2 }')
		busy=$(echo "$m" | awk '/^thread_(busy|work_pending)\{role="scan"\}/ { s += $2 } END { print s + 0 }')
		[ "${n:-0}" -ge "$nfiles" ] && [ "$busy" = 0 ] && return 0
		[ $i -lt 600 ] || die "debuginfod did not index $folder in 120 s"
		sleep 0.2
	done
}
