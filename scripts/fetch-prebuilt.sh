#!/usr/bin/env bash
# Fetches a few prebuilt napi-rs addons for macOS and Windows from npm
# (`npm pack`, no install scripts run), unpacks them under
# tests/npm-samples/prebuilt/ (ignored by git), and runs `napi-symbols
# inspect` on every .node file in them, followed by what LLVM's tools say of
# the same file when they are installed, to compare by eye. A manual check
# on real-world binaries: no test needs it, and it needs the network.
#
# Usage: scripts/fetch-prebuilt.sh [-n NAPI_SYMBOLS] [PACKAGE...]
# Default packages: small napi-rs builds of @node-rs/crc32 and @node-rs/argon2.
set -euo pipefail
cd "$(dirname "$0")/.."

nsym=build/cli/napi-symbols
if [ "${1:-}" = -n ]; then
        nsym=$2
        shift 2
fi
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
        sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
fi
packages=("$@")
if [ ${#packages[@]} -eq 0 ]; then
        packages=(@node-rs/crc32-darwin-arm64 @node-rs/crc32-darwin-x64
                @node-rs/crc32-win32-x64-msvc @node-rs/argon2-win32-arm64-msvc)
fi
[ -x "$nsym" ] || { echo "fetch-prebuilt.sh: $nsym not found: build first" >&2; exit 1; }
command -v npm >/dev/null || { echo "fetch-prebuilt.sh: npm not found: install the Debian package 'npm'" >&2; exit 1; }

# tool NAME: an LLVM tool, plain or versioned, or nothing
tool() {
        local n
        for n in "$1" "$1-16" "$1-15" "$1-14"; do
                if command -v "$n" >/dev/null; then
                        command -v "$n"
                        return
                fi
        done
}
dwarfdump=$(tool llvm-dwarfdump)
readobj=$(tool llvm-readobj)

out=tests/npm-samples/prebuilt
mkdir -p "$out"
for p in "${packages[@]}"; do
        dir="$out/${p//\//__}"
        rm -rf "$dir"
        mkdir -p "$dir"
        tgz=$(cd "$dir" && npm pack --silent --ignore-scripts "$p" | tail -n 1)
        tar -xzf "$dir/$tgz" -C "$dir"
        echo "== $p ($tgz)"
        find "$dir" -name '*.node' -type f | sort | while read -r f; do
                "$nsym" inspect "$f" || true
                case "$("$nsym" inspect --json "$f" 2>/dev/null)" in
                *'"format": "macho'*)
                        [ -z "$dwarfdump" ] || "$dwarfdump" --uuid "$f" | sed 's/^/  llvm-dwarfdump: /' ;;
                *'"format": "pe"'*)
                        [ -z "$readobj" ] || "$readobj" --file-headers --coff-debug-directory "$f" |
                                grep -E 'TimeDateStamp|SizeOfImage|PDBGUID|PDBAge|PDBFileName' |
                                sed 's/^ */  llvm-readobj: /' ;;
                esac
        done
done
