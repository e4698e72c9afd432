#!/usr/bin/env bash
# Writes the man pages of napi-symbols from its own help text, so they
# cannot drift from it: napi-symbols.1 from --help, and napi-symbols-CMD.1
# from `napi-symbols help CMD` for every command the overview lists, each
# named with the overview's summary line. The help text is already laid out
# for a terminal, so it is kept as it is (no-fill), roff's special
# characters escaped. Run at build time by cmake/NsymPackaging.cmake.
#
# Usage: man.sh NAPI_SYMBOLS OUTDIR
set -euo pipefail

nsym=$1 out=$2
version=$("$nsym" --version | awk '{ print $2 }')
mkdir -p "$out"

# roff: backslashes doubled, a leading . or ' made literal by \&
escape() {
	sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
}

# page NAME SUMMARY < help text
page() {
	local name=$1 summary=$2 upper
	upper=$(tr '[:lower:]' '[:upper:]' <<<"$name")
	{
		printf '.TH %s 1 "" "napi-symbols %s" "napi-symbols manual"\n' "$upper" "$version"
		printf '.SH NAME\n%s \\- %s\n' "$name" "$(escape <<<"$summary")"
		printf '.SH DESCRIPTION\n.nf\n'
		escape
		printf '.fi\n'
		if [ "$name" != napi-symbols ]; then
			printf '.SH SEE ALSO\n.BR napi-symbols (1)\n'
		fi
	} >"$out/$name.1"
}

overview=$("$nsym" --help)
page napi-symbols "turn crashes of stripped native Node.js addons into source lines" <<<"$overview"
# the command list: two spaces, a name, spaces, its summary
sed -n '/^Commands:$/,/^$/p' <<<"$overview" | sed -n 's/^  \([a-z][a-z-]*\)  *\(.*\)$/\1 \2/p' |
	while read -r cmd summary; do
		"$nsym" help "$cmd" | page "napi-symbols-$cmd" "$summary"
	done
