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

# describe_pe FILE: describe's line for a PE image whose PDB is beside it:
# the sizes of both, and the PDB's modules and procedures (llvm-pdbutil).
describe_pe() {
	local pdb=${1%.node}.pdb pdbutil mods procs
	pdbutil=$(llvm_tool llvm-pdbutil llvm)
	mods=$("$pdbutil" dump --modules "$pdb" | grep -c '^ *Mod [0-9]' || true)
	procs=$("$pdbutil" dump --symbols "$pdb" | grep -c -E 'S_[GL]PROC32' || true)
	echo "$(basename "$1"): file $(stat -c %s "$1") bytes," \
		"$(basename "$pdb") $(stat -c %s "$pdb") bytes ($(($(stat -c %s "$pdb") / 1048576)) MiB)," \
		"$mods modules, $procs procedures"
}

# pe_funcs FILE: "start size" (decimal virtual addresses) of the procedures
# of the PDB beside a PE image (S_GPROC32 and S_LPROC32, by llvm-pdbutil),
# at ImageBase plus their section's RVA.
pe_funcs() {
	local pdb=${1%.*}.pdb pdbutil readobj
	pdbutil=$(llvm_tool llvm-pdbutil llvm)
	readobj=$(llvm_tool llvm-readobj llvm)
	{
		"$readobj" --file-headers --sections "$1" | awk '
			$1 == "ImageBase:" { print "base", $2 }
			$1 == "Number:" { n = $2 }
			$1 == "VirtualAddress:" { print "section", n, $2 }'
		"$pdbutil" dump --symbols "$pdb" | awk '
			/S_[GL]PROC32/ { want = 1; next }
			want && /addr = / { sub(/.*addr = /, ""); split($0, a, /[:,]/); sub(/.*code size = /, "", $0)
				print "proc", a[1], a[2], $0; want = 0 }'
	} | awk '
		function num(h,   v, i) {
			h = tolower(h); sub(/^0x/, "", h); v = 0
			for (i = 1; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v
		}
		$1 == "base" { base = num($2) }
		$1 == "section" { rva[$2 + 0] = num($3) }
		$1 == "proc" && $4 + 0 > 0 { printf "%.0f %.0f\n", base + rva[$2 + 0] + num($3), $4 }'
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

# llvm_tool NAME PACKAGE: the path of an LLVM tool, plain or versioned as
# Debian installs them (as tests/fixtures/foreign/build.sh finds them); exits
# naming the Debian package when there is none.
llvm_tool() {
	local n
	for n in "$1" "$1-16" "$1-15" "$1-14"; do
		if command -v "$n" >/dev/null; then
			command -v "$n"
			return
		fi
	done
	for n in /usr/lib/llvm-*/bin/"$1"; do
		if [ -x "$n" ]; then
			echo "$n"
			return
		fi
	done
	echo "bench: $1 not found: install the Debian package '$2'" >&2
	exit 1
}

# macho_syms FILE: "address size name" (hex, as nm -S prints them) for each
# symbol of __TEXT,__text in a thin Mach-O FILE, sorted by address, without
# the leading underscore. Mach-O symbols have no size: each reaches to the
# next symbol's address (aliases get the same end) or to the end of __text,
# as llvm-symbolizer takes them.
macho_syms() {
	local nm objdump text
	nm=$(llvm_tool llvm-nm llvm)
	objdump=$(llvm_tool llvm-objdump llvm)
	# "IDX __text SIZE VMA TEXT"
	text=$("$objdump" --section-headers "$1" | awk '$2 == "__text" && $5 == "TEXT" { print $3, $4; exit }')
	if [ -z "$text" ]; then
		echo "bench: no __text section in '$1'" >&2
		return 1
	fi
	"$nm" -m -n --defined-only "$1" | awk -v text="$text" '
		function num(h,   v, i) {
			v = 0
			for (i = 1; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v
		}
		function hex(v,   s, d) {
			s = ""
			do { d = v % 16; s = substr("0123456789abcdef", d + 1, 1) s; v = (v - d) / 16 } while (v > 0)
			return s
		}
		BEGIN { split(text, e, " "); end = num(e[1]) + num(e[2]) }
		$2 == "(__TEXT,__text)" {
			name = $NF
			sub(/^_/, "", name)
			m++; addr[m] = num($1); sym[m] = name
		}
		END {
			for (i = 1; i <= m; i++) {
				for (j = i + 1; j <= m && addr[j] == addr[i]; j++) ;
				printf "%s %s %s\n", hex(addr[i]), hex((j <= m ? addr[j] : end) - addr[i]), sym[i]
			}
		}'
}

# dsym_dwarf FILE: the DWARF file of FILE's dSYM bundle beside it.
dsym_dwarf() {
	echo "$1.dSYM/Contents/Resources/DWARF/$(basename "$1")"
}

# describe_macho FILE: describe's line for a Mach-O file whose dSYM is
# beside it: the file's size, and the __debug_* total, units and functions
# (symbols of __TEXT,__text) of the dSYM.
describe_macho() {
	local dw db cus fns objdump dwarfdump nm
	objdump=$(llvm_tool llvm-objdump llvm)
	dwarfdump=$(llvm_tool llvm-dwarfdump llvm)
	nm=$(llvm_tool llvm-nm llvm)
	dw=$(dsym_dwarf "$1")
	db=$("$objdump" --section-headers "$dw" | awk '
		$2 ~ /^__debug_/ {
			n = 0; h = $3
			for (i = 1; i <= length(h); i++)
				n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			s += n
		}
		END { printf "%.0f\n", s }')
	cus=$("$dwarfdump" --debug-info --recurse-depth=0 "$dw" 2>/dev/null |
		grep -c 'DW_TAG_compile_unit' || true)
	fns=$("$nm" -m --defined-only "$dw" | grep -c '(__TEXT,__text)' || true)
	echo "$(basename "$1"): file $(stat -c %s "$1") bytes, dSYM $(stat -c %s "$dw") bytes," \
		"__debug_* $db bytes ($((db / 1048576)) MiB), $cus CUs, $fns functions"
}

# bench_scratch NAME: a fresh folder in $scratch, removed at exit (and on
# ^C) with the background processes whose pids a script adds to pids,
# killed and waited for first.
bench_scratch() {
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/nsym-$1-bench.XXXXXX")
	pids=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}
bench_cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$scratch"
}
