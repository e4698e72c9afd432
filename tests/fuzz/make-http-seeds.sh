#!/usr/bin/env bash
# Writes the seed requests of the HTTP harness (fuzz_http.c) into OUTDIR:
# one raw request per file, for every route of server/routes.c and the
# framing the server checks (Range, 100-continue, chunked, multipart,
# HTTP/1.0, pipelining, conflicting lengths, %00 in a path). The tokens
# and identities are those the harness gives its store; upload bodies are
# small files of the corpus. The checked-in corpus/http/ came from it.
#
#   tests/fuzz/make-http-seeds.sh OUTDIR
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: make-http-seeds.sh OUTDIR" >&2
  exit 129
fi
corpus=$(cd "$(dirname "${BASH_SOURCE[0]}")/corpus" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

secret() { printf "$1%.0s" $(seq 24); }
admin="nsym_1_$(secret ad)"
upload="nsym_2_$(secret 0b)"
read="nsym_3_$(secret 5e)"
revoked="nsym_4_$(secret de)"
small=3902b32f8cc2dd424482ce107bdde065ff4bc0bb
zlib=1c9139c29bdae81bd5049b40ad5ad3332f9990ae
zstd=f3bf047a5abc7fa69c66a269df205531228efac8
pe=6B072B1D3000
pdb=A49A34B30FDD28844C4C44205044422E1
macho=4c4c44a455553144a160f7910f8ed4a5
riscv=$corpus/elf_identity/tiny-riscv64-linux-gnu.so

# req NAME 'HEAD LINES' [BODY-FILE]: a request whose head lines are given
# with \n (written as CRLF), then Content-Length and the body when given.
req() {
  local name=$1 head=$2 body=${3-}
  {
    printf '%s\n' "$head" | sed 's/$/\r/'
    if [ -n "$body" ]; then
      printf 'Content-Length: %s\r\n\r\n' "$(stat -c %s "$body")"
      cat "$body"
    else
      printf '\r\n'
    fi
  } >"$out/$name"
}
raw() { printf '%b' "$2" >"$out/$1"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

req get-home $'GET / HTTP/1.1\nHost: fuzz'
req get-healthz $'GET /healthz HTTP/1.1\nHost: fuzz\nConnection: keep-alive'
req head-metrics $'HEAD /metrics HTTP/1.1\nHost: fuzz'
req get-buildid-debuginfo $'GET /buildid/'$small$'/debuginfo HTTP/1.1\nHost: fuzz\nUser-Agent: elfutils/0.188'
req head-buildid-executable-upper-case $'HEAD /buildid/'${small^^}$'/executable HTTP/1.1\nHost: fuzz'
req get-buildid-missing $'GET /buildid/00112233445566778899aabbccddeeff00112233/debuginfo HTTP/1.1\nHost: fuzz'
req get-buildid-section-zlib $'GET /buildid/'$zlib$'/section/.debug_info HTTP/1.1\nHost: fuzz\nX-DEBUGINFOD-MAXSIZE: 100000'
req get-buildid-section-zstd-range $'GET /buildid/'$zstd$'/section/.debug_line HTTP/1.1\nHost: fuzz\nRange: bytes=4-20'
req get-buildid-section-maxsize-too-small $'GET /buildid/'$zlib$'/section/.debug_str HTTP/1.1\nHost: fuzz\nX-DEBUGINFOD-MAXSIZE: 10'
req get-buildid-source $'GET /buildid/'$small$'/source/seed-src/small.c HTTP/1.1\nHost: fuzz'
req get-buildid-source-encoded-dots $'GET /buildid/'$small$'/source/%2Fseed-src%2F..%2Fseed-src%2F.%2Fsmall.c HTTP/1.1\nHost: fuzz'
req get-buildid-ranges-and-etag $'GET /buildid/'$small$'/debuginfo HTTP/1.1\nHost: fuzz\nRange: bytes=0-3,100-,-10\nIf-None-Match: "x"'
req get-buildid-range-unsatisfiable $'GET /buildid/'$small$'/executable HTTP/1.1\nHost: fuzz\nRange: bytes=999999-'
req get-buildid-with-read-token $'GET /buildid/'$small$'/debuginfo HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$read
req get-buildid-bad-type $'GET /buildid/'$small$'/everything HTTP/1.1\nHost: fuzz'
req get-symsrv-pe $'GET /symsrv/addon.node/'$pe$'/addon.node HTTP/1.1\nHost: fuzz\nUser-Agent: Microsoft-Symbol-Server/10.0'
req get-symsrv-pdb-lower-case $'GET /symsrv/addon.pdb/'${pdb,,}$'/ADDON.PDB HTTP/1.1\nHost: fuzz'
req head-symsrv-pdb-compressed-form $'HEAD /symsrv/addon.pdb/'$pdb$'/addon.pd_ HTTP/1.1\nHost: fuzz'
req get-symsrv-ssqp-elf $'GET /symsrv/_.debug/elf-buildid-sym-'$small$'/_.debug HTTP/1.1\nHost: fuzz'
req get-symsrv-ssqp-macho $'GET /symsrv/_.dwarf/mach-uuid-sym-'$macho$'/_.dwarf HTTP/1.1\nHost: fuzz'
req get-symsrv-macho-executable-range $'GET /symsrv/addon.node/mach-uuid-'$macho$'/addon.node HTTP/1.1\nHost: fuzz\nRange: bytes=0-15'
req get-artifacts-search $'GET /api/v1/artifacts?q=small&offset=0&limit=5 HTTP/1.1\nHost: fuzz'
req get-artifacts-bad-limit $'GET /api/v1/artifacts?limit=-1&offset=x HTTP/1.1\nHost: fuzz'
req get-artifacts-package $'GET /api/v1/artifacts?package=%40s%2Fsmall%401.0.0-rc.1%2Bb&q=small HTTP/1.1\nHost: fuzz'
# artifacts by row id: the preloaded files have the first ones
req get-artifact $'GET /api/v1/artifacts/1 HTTP/1.1\nHost: fuzz'
req delete-artifact-admin $'DELETE /api/v1/artifacts/20 HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$admin
req delete-artifact-upload-token $'DELETE /api/v1/artifacts/2 HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload
req delete-source-missing $'DELETE /api/v1/sources?buildid='$small$'&path=/seed-src/other.c HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$admin
req post-upload-raw $'POST /api/v1/upload?name=tiny.so HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload "$riscv"
req post-upload-package $'POST /api/v1/upload?name=tiny.so&package=%40napi-rs%2Ftiny-linux-riscv64-gnu%400.1.65 HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload "$riscv"
req post-upload-bad-package $'POST /api/v1/upload?name=tiny.so&package=Tiny%401.0%00 HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload "$riscv"
req post-upload-name-with-folders $'POST /api/v1/upload?name=..%2F..%2Fx%0a.so HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload "$corpus/elf_identity/small.so.stripped"
req post-upload-not-a-binary $'POST /api/v1/upload HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload"$(printf '\nContent-Type: application/octet-stream')" "$corpus/../seed-src/tiny.c"
req post-upload-no-token $'POST /api/v1/upload HTTP/1.1\nHost: fuzz' "$riscv"
req post-upload-read-token $'POST /api/v1/upload HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$read "$riscv"
req post-upload-revoked-token $'POST /api/v1/upload HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$revoked "$riscv"
req post-upload-bad-token $'POST /api/v1/upload HTTP/1.1\nHost: fuzz\nAuthorization: Bearer nsym_01_x' "$riscv"

# multipart/form-data with 100-continue, a field before the file
b=fuzzboundary
{ printf -- '--%s\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n' $b
  printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="tiny-arm.so"\r\nContent-Type: application/octet-stream\r\n\r\n' $b
  cat "$corpus/elf_identity/tiny-arm-linux-gnueabihf.so"
  printf -- '\r\n--%s--\r\n' $b; } >"$work/form"
req post-upload-multipart-continue $'POST /api/v1/upload HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload$'\nExpect: 100-continue\nContent-Type: multipart/form-data; boundary='$b "$work/form"
{ printf -- '--%s\r\nContent-Disposition: form-data; name="note"\r\n\r\nno file here\r\n--%s--\r\n' $b $b; } >"$work/noform"
req post-upload-multipart-no-file $'POST /api/v1/upload HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload$'\nContent-Type: multipart/form-data; boundary='$b "$work/noform"

# chunked: the file in three chunks and a trailer; then with a chunk
# extension, which civetweb 1.15 does not take (400)
chunked() { # EXTENSION
  local f=$corpus/elf_identity/tiny-aarch64-linux-gnu.so size
  size=$(stat -c %s "$f")
  printf 'POST /api/v1/upload?name=tiny-aarch64.so HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n' "$upload"
  printf '%x%s\r\n' 100 "$1"; head -c 100 "$f"; printf '\r\n'
  printf '%x\r\n' $((size - 1100)); tail -c +101 "$f" | head -c $((size - 1100)); printf '\r\n'
  printf '%X\r\n' 1000; tail -c 1000 "$f"; printf '\r\n0\r\nX-Trailer: 1\r\n\r\n'
}
chunked '' >"$out/post-upload-chunked"
chunked ';ext=1' >"$out/post-upload-chunk-extension"

printf '%s' "{\"ids\": [\"$small\", \"DEADBEEFDEADBEEF\", \"4C4C44A4-5555-3144-A160-F7910F8ED4A5\", \"$pdb\"]}" >"$work/ids"
req post-missing $'POST /api/v1/missing HTTP/1.1\nHost: fuzz\nContent-Type: application/json\nAuthorization: Bearer '$upload "$work/ids"
printf '{"ids": ["nothex!", 5]}' >"$work/badids"
req post-missing-bad-ids $'POST /api/v1/missing HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload "$work/badids"
printf '{"ids": [[[[["x"]]]]], "other": {}}' >"$work/deep"
req post-missing-deep-and-extra $'POST /api/v1/missing HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$admin "$work/deep"
printf '/* other.c */\nint other(void) { return 1; }\n' >"$work/src"
req post-upload-source $'POST /api/v1/upload/source?buildid='$small$'&path=/seed-src/other.c HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload "$work/src"
req post-upload-source-relative-path $'POST /api/v1/upload/source?buildid='$small$'&path=seed-src/../x.c HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$upload "$work/src"

# the symbolicate route: a compact trace over the stored small.so, a
# report, and text no reader takes, in both answers
printf 'napi-symbols: crash v1 SIGSEGV at 0x0\nnapi-symbols: m0 %s small.so\nnapi-symbols: m1 %s other.so\nnapi-symbols: f m0+270! m0+300 m1+20 ?+7f00\nnapi-symbols: end\n' \
  "$small" "$macho" >"$work/trace"
req post-symbolicate-trace $'POST /api/v1/symbolicate HTTP/1.1\nHost: fuzz\nContent-Type: text/plain' "$work/trace"
req post-symbolicate-text $'POST /api/v1/symbolicate?basenames=1 HTTP/1.1\nHost: fuzz\nAccept: text/plain;q=0.9, application/json;q=0.5\nAuthorization: Bearer '$read "$work/trace"
printf '{"format": "napi-symbols-crash", "version": 1, "reason": "signal", "signal": {"number": 11}, "modules": [{"path": "/x/small.so", "id": "%s", "base": "0x7f0000000000"}], "frames": [{"pc": "0x7f0000000270", "module": 0, "rel": "0x270"}]}' \
  "$small" >"$work/report"
req post-symbolicate-report $'POST /api/v1/symbolicate HTTP/1.1\nHost: fuzz\nAccept: */*' "$work/report"
printf 'no crash here\n' >"$work/nocrash"
req post-symbolicate-nothing $'POST /api/v1/symbolicate HTTP/1.1\nHost: fuzz\nAccept: image/png' "$work/nocrash"
# Mozilla's symbolication v5 on the same route: small.so by its debug id
# (its build-id's first 16 bytes as a GUID, the first three fields
# swapped, and age 0), the PDB by its GUID and age, a module nobody has;
# and a request refused (a module index past the memory map)
printf '{"jobs": [{"memoryMap": [["small.so", "2FB30239C28C42DD4482CE107BDDE0650"], ["addon.pdb", "%s"], ["gone.so", "00000000000000000000000000000000A"]], "stacks": [[[0, 624], [0, 768], [1, 4096], [2, 16], [-1, 1], [0, -1]]]}, {"memoryMap": [["small.so", "2FB30239C28C42DD4482CE107BDDE0650"]], "stacks": [[[0, 624]]]}], "version": 5}' \
  "$pdb" >"$work/v5"
req post-symbolicate-v5 $'POST /api/v1/symbolicate HTTP/1.1\nHost: fuzz\nContent-Type: application/json' "$work/v5"
printf '{"memoryMap": [["small.so", "2FB30239C28C42DD4482CE107BDDE0650"]], "stacks": [[[1, 624]]]}' >"$work/v5bad"
req post-symbolicate-v5-refused $'POST /api/v1/symbolicate HTTP/1.1\nHost: fuzz\nAuthorization: Bearer '$read "$work/v5bad"

# the web page: the same trace as a link, as an urlencoded form with a
# token and a cookie, as a multipart form with a file part, and a file of
# the page's
# form_encode FILE: its bytes as a form's value, a space as '+'
form_encode() {
  local LC_ALL=C s c i out=
  s=$(cat "$1"; printf x)
  s=${s%x}
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
    [a-zA-Z0-9.~_-]) out+=$c ;;
    ' ') out+=+ ;;
    *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}
req get-page-trace-link $'GET /?trace='"$(form_encode "$work/trace")"$'&basenames=1 HTTP/1.1\nHost: fuzz'
printf 'trace=%s&token=%s&remember=1' "$(form_encode "$work/trace")" "$read" >"$work/page-form"
req post-page-urlencoded $'POST / HTTP/1.1\nHost: fuzz\nContent-Type: application/x-www-form-urlencoded\nCookie: napi_symbols_token='$revoked "$work/page-form"
printf -- '--%s\r\nContent-Disposition: form-data; name="trace"\r\n\r\n\r\n--%s\r\nContent-Disposition: form-data; name="file"; filename="r.json"\r\nContent-Type: application/json\r\n\r\n%s\r\n--%s--\r\n' \
  "$b" "$b" "$(cat "$work/report")" "$b" >"$work/page-multipart"
req post-page-multipart $'POST / HTTP/1.1\nHost: fuzz\nContent-Type: multipart/form-data; boundary='$b "$work/page-multipart"
req get-page-asset $'GET /assets/page.css HTTP/1.1\nHost: fuzz\nIf-None-Match: "x"'

# framing and paths
raw get-healthz-http10 'GET /healthz HTTP/1.0\r\n\r\n'
raw get-bare-lf 'GET /metrics HTTP/1.1\nHost: fuzz\n\n'
raw pipelined-gets 'GET /healthz HTTP/1.1\r\nHost: fuzz\r\n\r\nHEAD /buildid/'$small'/debuginfo HTTP/1.1\r\nHost: fuzz\r\n\r\nGET / HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n'
raw post-lengths-conflict 'POST /api/v1/missing HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n{}{}'
raw post-length-and-chunked 'POST /api/v1/missing HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
raw post-no-length-http10 'POST /api/v1/missing HTTP/1.0\r\nAuthorization: Bearer '$upload'\r\n\r\n{"ids": []}'
raw post-body-cut-short 'POST /api/v1/missing HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer '$upload'\r\nContent-Length: 100\r\n\r\n{"ids": ['
raw expect-unknown 'POST /api/v1/missing HTTP/1.1\r\nHost: fuzz\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}'
raw path-nul 'GET /buildid/%00/debuginfo HTTP/1.1\r\nHost: fuzz\r\n\r\n'
raw path-dot-segments 'GET /symsrv/../buildid/./'$small'//executable HTTP/1.1\r\nHost: fuzz\r\n\r\n'
raw method-put 'PUT /api/v1/upload HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 0\r\n\r\n'
raw method-options 'OPTIONS * HTTP/1.1\r\nHost: fuzz\r\n\r\n'
raw unknown-route 'GET /no/such/route?x=%zz HTTP/1.1\r\nHost: fuzz\r\n\r\n'
raw absolute-target 'GET http://fuzz/healthz HTTP/1.1\r\nHost: fuzz\r\n\r\n'
raw header-folded-and-long 'GET /metrics HTTP/1.1\r\nHost: fuzz\r\nX-Long: '"$(head -c 3000 /dev/zero | tr '\0' a)"'\r\n folded\r\n\r\n'
raw head-only-cut 'GET /buildid/'$small'/debuginfo HTTP/1.1\r\nHost: fu'
