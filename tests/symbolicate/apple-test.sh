#!/usr/bin/env bash
# `napi-symbols symbolicate` on the crash reports of macOS, written here for
# the Mach-O fixtures of tests/fixtures/foreign (addon-fat.node and
# addon-x86_64.node, with their dSYMs) at load addresses chosen by the
# test: .ips (macOS 12 and later) and the text .crash, in the shapes real
# reports take in public issues (docs/crash-report.md, "macOS crash
# reports"). Each addon frame must read as llvm-symbolizer reads the dSYM
# at __TEXT's vmaddr + the frame's offset (minus 1 for return addresses).
#   apple-test.sh NAPI_SYMBOLS FOREIGN_FIXTURES_DIR CASE
set -uo pipefail
nsym=$(realpath "$1") dir=$(realpath "$2")/macho case_name=$3
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
export XDG_CACHE_HOME=$work/xdg # never write symcaches or downloads into HOME
unset NAPI_SYMBOLS_SERVER NAPI_SYMBOLS_TOKEN DEBUGINFOD_URLS

. "$(dirname "$0")/../lib.sh"
llvm_symbolizer=$(tool llvm-symbolizer)
objdump=$(tool llvm-objdump)
dwarfdump=$(tool llvm-dwarfdump)

fat=$dir/addon-fat.node x86=$dir/addon-x86_64.node
fat_dwarf=$(find "$fat.dSYM" -type f -path '*DWARF*')
x86_dwarf=$(find "$x86.dSYM" -type f -path '*DWARF*')
uuid_of() { # FILE ARCH: the slice's UUID in 32 lowercase hex digits
  "$dwarfdump" --uuid "$1" | awk -v arch="($2)" '$3 == arch { print tolower($2) }' | tr -d -
}
dashed() { echo "${1:0:8}-${1:8:4}-${1:12:4}-${1:16:4}-${1:20}"; }
arm_id=$(uuid_of "$fat" arm64) x86_id=$(uuid_of "$x86" x86_64)
[ ${#arm_id} = 32 ] && [ ${#x86_id} = 32 ] || fail "llvm-dwarfdump gave no UUIDs: '$arm_id' '$x86_id'"
arm_uuid=$(dashed "$arm_id") x86_uuid=$(dashed "$x86_id")
text_vmaddr() { # FILE ARCH: __TEXT's vmaddr, which Mach-O addresses count from
  "$objdump" --macho --arch="$2" --private-headers "$1" |
    awk '$1 == "segname" && $2 == "__TEXT" { t = 1 } t && $1 == "vmaddr" { print $2; exit }'
}
arm_text=$(text_vmaddr "$fat" arm64) x86_text=$(text_vmaddr "$x86" x86_64)
[ -n "$arm_text" ] && [ -n "$x86_text" ] || fail "no __TEXT vmaddr"

# The load addresses: 16 KiB pages on arm64, 4 KiB on x86_64.
arm_base=$((0x104d28000)) x86_base=$((0x109e1c000))
# The addon frames, as offsets in the image (where the code lies depends
# on the size of the load commands, which hold the build's paths): the
# faulting load of p[i] in checksum(), inlined into
# napi_register_module_v1, then return addresses after it in mix() and in
# the loop (inline chains of three and two).
first_insn() { # FILE ARCH MNEMONIC: the address of its first such instruction
  "$objdump" --macho --arch="$2" -d "$1" | awk -v m="$3" '$NF != "" && $0 ~ "\t" m "\t" { sub(":", "", $1); print "0x" $1; exit }'
}
arm_fault=$(first_insn "$fat" arm64 ldrb) x86_fault=$(first_insn "$x86" x86_64 movzbl)
[ -n "$arm_fault" ] && [ -n "$x86_fault" ] || fail "no load of p[i] in the fixtures"
arm_ret1=$((arm_fault + 0xc)) arm_ret2=$((arm_fault + 0x1c))
x86_ret1=$((x86_fault + 0x8)) x86_ret2=$((x86_fault + 0x14))
x86_func=$("$objdump" --macho --arch=x86_64 -h "$x86" | awk '$2 == "__text" { print "0x" $4 }')
hex() { printf '0x%x' "$1"; }
dec() { printf '%d' "$1"; }


# llvm_says DWARF ARCH TEXT OFFSET RETURN: llvm-symbolizer's frames for the
# offset in the image ("function" and "file:line:column" lines), at
# TEXT + OFFSET, less 1 for a return address.
llvm_says() {
  "$llvm_symbolizer" --obj="$1" --default-arch="$2" --inlining \
    "$(hex $(($3 + $4 - $5)))" | sed '/^$/d'
}
# ours_say N: frame #N of $out (--json) in the same lines.
ours_say() {
  node -e '
    const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const f = (Array.isArray(c) ? c[0] : c).frames[+process.argv[1]];
    for (const x of f.frames) console.log(x.function + "\n" + x.file + ":" + x.line + ":" + x.column);
  ' "$1" <<<"$out"
}
# frame_is N FIELD VALUE: frame #N of $out (--json) has FIELD = VALUE
frame_is() {
  local got
  got=$(node -e '
    const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const f = (Array.isArray(c) ? c[0] : c).frames[+process.argv[1]];
    const v = f[process.argv[2]]; console.log(v === undefined ? "(none)" : v);
  ' "$1" "$2" <<<"$out")
  [ "$got" = "$3" ] || fail "frame #$1's $2 is '$got', not '$3': $out"
}
# agree N DWARF ARCH TEXT OFFSET RETURN: frame #N of $out (--json) is what
# llvm-symbolizer says, with an inline chain
agree() {
  local n=$1 want got
  shift
  want=$(llvm_says "$@") got=$(ours_say "$n")
  [ "$got" = "$want" ] || fail "frame #$n: ours
$got
llvm-symbolizer
$want"
  [ "$(wc -l <<<"$got")" -ge 4 ] || fail "frame #$n has no inlined frame: $got"
}

# ---- the texts ---------------------------------------------------------------

# An .ips as macOS 14 writes it (bug_type 309: the metadata line, then the
# report), for node crashing in the arm64 addon at offset $arm_fault: the
# addon's frames carry no symbol (a stripped addon), node's and the
# system's do, one frame is JIT code (the placeholder image 3), and
# registers hold integers past 2^63 as real ones do. $1: the addon's UUID.
write_ips() {
  local uuid=${1:-$arm_uuid}
  cat <<IPS
{"app_name":"node","timestamp":"2025-03-14 10:22:41.00 +0100","app_version":"","slice_uuid":"5b4c3cd8-3a1e-3b05-9b5e-8c1f0e2d4a17","build_version":"","platform":1,"share_with_app_devs":0,"is_first_party":1,"bug_type":"309","os_version":"macOS 14.3.1 (23D60)","roots_installed":0,"name":"node","incident_id":"0B9A4C1E-6F0D-4B7A-9E63-2C1D5A8F7E40"}
{
  "uptime" : 86000,
  "procRole" : "Unspecified",
  "version" : 2,
  "userID" : 501,
  "deployVersion" : 210,
  "modelCode" : "Mac14,2",
  "coalitionID" : 1733,
  "osVersion" : {
    "train" : "macOS 14.3.1",
    "build" : "23D60",
    "releaseType" : "User"
  },
  "captureTime" : "2025-03-14 10:22:40.8812 +0100",
  "incident" : "0B9A4C1E-6F0D-4B7A-9E63-2C1D5A8F7E40",
  "pid" : 48213,
  "translated" : false,
  "cpuType" : "ARM-64",
  "procLaunch" : "2025-03-14 10:22:39.1230 +0100",
  "procName" : "node",
  "procPath" : "\/opt\/homebrew\/Cellar\/node\/22.3.0\/bin\/node",
  "parentProc" : "zsh",
  "parentPid" : 1208,
  "exception" : {"codes":"0x0000000000000001, 0x0000000000000000","rawCodes":[1,0],"type":"EXC_BAD_ACCESS","signal":"SIGSEGV","subtype":"KERN_INVALID_ADDRESS at 0x0000000000000000"},
  "termination" : {"flags":0,"code":11,"namespace":"SIGNAL","indicator":"Segmentation fault: 11","byProc":"exc handler","byPid":48213},
  "vmregioninfo" : "0 is not in any region.  Bytes before following region: 4305616896",
  "faultingThread" : 0,
  "threads" : [{"triggered":true,"id":1503744,"threadState":{"x":[{"value":0},{"value":18446744073709551569},{"value":17},{"value":6171892208}],"flavor":"ARM_THREAD_STATE64","lr":{"value":$(dec $((arm_base + arm_ret1)))},"cpsr":{"value":2147483648},"fp":{"value":6171892176},"sp":{"value":6171892160},"esr":{"value":2449473542,"description":"(Data Abort) byte read Translation fault"},"pc":{"value":$(dec $((arm_base + arm_fault))),"matchesCrashFrame":1},"far":{"value":0}},"queue":"com.apple.main-thread","frames":[{"imageOffset":$(dec $arm_fault),"imageIndex":0},{"imageOffset":$(dec $arm_ret1),"imageIndex":0},{"imageOffset":$(dec $arm_ret2),"imageIndex":0},{"imageOffset":5012344,"symbol":"v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&)","symbolLocation":112,"imageIndex":1},{"imageOffset":22174176396285,"imageIndex":3},{"imageOffset":1306212,"symbol":"node::Start(int, char**)","symbolLocation":200,"imageIndex":1,"inline":true},{"imageOffset":1306212,"symbol":"main","symbolLocation":36,"imageIndex":1},{"imageOffset":24800,"symbol":"start","symbolLocation":2360,"imageIndex":2}]},{"id":1503790,"name":"libuv-worker","threadState":{"x":[{"value":260}],"flavor":"ARM_THREAD_STATE64"},"frames":[{"imageOffset":16160,"symbol":"__psynch_cvwait","symbolLocation":8,"imageIndex":4}]}],
  "usedImages" : [
  {
    "source" : "P",
    "arch" : "arm64",
    "base" : $(dec $arm_base),
    "size" : 16384,
    "uuid" : "$uuid",
    "path" : "\/Users\/USER\/*\/node_modules\/fixture\/addon-fat.node",
    "name" : "addon-fat.node"
  },
  {
    "source" : "P",
    "arch" : "arm64",
    "base" : 4302635008,
    "size" : 92602368,
    "uuid" : "5b4c3cd8-3a1e-3b05-9b5e-8c1f0e2d4a17",
    "path" : "\/opt\/homebrew\/Cellar\/node\/22.3.0\/bin\/node",
    "name" : "node"
  },
  {
    "source" : "P",
    "arch" : "arm64e",
    "base" : 6444564480,
    "size" : 636280,
    "uuid" : "9f682dcf-340c-3bfa-bcdd-dd702f30313e",
    "path" : "\/usr\/lib\/dyld",
    "name" : "dyld"
  },
  {
    "size" : 0,
    "source" : "A",
    "base" : 0,
    "uuid" : "00000000-0000-0000-0000-000000000000"
  },
  {
    "source" : "P",
    "arch" : "arm64e",
    "base" : 6448328704,
    "size" : 241656,
    "uuid" : "51565b39-f595-3e96-a217-fef29815057a",
    "path" : "\/usr\/lib\/system\/libsystem_kernel.dylib",
    "name" : "libsystem_kernel.dylib"
  }
],
  "sharedCache" : {
  "base" : 6443433984,
  "size" : 4197761024,
  "uuid" : "2d40543a-792e-37b8-978d-3d7030e1aa81"
},
  "vmSummary" : "ReadOnly portion of Libraries: Total=1.1G resident=0K(0%) swapped_out_or_unallocated=1.1G(100%)\nWritable regions: Total=1.2G written=0K(0%) resident=0K(0%) swapped_out=0K(0%) unallocated=1.2G(100%)\n",
  "legacyInfo" : {
  "threadTriggered" : {
    "queue" : "com.apple.main-thread"
  }
},
  "logWritingSignature" : "53fbd3a4e1c1b0a19b4f1c7a2d43d2a1f4e1b2c3",
  "trialInfo" : {
  "rollouts" : [],
  "experiments" : []
}
}
IPS
}

# An abort: an exception's backtrace (through the addon) and the crashed
# thread in abort(), as Apple writes both.
write_ips_abort() {
  cat <<IPS
{"app_name":"node","timestamp":"2025-03-14 11:02:09.00 +0100","app_version":"","slice_uuid":"5b4c3cd8-3a1e-3b05-9b5e-8c1f0e2d4a17","build_version":"","platform":1,"bug_type":"309","os_version":"macOS 14.3.1 (23D60)","roots_installed":0,"name":"node","incident_id":"7C2B1D0E-1A2B-4C3D-8E9F-0A1B2C3D4E5F"}
{
  "pid" : 50112,
  "procName" : "node",
  "exception" : {"codes":"0x0000000000000000, 0x0000000000000000","rawCodes":[0,0],"type":"EXC_CRASH","signal":"SIGABRT"},
  "termination" : {"flags":0,"code":6,"namespace":"SIGNAL","indicator":"Abort trap: 6","byProc":"node","byPid":50112},
  "asi" : {"libsystem_c.dylib":["abort() called"]},
  "lastExceptionBacktrace" : [{"imageOffset":965604,"symbol":"__exceptionPreprocess","symbolLocation":164,"imageIndex":2},{"imageOffset":$(dec $arm_ret1),"imageIndex":0},{"imageOffset":$(dec $arm_ret2),"imageIndex":0}],
  "faultingThread" : 1,
  "threads" : [{"id":1600001,"frames":[{"imageOffset":16160,"symbol":"__psynch_cvwait","symbolLocation":8,"imageIndex":1}]},{"triggered":true,"id":1600002,"frames":[{"imageOffset":38372,"symbol":"__pthread_kill","symbolLocation":8,"imageIndex":1},{"imageOffset":$(dec $arm_ret2),"imageIndex":0}]}],
  "usedImages" : [
  {"source":"P","arch":"arm64","base":$(dec $arm_base),"size":16384,"uuid":"$arm_uuid","path":"\/Users\/USER\/*\/node_modules\/fixture\/addon-fat.node","name":"addon-fat.node"},
  {"source":"P","arch":"arm64e","base":6448328704,"size":241656,"uuid":"51565b39-f595-3e96-a217-fef29815057a","path":"\/usr\/lib\/system\/libsystem_kernel.dylib","name":"libsystem_kernel.dylib"},
  {"source":"P","arch":"arm64e","base":6448869376,"size":5001216,"uuid":"04941709-2330-3bf8-9213-6d33964db448","path":"\/System\/Library\/Frameworks\/CoreFoundation.framework\/Versions\/A\/CoreFoundation","name":"CoreFoundation"}
]
}
IPS
}

# An old text .crash (macOS 11, "Report Version 12") for the x86_64
# bundle: "+" marks the app's own images, the UUID is uppercase, one
# addon frame is symbolicated from its exports ("napi_register_module_v1
# + N"), one is not ("0xBASE + N").
write_crash_x86() {
  local b=$x86_base
  cat <<CRASH
Process:               node [22085]
Path:                  /usr/local/bin/node
Identifier:            node
Version:               0
Code Type:             X86-64 (Native)
Parent Process:        zsh [21505]
Responsible:           Terminal [4908]
User ID:               501

Date/Time:             2022-09-14 20:25:41.667 +0800
OS Version:            macOS 11.6 (20G165)
Report Version:        12

Crashed Thread:        0  Dispatch queue: com.apple.main-thread

Exception Type:        EXC_BAD_ACCESS (SIGSEGV)
Exception Codes:       KERN_INVALID_ADDRESS at 0x0000000000000000
Exception Note:        EXC_CORPSE_NOTIFY

Termination Signal:    Segmentation fault: 11
Termination Reason:    Namespace SIGNAL, Code 0xb
Terminating Process:   exc handler [22085]

Thread 0 Crashed:: Dispatch queue: com.apple.main-thread
0   addon-x86_64.node             	$(printf '0x%016x' $((b + x86_fault))) napi_register_module_v1 + $((x86_fault - x86_func))
1   addon-x86_64.node             	$(printf '0x%016x' $((b + x86_ret1))) $(hex $b) + $((x86_ret1))
2   addon-x86_64.node             	$(printf '0x%016x' $((b + x86_ret2))) napi_register_module_v1 + $((x86_ret2 - x86_func))
3   node                          	0x000000010cb4cac3 napi_module_register_by_symbol(v8::Local<v8::Object>, v8::Local<v8::Value>, v8::Local<v8::Context>, napi_value__* (*)(napi_env__*, napi_value__*)) + 643
4   node                          	0x000000010cb50998 node::Environment::TryLoadAddon(char const*, int, std::__1::function<bool (node::binding::DLib*)> const&) + 296
5   ???                           	0x0000142ad3e843fd 0 + 22174176396285
6   libdyld.dylib                 	0x00007fff2035bf3d start + 1

Thread 1:
0   libsystem_pthread.dylib       	0x00007fff2033f458 start_wqthread + 0

Thread 0 crashed with X86 Thread State (64-bit):
  rax: 0x0000000000000011  rbx: 0x00007ffeefbfe6a0  rcx: 0x0000000000000010  rdx: 0x0000000000000000

Binary Images:
       0x10c000000 -        0x10e5f8ff7 +node (0) <5B4C3CD8-3A1E-3B05-9B5E-8C1F0E2D4A17> /usr/local/bin/node
       $(hex $b) -        $(hex $((b + 0x1fff))) +addon-x86_64.node (0) <${x86_uuid^^}> /Users/USER/*/node_modules/fixture/addon-x86_64.node
    0x7fff2033d000 -     0x7fff20348fff  libsystem_pthread.dylib (473.140.2) <6D1C9C41-D5C8-3B3B-B8FE-B1E8F5E3A5D0> /usr/lib/system/libsystem_pthread.dylib
    0x7fff20349000 -     0x7fff2038afff  libdyld.dylib (852.2) <1EA5A0C7-0C38-3A8C-9A6E-6D8A0F9A4C0B> /usr/lib/system/libdyld.dylib
CRASH
}

# The translated report Console shows for an arm64 crash on macOS 14
# (no "+", lowercase dashed UUIDs, "Thread 0 Crashed::"), and an older
# iOS-style line with the arch and an undashed UUID.
write_crash_arm() {
  local b=$arm_base
  cat <<CRASH
-------------------------------------
Translated Report (Full Report Below)
-------------------------------------

Process:               node [48213]
Path:                  /opt/homebrew/Cellar/node/22.3.0/bin/node
Identifier:            node
Code Type:             ARM-64 (Native)
Parent Process:        zsh [1208]

Date/Time:             2025-03-14 10:22:40.8812 +0100
OS Version:            macOS 14.3.1 (23D60)
Report Version:        12

Crashed Thread:        0  Dispatch queue: com.apple.main-thread

Exception Type:        EXC_BAD_ACCESS (SIGSEGV)
Exception Codes:       KERN_INVALID_ADDRESS at 0x0000000000000000
Exception Codes:       0x0000000000000001, 0x0000000000000000

Termination Reason:    Namespace SIGNAL, Code 11 Segmentation fault: 11
Terminating Process:   exc handler [48213]

Thread 0 Crashed::  Dispatch queue: com.apple.main-thread
0   addon-fat.node                	       $(hex $((b + arm_fault))) $(hex $b) + $((arm_fault))
1   addon-fat.node                	       $(hex $((b + arm_ret1))) $(hex $b) + $((arm_ret1))
2   addon-fat.node                	       $(hex $((b + arm_ret2))) $(hex $b) + $((arm_ret2))
3   node                          	       0x1010c5c78 v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) + 112
4   node                          	       0x1010c5c78 node::Start(int, char**) + 200 [inlined]
5   node                          	       0x100cb0e64 main + 36
6   dyld                          	       0x18040e0e0 start + 2360

Thread 1:: libuv-worker
0   libsystem_kernel.dylib        	       0x1805a3f20 __psynch_cvwait + 8

Thread 0 crashed with ARM Thread State (64-bit):
    x0: 0x0000000000000000   x1: 0xffffffffffffffd1   x2: 0x0000000000000011   x3: 0x000000016fdfe2f0

Binary Images:
       $(hex $b) -        $(hex $((b + 0x3fff))) addon-fat.node (*) <$arm_uuid> /Users/USER/*/node_modules/fixture/addon-fat.node
       0x100c74000 -        0x106587fff node (*) <5b4c3cd8-3a1e-3b05-9b5e-8c1f0e2d4a17> /opt/homebrew/Cellar/node/22.3.0/bin/node
       0x1805a0000 -        0x1805daff7 libsystem_kernel.dylib arm64e  <51565b39f5953e96a217fef29815057a> /usr/lib/system/libsystem_kernel.dylib
       0x1803fc000 -        0x180497fff dyld (*) <9f682dcf-340c-3bfa-bcdd-dd702f30313e> /usr/lib/dyld
               0x0 - 0xffffffffffffffff ??? (*) <00000000-0000-0000-0000-000000000000> ???

External Modification Summary:
  Calls made by other processes targeting this process:
    task_for_pid: 0
CRASH
}

# A report the way a user pastes it into an issue: prose, a code fence,
# Console's translated report, then the .ips ("Full Report") and the
# system details Console adds below it.
write_pasted() {
  echo 'It crashes as soon as the addon is loaded:'
  echo
  echo '```'
  write_crash_arm
  echo
  echo '-----------'
  echo 'Full Report'
  echo '-----------'
  echo
  write_ips "${1-}"
  echo
  echo 'Model: Mac14,2, BootROM 10151.81.1, proc 8:4:4:0 processors, 16 GB, SMC'
  echo 'Graphics: Apple M2, Apple M2, Built-In'
  echo '```'
}

# ---- the cases ---------------------------------------------------------------

# the addon frames of $out (--json) as llvm-symbolizer reads the arm64 dSYM
check_arm_frames() {
  agree 0 "$fat_dwarf" arm64 "$arm_text" "$arm_fault" 0
  agree 1 "$fat_dwarf" arm64 "$arm_text" "$arm_ret1" 1
  agree 2 "$fat_dwarf" arm64 "$arm_text" "$arm_ret2" 1
}

case $case_name in
ips)
  write_ips >"$work/crash.ips"
  run 0 --no-fetch --module "$fat" --json "$work/crash.ips"
  check_arm_frames
  frame_is 0 module addon-fat.node
  frame_is 0 id "$arm_id"
  frame_is 0 module_offset "$(hex $arm_fault)"
  frame_is 0 offset_from given
  frame_is 0 pc "$(hex $((arm_base + arm_fault)))"
  frame_is 0 return_address false
  frame_is 1 return_address true
  frame_is 0 addon true
  # node and the system keep the symbol the report names
  frame_is 3 symbol "v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&)"
  frame_is 3 symbol_offset 112
  frame_is 3 unresolved "no server (--no-fetch)"
  # JIT code (the placeholder image) is in no module; the inlined
  # node::Start entry is one frame with main, at the same offset
  frame_is 4 module null
  frame_is 4 pc 0x142ad3e843fd
  frame_is 5 symbol main
  frame_is 6 symbol start
  frame_is 6 module dyld
  [[ "$out" == *'"signal": {"name": "SIGSEGV", "number": 11, "address": "0x0"}'* ]] ||
    fail "the exception: $out"
  [[ "$out" == *'"pid": 48213, "tid": 1503744'* ]] || fail "pid and tid: $out"
  [[ "$out" != *"psynch"* ]] || fail "another thread's frame: $out"
  # the text: the same frames, "[addon]", the symbols of the others
  run 0 --no-fetch --module "$fat" "$work/crash.ips"
  [[ "$out" == "crash: SIGSEGV at 0x0"* ]] || fail "text reason: $out"
  # "#0 FUNCTION at FILE:LINE:COLUMN in MODULE+0xOFFSET [addon]", then
  # "    (inlined by) …", as llvm-symbolizer reads the dSYM
  want=$(llvm_says "$fat_dwarf" arm64 "$arm_text" "$arm_fault" 0 |
    awk 'NR % 2 { f = $0; next } { print (NR == 2 ? "#0 " : "    (inlined by) ") f " at " $0 }' |
    sed "1s/\$/ in addon-fat.node+$(hex $arm_fault) [addon]/")
  [ "$(sed -n '/^#0 /,/^#1 /p' <<<"$out" | sed '$d')" = "$want" ] ||
    fail "text frame #0: $out
expected
$want"
  [[ "$out" == *"#3 v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) + 112 in node+0x4c7b78 (no server (--no-fetch))"* ]] ||
    fail "text node frame: $out"
  [[ "$out" == *"#4 ?? at 0x142ad3e843fd"* ]] || fail "text JIT frame: $out"
  # the dSYM alone, as docs/napi-rs.md has a maintainer give it
  run 0 --no-fetch --module "$fat.dSYM" --json "$work/crash.ips"
  check_arm_frames ;;
ips-no-symbols)
  # no symbols at hand: --json still says what was read, and which binary
  # (module, UUID) a maintainer needs
  write_ips >"$work/crash.ips"
  run 0 --no-fetch --json "$work/crash.ips"
  frame_is 0 module addon-fat.node
  frame_is 0 id "$arm_id"
  frame_is 0 module_offset "$(hex $arm_fault)"
  frame_is 0 offset_from given
  frame_is 0 unresolved "no server (--no-fetch)"
  frame_is 2 module_offset "$(hex $arm_ret2)" ;;
ips-abort)
  # the exception's backtrace first, as Apple shows it, then the crashed
  # thread (faultingThread 1), whose first frame is the faulting one
  write_ips_abort >"$work/abort.ips"
  run 0 --no-fetch --module "$fat" --json "$work/abort.ips"
  frame_is 0 symbol __exceptionPreprocess
  frame_is 0 return_address true
  agree 1 "$fat_dwarf" arm64 "$arm_text" "$arm_ret1" 1
  agree 2 "$fat_dwarf" arm64 "$arm_text" "$arm_ret2" 1
  frame_is 3 symbol __pthread_kill
  frame_is 3 return_address false
  agree 4 "$fat_dwarf" arm64 "$arm_text" "$arm_ret2" 1
  [[ "$out" == *'"signal": {"name": "SIGABRT", "number": 6}'* ]] || fail "the exception: $out"
  [[ "$out" == *'"tid": 1600002'* ]] || fail "the crashed thread: $out" ;;
ips-pasted)
  # Console's translated report above the .ips, the details below, a
  # code fence around: the .ips is read (its offsets are given)
  write_pasted >"$work/issue.md"
  run 0 --no-fetch --module "$fat" --json "$work/issue.md"
  check_arm_frames
  frame_is 0 offset_from given
  [ -z "$err" ] || fail "warnings: $err" ;;
ips-server)
  # no dSYM on disk: fetched from a real server by the UUID the .ips names
  serve_for_test
  "$nsym" upload -q --server "$url" --token "$(cat "$work/token")" "$fat.dSYM" >"$work/up" 2>&1 ||
    fail "upload: $(cat "$work/up")"
  write_ips >"$work/crash.ips"
  run 0 --local --server "$url" --json "$work/crash.ips"
  check_arm_frames
  frame_is 0 unresolved "(none)"
  # kept in the download cache: answers with no server
  run 0 --no-fetch --json "$work/crash.ips"
  check_arm_frames ;;
ips-route)
  # the dSYM only on a real server: the .ips sent to its symbolicate route
  # answers what symbolicate --local prints, text and JSON; and without
  # --local, symbolicate sends it there and downloads nothing
  serve_for_test
  "$nsym" upload -q --server "$url" --token "$(cat "$work/token")" "$fat.dSYM" >"$work/up" 2>&1 ||
    fail "upload: $(cat "$work/up")"
  write_ips >"$work/crash.ips"
  for accept in application/json text/plain; do
    flag=; [ $accept = application/json ] && flag=--json
    run 0 --local --server "$url" $flag "$work/crash.ips"
    curl -sf -H "Accept: $accept" --data-binary "@$work/crash.ips" "$url/api/v1/symbolicate" >"$work/got" ||
      fail "POST $accept"
    [ "$(cat "$work/got")" = "$out" ] || fail "the route's $accept differs: $(diff <(echo "$out") "$work/got")"
  done
  rm -rf "$XDG_CACHE_HOME"
  run 0 --server "$url" --json "$work/crash.ips"
  check_arm_frames
  [ -z "$(find "$XDG_CACHE_HOME" -type f 2>/dev/null)" ] || fail "downloaded: $(find "$XDG_CACHE_HOME" -type f)"
  [ "$(grep -c 'POST /api/v1/symbolicate 200' "$work/listen.err")" = 3 ] || fail "the route: $(cat "$work/listen.err")" ;;
ips-damaged)
  # a cut paste, a broken body, another kind of report: one clear line
  write_ips | head -n 40 >"$work/cut.ips"
  run 1 "$work/cut.ips"
  [ "$(wc -l <<<"$err")" = 1 ] || fail "more than one line: $err"
  [[ "$err" == "napi-symbols: '$work/cut.ips': the .ips crash report is cut short: its report object (from line 2) does not close" ]] ||
    fail "cut: $err"
  write_ips | sed '5s/: 2,/: 2,,/' >"$work/broken.ips"
  run 1 "$work/broken.ips"
  [ "$(wc -l <<<"$err")" = 1 ] || fail "more than one line: $err"
  [[ "$err" == "napi-symbols: '$work/broken.ips': the .ips crash report is not valid JSON (line 5, column"* ]] ||
    fail "broken: $err"
  write_ips | sed '1s/"bug_type":"309"/"bug_type":"288"/' >"$work/stackshot.ips"
  run 1 "$work/stackshot.ips"
  [[ "$err" == *'is an Apple report of bug_type "288", not a crash report (bug_type "309")' ]] ||
    fail "bug_type: $err"
  write_ips | sed 's/"usedImages"/"images"/' >"$work/noimages.ips"
  run 1 "$work/noimages.ips"
  [[ "$err" == *'the .ips crash report has no "usedImages" array' ]] || fail "no images: $err"
  # a damaged .ips under the translated report: that is read instead
  write_pasted | sed '/"vmSummary"/,$d' >"$work/issue.md"
  run 0 --no-fetch --module "$fat" --json "$work/issue.md"
  [[ "$err" == *"the .ips crash report is cut short"*"reading the translated report above it instead"* ]] ||
    fail "no warning: $err"
  check_arm_frames
  frame_is 0 offset_from base ;;
ips-mismatch)
  # the .ips names another build of addon-fat.node: the --module file is
  # not used for it, and the warning names both UUIDs
  other=${arm_id:0:31}0
  [ "$other" != "$arm_id" ] || other=${arm_id:0:31}1
  write_ips "$(dashed "$other")" >"$work/other.ips"
  run 0 --no-fetch --module "$fat" --json "$work/other.ips"
  frame_is 0 id "$other"
  [[ "$(ours_say 0)" == "" ]] || fail "symbolicated with another build: $out"
  frame_is 0 unresolved "no server (--no-fetch)"
  [[ "$err" == *"--module '$fat' is not the build of addon-fat.node the crash names (UUID $other; the file has $x86_id, $arm_id)"* ]] ||
    fail "no warning: $err" ;;
crash-x86)
  write_crash_x86 >"$work/node.crash"
  run 0 --no-fetch --module "$x86" --json "$work/node.crash"
  agree 0 "$x86_dwarf" x86_64 "$x86_text" "$x86_fault" 0
  agree 1 "$x86_dwarf" x86_64 "$x86_text" "$x86_ret1" 1
  agree 2 "$x86_dwarf" x86_64 "$x86_text" "$x86_ret2" 1
  frame_is 0 id "$x86_id"
  frame_is 0 module addon-x86_64.node
  frame_is 0 module_offset "$(hex $x86_fault)"
  frame_is 0 offset_from base
  frame_is 0 symbol napi_register_module_v1
  frame_is 0 symbol_offset $((x86_fault - x86_func))
  frame_is 3 symbol "napi_module_register_by_symbol(v8::Local<v8::Object>, v8::Local<v8::Value>, v8::Local<v8::Context>, napi_value__* (*)(napi_env__*, napi_value__*))"
  frame_is 3 module_offset 0xb4cac3
  frame_is 3 id 5b4c3cd83a1e3b059b5e8c1f0e2d4a17
  frame_is 5 module null
  frame_is 6 module libdyld.dylib
  frame_is 6 symbol start
  [[ "$out" == *'"signal": {"name": "SIGSEGV", "number": 11, "address": "0x0"}, "pid": 22085,'* ]] ||
    fail "the exception: $out"
  [[ "$out" != *"start_wqthread"* ]] || fail "another thread's frame: $out" ;;
crash-arm)
  # the translated report alone, quoted as an issue reply quotes it
  write_crash_arm | sed 's/^/> /' >"$work/reply.md"
  run 0 --no-fetch --module "$fat" --json "$work/reply.md"
  check_arm_frames
  frame_is 0 offset_from base
  frame_is 0 id "$arm_id"
  # the "[inlined]" node::Start line is one frame with main, after it
  frame_is 3 symbol "v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&)"
  frame_is 3 module_offset 0x451c78
  frame_is 4 symbol main
  frame_is 5 symbol start
  frame_is 5 module dyld
  # two reports in one text: two crashes
  { write_crash_arm; echo; write_crash_x86; } >"$work/two.txt"
  run 0 --no-fetch --module "$fat" --module "$x86" "$work/two.txt"
  [ "$(grep -c '^crash: SIGSEGV at 0x0$' <<<"$out")" = 2 ] || fail "two reports: $out"
  [[ "$out" == *"in addon-fat.node+$(hex $arm_fault) [addon]"*"in addon-x86_64.node+$(hex $x86_fault) [addon]"* ]] ||
    fail "two reports' frames: $out" ;;
*)
  fail "unknown case" ;;
esac
