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
