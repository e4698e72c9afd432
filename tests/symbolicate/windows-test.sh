#!/usr/bin/env bash
# `napi-symbols symbolicate` on what Windows users paste, written here for
# the PE fixtures of tests/fixtures/foreign (pe/addon.node, which faults at
# RVA 0x1010 when given a null buffer, and pe/crasher.node, whose calls
# return at 0x104c, 0x102b and 0x1009) in the shapes real texts take in
# public issues (each case names them). Each frame must say its module and
# its offset in it, and how the offset was found; once the PE symbolizer
# reads these fixtures (napi-symbols symbolize -e pe/addon.node answers), the
# frames must also answer as symbolize does at ImageBase + offset. The cases
# that need the PE's code (load-address inference) are skipped until then
# (exit 77).
#   windows-test.sh NAPI_SYMBOLS FOREIGN_FIXTURES_DIR CASE
set -uo pipefail
nsym=$(realpath "$1") pe=$(realpath "$2")/pe case_name=$3
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
skip() { echo "SKIP [$case_name]: $*"; exit 77; }
export XDG_CACHE_HOME=$work/xdg DEBUGINFOD_CACHE_PATH=$work/cache
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS
. "$(dirname "$0")/../lib.sh"
cd "$work" || exit 1
readobj=$(tool llvm-readobj)

addon=$pe/addon.node crasher=$pe/crasher.node
stamp_of() { "$readobj" --file-headers "$1" | awk '/TimeDateStamp:/ {gsub(/[()]/, "", $NF); print tolower(substr($NF, 3)); exit}'; }
base_of() { "$readobj" --file-headers "$1" | awk '$1 == "ImageBase:" {print $2; exit}'; }
stamp=$(stamp_of "$addon") crasher_stamp=$(stamp_of "$crasher") image_base=$(base_of "$addon")
[ ${#stamp} = 8 ] && [ -n "$image_base" ] || fail "llvm-readobj gave no stamp or image base: '$stamp' '$image_base'"
pdb_id=$("$nsym" inspect "$addon" | awk '/pdb id:/ {print tolower($3)}')
code_id=$("$nsym" inspect "$addon" | awk '/code id:/ {print tolower($3)}')

run() { # STATUS ARGS...: symbolicate, output in $out and $err
  local want=$1
  shift
  "$nsym" symbolicate "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out=$(cat "$work/out") err=$(cat "$work/err")
  [ "$got" -eq "$want" ] || fail "symbolicate $* exited $got, expected $want: $err"
}
# Whether the PE symbolizer reads the fixture (the PDB beside it).
pe_symbols() { "$nsym" symbolize -s --cache never -e "$addon" "$image_base" >/dev/null 2>&1; }
# want FILE [-r] RVA: what symbolize says at ImageBase + RVA, one frame a line
want() {
  local file=$1 r=
  [ "$2" = -r ] && { r=-r; shift; }
  "$nsym" symbolize -s --cache never -e "$file" $r "0x$(printf '%x' $((image_base + 16#$2)))" | sed 's/^ *//'
}
# frame N: frame #N of $out as symbolize prints it (module part dropped)
frame() {
  printf '%s\n' "$out" | awk -v n="#$1 " '/^$/ {exit} index($0, n) == 1 {p=1; print; next} /^#/ {p=0} p' |
    sed -e 's/^#[0-9]* //' -e 's/ in [^ ]*+0x[0-9a-f]*.*$//' -e 's/^ *//'
}
# the answer for a frame of addon.node at RVA, when the PE symbolizer is there
expect_answer() { # N FILE [-r] RVA
  local n=$1
  shift
  pe_symbols || return 0
  [ "$(frame "$n")" = "$(want "$@")" ] || fail "frame #$n: '$(frame "$n")', expected '$(want "$@")': $out"
}
json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$out" || fail "not JSON: $out"; }
variants() { # FILE: quoted, after a runner's tag, joined into one line, wrapped at 60 columns
  sed 's/^/> /' "$1" >"$1.quoted"
  sed 's/^/[app] /' "$1" >"$1.prefixed"
  tr '\n' ' ' <"$1" >"$1.joined"
  fold -s -w 60 "$1" >"$1.wrapped" # at spaces, as a mail or a form wraps
}

# event 1000 for a fault at RVA 0x1010 of addon.node, as "Copy details"
# gives it (microsoft/EventLogExpert #425, kauffman12/EQLogParser #76):
# the words, then the event's XML
event_text() { # MODULE STAMP
  cat <<EOF
Log Name:      Application
Source:        Application Error
Event ID:      1000
Task Category: Application Crashing Events
Level:         Error
Description:
Faulting application name: node.exe, version: 20.11.1.0, time stamp: 0x65b8c8a5
Faulting module name: $1, version: 0.0.0.0, time stamp: 0x$2
Exception code: 0xc0000005
Fault offset: 0x0000000000001010
Faulting process id: 0x2f8c
Faulting application start time: 0x01da6c6bd5e1f24e
Faulting application path: C:\\Program Files\\nodejs\\node.exe
Faulting module path: C:\\app\\node_modules\\addon\\build\\Release\\$1
Report Id: 4134a62b-474a-4c49-aa97-df525e0d5a01
Faulting package full name: 
Faulting package-relative application ID: 
Event Xml:
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Application Error" Guid="{a0e9b465-b939-57d7-b27d-95d8e925ff57}" />
    <EventID>1000</EventID>
  </System>
  <EventData>
    <Data Name="AppName">node.exe</Data>
    <Data Name="ModuleName">$1</Data>
    <Data Name="ModuleTimeStamp">$2</Data>
    <Data Name="ExceptionCode">c0000005</Data>
    <Data Name="FaultingOffset">0000000000001010</Data>
    <Data Name="ProcessId">0x2f8c</Data>
    <Data Name="ModulePath">C:\\app\\node_modules\\addon\\build\\Release\\$1</Data>
    <Data Name="IntegratorReportId">4134a62b-474a-4c49-aa97-df525e0d5a01</Data>
  </EventData>
</Event>
EOF
}

# The one frame of a Windows record: addon.node+0x1010, given by the text.
check_fault() { # what
  [[ "$out" == "crash: EXCEPTION_ACCESS_VIOLATION (0xc0000005)"$'\n'* ]] || fail "$1: header: $out"
  [[ "$out" == *$'\n'"#0 "*" in addon.node+0x1010 [addon]"* ]] || fail "$1: the frame: $out"
  [ "$(grep -c '^#' <<<"$out")" = 1 ] || fail "$1: one frame: $out"
  expect_answer 0 "$addon" 1010
}

case $case_name in
event)
  event_text addon.node "$stamp" >event.txt
  variants event.txt
  for t in event.txt event.txt.quoted event.txt.prefixed event.txt.joined event.txt.wrapped; do
    run 0 --no-fetch -s --module "$addon" "$t"
    check_fault "$t"
    [[ "$out" == *$'\n'"pid 12172"$'\n'"from: Windows Application Error event: node.exe"* ]] ||
      fail "$t: pid and source: $out"
  done
  run 0 --no-fetch -s --json --module "$addon" event.txt
  json_ok
  [[ "$out" == *'{"module": "addon.node", "id": "", "pe_timestamp": "'$stamp'", "module_offset": "0x1010", "offset_from": "given", "rel": "0x1010", "addon": true, "return_address": false'* ]] ||
    fail "json: $out"
  # Windows compares names without case
  event_text ADDON.NODE "$stamp" >upper.txt
  run 0 --no-fetch -s --module "$addon" upper.txt
  [[ "$out" != *"no --module named"* ]] || fail "the name in capitals: $out"
  # another build of that name: its time stamp says so (lld-link stamps
  # the time of the link; this copy is a second later)
  python3 -c 'import struct,sys
d=bytearray(open(sys.argv[1],"rb").read()); at=struct.unpack_from("<I",d,0x3c)[0]+8
struct.pack_into("<I",d,at,struct.unpack_from("<I",d,at)[0]+1); open("addon.node","wb").write(d)' "$addon"
  run 0 --no-fetch -s --module "$work/addon.node" event.txt
  [[ "$out" == *"(--module '$work/addon.node' is another build of addon.node: its time stamp is $(stamp_of addon.node), the crash's $stamp; no server was asked for the build with time stamp $stamp (--no-fetch))" ]] ||
    fail "another build: $out"
  # no file and no server
  run 0 --no-fetch -s event.txt
  [[ "$out" == *"(no identity, and no --module named like 'addon.node'; no server was asked for the build with time stamp $stamp (--no-fetch))" ]] ||
    fail "nothing: $out" ;;
wer)
  # Report.wer as WER keeps it in ReportArchive (microsoft/mfcmapi #368,
  # OfficeDev/office-js #465): UTF-16LE with a byte-order mark, CRLF lines
  cat >wer.txt <<EOF
Version=1
EventType=APPCRASH
EventTime=133877728438194296
ReportType=2
Consent=1
ReportIdentifier=5ccfe0aa-63ee-45cc-b72c-053a4280b3e0
IntegratorReportIdentifier=4134a62b-474a-4c49-aa97-df525e0d5a01
NsAppName=node.exe
Sig[0].Name=Application Name
Sig[0].Value=node.exe
Sig[1].Name=Application Version
Sig[1].Value=20.11.1.0
Sig[2].Name=Application Timestamp
Sig[2].Value=65b8c8a5
Sig[3].Name=Fault Module Name
Sig[3].Value=addon.node
Sig[4].Name=Fault Module Version
Sig[4].Value=0.0.0.0
Sig[5].Name=Fault Module Timestamp
Sig[5].Value=$stamp
Sig[6].Name=Exception Code
Sig[6].Value=c0000005
Sig[7].Name=Exception Offset
Sig[7].Value=0000000000001010
DynamicSig[1].Name=OS Version
DynamicSig[1].Value=10.0.19045.2.0.0.256.48
UI[2]=C:\\Program Files\\nodejs\\node.exe
LoadedModule[0]=C:\\Program Files\\nodejs\\node.exe
LoadedModule[1]=C:\\WINDOWS\\SYSTEM32\\ntdll.dll
LoadedModule[2]=C:\\app\\node_modules\\addon\\build\\Release\\addon.node
EOF
  sed 's/$/\r/' wer.txt | iconv -f UTF-8 -t UTF-16 >Report.wer
  [ "$(head -c 2 Report.wer | od -An -tx1 | tr -d ' ')" = fffe ] || fail "iconv wrote no UTF-16LE mark"
  for t in Report.wer wer.txt; do
    run 0 --no-fetch -s --module "$addon" "$t"
    check_fault "$t"
    [[ "$out" == *$'\n'"from: Windows Error Reporting (APPCRASH): node.exe"$'\n'* ]] || fail "$t: source: $out"
  done
  run 0 --no-fetch -s --json --module "$addon" Report.wer
  json_ok
  [[ "$out" == *'"module": "addon.node", "id": "", "pe_timestamp": "'$stamp'", "module_offset": "0x1010", "offset_from": "given"'* ]] ||
    fail "json: $out" ;;
server)
  # the module found on the server by its name and time stamp: the image
  # fetched by the code id the search gives, then the PDB it names
  serve_for_test
  event_text addon.node "$stamp" >event.txt
  run 0 -s --server "$url" event.txt
  [[ "$out" == *"(no identity, and no --module named like 'addon.node'; no server has addon.node with time stamp $stamp (upload the .node and its .pdb))" ]] ||
    fail "not uploaded yet: $out"
  # the image as a user's machine gets it: the path its CodeView record
  # names (where the linker left the PDB, here in the build) moved away
  # by one byte of a folder's name, so the PDB can only come from the server
  mkdir -p shipped
  python3 -c 'import sys
d=bytearray(open(sys.argv[1],"rb").read()); i=d.find(b"/addon.pdb\0")
assert i > 1 and d[i-1:i] != b"/"; d[i-1]=ord("X"); open(sys.argv[2],"wb").write(d)' "$addon" shipped/addon.node
  for f in shipped/addon.node "$pe/addon.pdb"; do
    curl -fsS -H "Authorization: Bearer $(cat "$work/token")" --data-binary "@$f" \
      "$url/api/v1/upload?name=$(basename "$f")" >/dev/null || fail "upload $f"
  done
  # a build of another name with the same stamp is not taken
  curl -fsS -H "Authorization: Bearer $(cat "$work/token")" --data-binary "@$pe/addon-nodebug.node" \
    "$url/api/v1/upload?name=other.node" >/dev/null || fail "upload other.node"
  # (--local: the files fetched here; without it the server's symbolicate
  # route answers, as the route's own tests check)
  run 0 -s --local --server "$url" event.txt
  [ -s "$DEBUGINFOD_CACHE_PATH/$code_id/executable" ] || fail "the image was not fetched by code id $code_id: $out $err"
  [ -s "$DEBUGINFOD_CACHE_PATH/$pdb_id/debuginfo" ] || fail "the PDB was not fetched by its id $pdb_id: $out $err"
  cmp -s "$DEBUGINFOD_CACHE_PATH/$pdb_id/debuginfo" "$pe/addon.pdb" || fail "another PDB came"
  check_fault "from the server"
  rm -rf "$DEBUGINFOD_CACHE_PATH"
  run 0 -s --no-fetch --server "$url" event.txt
  [[ "$out" == *"no server was asked"* ]] || fail "--no-fetch asks no server: $out"
  # two builds of that name and stamp on the server (a copy whose
  # SizeOfImage says 0x4000): neither is taken, and the frame says so
  python3 -c 'import struct,sys
d=bytearray(open(sys.argv[1],"rb").read()); at=struct.unpack_from("<I",d,0x3c)[0]+80
struct.pack_into("<I",d,at,0x4000); open("bigger.node","wb").write(d)' "$addon"
  curl -fsS -H "Authorization: Bearer $(cat "$work/token")" --data-binary "@bigger.node" \
    "$url/api/v1/upload?name=addon.node" >/dev/null || fail "upload the other build"
  run 0 -s --server "$url" event.txt
  [[ "$out" == *"(no identity, and no --module named like 'addon.node'; $url holds several builds named addon.node with time stamp $stamp (${stamp}"?"000, ${stamp}"?"000))" &&
     "$out" == *"${stamp}3000"* && "$out" == *"${stamp}4000"* ]] || fail "two builds: $out" ;;
windbg)
  # !analyze -v's STACK_TEXT (nodejs/node #23209, bitfocus/companion
  # #3917) and k (electron/electron #8829): WinDbg names the module
  # "addon" (its file name without the extension); the frame without
  # symbols gives its offset, the one with the export its symbol
  cat >analyze.txt <<EOF
EXCEPTION_RECORD:  (.exr -1)
ExceptionAddress: 00007ff9a0781010 (addon!napi_register_module_v1+0x0000000000000010)
   ExceptionCode: c0000005 (Access violation)
  ExceptionFlags: 00000000
NumberParameters: 2
   Parameter[0]: 0000000000000000
   Parameter[1]: 0000000000000000
Attempt to read from address 0000000000000000

STACK_TEXT:  
00000045\`783fc850 00007ff6\`6b7c016f     : 00000000\`00000000 00000000\`00000000 00000000\`00000000 00000000\`00000000 : addon+0x1010
00000045\`783fc890 00007ff6\`6b7c0200     : 00000000\`00000000 00000000\`00000000 00000000\`00000000 00000000\`00000000 : node!napi_module_register_by_symbol+0x1a3
00000045\`783fc8d0 00000000\`00000000     : 00000000\`00000000 00000000\`00000000 00000000\`00000000 00000000\`00000000 : 0x000002a4\`1c3b0a7e


SYMBOL_NAME:  addon+1010
EOF
  printf '%s\n' '0:000> k' ' # Child-SP          RetAddr               Call Site' \
    '00 00000087`027fb370 00007fff`3569d6e0     addon!napi_register_module_v1+0x10' \
    '01 00000087`027fb3a0 00007fff`359de40f     node!napi_module_register_by_symbol+0x1a3' >k.txt
  run 0 --no-fetch -s --module "$addon" analyze.txt
  [[ "$out" == "crash: EXCEPTION_ACCESS_VIOLATION at 0x0"$'\n'"from: WinDbg stack: STACK_TEXT"$'\n'* ]] ||
    fail "header: $out"
  [[ "$out" == *$'\n'"#0 "*" in addon+0x1010"* ]] || fail "frame 0: $out"
  [[ "$out" == *$'\n'"#1 napi_module_register_by_symbol + 419 in node at 0x7ff66b7c016f (a load address is needed: "* ]] ||
    fail "node's frame: $out"
  [[ "$out" == *$'\n'"#2 ?? at 0x2a41c3b0a7e (not in a module)"* ]] || fail "JIT frame: $out"
  expect_answer 0 "$addon" 1010
  # the --module named like the module as WinDbg names it is the one used
  [[ "$out" != *"no --module named like 'addon'"* ]] || fail "debugger name: $out"
  run 0 --no-fetch -s --json --module "$addon" k.txt
  json_ok
  [[ "$out" == *'"module": "node", "id": "", "pc": "0x7fff3569d6e0"'* ]] || fail "the RetAddr above: $out"
  # the export the frame is named after, at RVA 0x1000, places it
  if pe_symbols; then
    [[ "$out" == *'{"module": "addon", "id": "", "module_offset": "0x1010", "offset_from": "symbol"'* ]] ||
      fail "a symbol and its offset: $out"
    run 0 --no-fetch -s --module "$addon" k.txt
    expect_answer 0 "$addon" 1010
  else
    [[ "$out" == *'{"module": "addon", "id": "", "addon": false, "return_address": false, "frames": [], "symbol": "napi_register_module_v1", "symbol_offset": 16, "unresolved": "the text gives it as '"'napi_register_module_v1' + 0x10"* ]] ||
      fail "a symbol and its offset: $out"
  fi ;;
stackwalker)
  # StackWalker's lines (its OnCallstackEntry: "%p (%s): %s: %s"), the
  # frames of crasher.node loaded at 0x7ff9a0780000, which dbghelp names
  # by their nearest export; load-address inference places them
  pe_symbols || skip "the PE symbolizer does not read the PE fixtures yet"
  base=$((0x7ff9a0780000))
  {
    printf '%016X (ntdll): (filename not available): RtlUserThreadStart\n' $((0x7fff81a0960b))
    for r in 104c 102b 1009; do
      printf '%016X (crasher): (filename not available): napi_register_module_v1\n' $((base + 16#$r))
    done
  } >sw.txt
  run 0 --no-fetch -s --module "$crasher" sw.txt
  [[ "$err" == *"crasher.node: load address 0x7ff9a0780000 inferred from 3 frames"* ]] || fail "inference: $err"
  n=1
  for r in 104c 102b 1009; do
    [[ "$out" == *$'\n'"#$n "*" in crasher+0x$r"* ]] || fail "frame $n at 0x$r: $out"
    expect_answer $n "$crasher" -r "$r"
    n=$((n + 1))
  done ;;
rust)
  # a panic in the addon under RUST_BACKTRACE=full on Windows (the shape of
  # denoland/deno #19389: frames named after the nearest export, source
  # lines with Windows paths, CRLF): the load address is inferred at a
  # 64 KiB boundary, and a whole 64 KiB off is no other answer
  pe_symbols || skip "the PE symbolizer does not read the PE fixtures yet"
  rust_trace() { # BASE
    printf '%s\r\n' "thread 'main' panicked at src\\lib.rs:42:9:" "boom" "stack backtrace:"
    printf '   0:     0x%x - std::panicking::begin_panic_handler\r\n' $((0x7ff6bbe3ab29))
    printf '                               at /rustc/abc\\library\\std\\src\\panicking.rs:645\r\n'
    local k=1 r
    for r in 104c 102b 1009; do
      printf '  %2d:     0x%x - napi_register_module_v1\r\n' $k $(($1 + 16#$r))
      k=$((k + 1))
    done
    printf '  %2d:     0x%x - <unknown>\r\n' $k $((0x7ff6bb0a1d3e))
  }
  rust_trace $((0x7ff9a0780000)) >rust.txt
  run 0 -s --no-fetch --module "$crasher" rust.txt
  [[ "$err" == *"crasher.node: load address 0x7ff9a0780000 inferred from 3 frames"* ]] || fail "inference: $err"
  [[ "$out" == "panic: boom"$'\n'"  at src\\lib.rs:42:9"* ]] || fail "panic: $out"
  n=1
  for r in 104c 102b 1009; do
    [[ "$out" == *$'\n'"#$n "*" in crasher.node+0x$r [addon]"* ]] || fail "frame $n at 0x$r: $out"
    expect_answer $n "$crasher" -r "$r"
    n=$((n + 1))
  done
  # 4 KiB off: no 64 KiB boundary fits
  rust_trace $((0x7ff9a0781000)) >shifted.txt
  run 0 -s --no-fetch --module "$crasher" shifted.txt
  [[ "$err" == *"load address of crasher.node not inferred: none of the"* ]] || fail "shifted: $err" ;;
node)
  # Node's native stack on a fatal error on Windows (node-ffi-napi #127:
  # no module named, the addon's frames by their nearest export or bare)
  pe_symbols || skip "the PE symbolizer does not read the PE fixtures yet"
  base=$((0x7ff9a0780000))
  {
    printf '%s\n' "FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw" \
      " 1: 00007FF7D5E3058F napi_wrap+109311" " 2: 00007FF7D699E412 V8_Fatal+162"
    printf ' 3: %016X napi_register_module_v1+%d\n' $((base + 0x104c)) $((0x4c))
    printf ' 4: %016X\n' $((base + 0x102b))
    printf ' 5: %016X napi_register_module_v1+%d\n' $((base + 0x1009)) 9
    printf ' 6: 00007FF7D5E0CD86 node::Stop+35046\n'
  } >node.txt
  run 0 -s --no-fetch --module "$crasher" node.txt
  # (exactly, from the frames that name the export with an offset)
  [[ "$err" == *"crasher.node: load address 0x7ff9a0780000 from the functions its frames name with offsets, which fits all 3 frames"* ]] ||
    fail "inference: $err"
  n=2
  for r in 104c 102b 1009; do
    [[ "$out" == *$'\n'"#$n "*" in crasher.node+0x$r [addon]"* ]] || fail "frame $n at 0x$r: $out"
    expect_answer $n "$crasher" -r "$r"
    n=$((n + 1))
  done ;;
*)
  fail "unknown case" ;;
esac
echo "ok [$case_name]"
