#!/usr/bin/env python3
"""Checks the symbolicate route's answer to a v5 request against the
answer Mozilla's Eliot gives (eliot/symbolicate_resource.py,
SymbolicateBase.symbolicate), built here for the files the server holds.

  v5_expected.py NSYM LLVM_SYMBOLIZER REQUEST ANSWER MODULE...

MODULE is NAME/ID=FILE,ARCH,BASE: the module of the request's memoryMap
entry [NAME, ID] is FILE (a debug file, or the DWARF file of a dSYM; ARCH
its slice, "-" for ELF), whose addresses are BASE (hex: __TEXT's vmaddr
for Mach-O, 0 for ELF) plus a frame's offset. Modules not listed are ones
the server must not have.

For each frame: its module, module_offset as Python's hex(); then, in a
module the server has and at an offset that is not -1, the frames that
`napi-symbols symbolize --json` gives at BASE + offset (exactly: v5 sends
the address to look up): the outermost one's function, its offset from
the function's start, its file and line (not for a name from a symbol
table), and the inlined ones under "inlines". The locations (file and
line of every frame) and the function's start are also held to
llvm-symbolizer's, so the answer does not only agree with our own
library. found_modules: each pair once, true or false when a frame names
it (and its name and id are not ""), null otherwise. Keys are compared in
order. Exits 1 with the first difference.
"""
import json
import subprocess
import sys


def fail(msg):
    print("v5_expected.py: " + msg, file=sys.stderr)
    sys.exit(1)


def symbolize(nsym, path, arch, addrs):
    cmd = [nsym, "symbolize", "--json", "-e", path]
    if arch != "-":
        cmd += ["--arch", arch]
    out = subprocess.run(cmd + ["0x%x" % a for a in addrs], check=True,
                         capture_output=True, text=True).stdout
    return {int(r["address"], 16): r["frames"] for r in json.loads(out)}


def llvm(llvm_symbolizer, path, arch, addrs):
    cmd = [llvm_symbolizer, "--obj=" + path, "--inlining", "--output-style=JSON"]
    if arch != "-":
        cmd.append("--default-arch=" + arch)
    out = subprocess.run(cmd + ["0x%x" % a for a in addrs], check=True, capture_output=True,
                         text=True).stdout
    return {int(r["Address"], 16): r["Symbol"] for r in json.loads(out)}


def expected_frame(n, name, offset, frames):
    f = [("frame", n), ("module", name or "<unknown>"), ("module_offset", hex(offset))]
    if not frames or frames[-1]["function"] == "??":
        return f
    outer = frames[-1]
    f.append(("function", outer["function"]))
    f.append(("function_offset", None))  # checked against llvm-symbolizer below
    if not outer.get("approximate") and outer["file"] != "??":
        f.append(("file", outer["file"]))
        if outer["line"]:
            f.append(("line", outer["line"]))
    if len(frames) > 1:
        inlines = []
        for x in frames[:-1]:
            i = []
            if x["function"] != "??":
                i.append(("function", x["function"]))
            if x["file"] != "??":
                i.append(("file", x["file"]))
                if x["line"]:
                    i.append(("line", x["line"]))
            inlines.append(i)
        f.append(("inlines", inlines))
    return f


def main():
    nsym, llvm_symbolizer, req_path, ans_path = sys.argv[1:5]
    files = {}
    for spec in sys.argv[5:]:
        key, _, rest = spec.partition("=")
        path, arch, base = rest.split(",")
        files[key] = (path, arch, int(base, 16))
    req = json.load(open(req_path))
    pairs = lambda s: json.loads(s, object_pairs_hook=lambda kv: kv)
    ans = pairs(open(ans_path).read())
    jobs = req["jobs"] if "jobs" in req else [req]

    # what is looked up, per module, before anything is written
    wanted = {}
    found = {}
    for job in jobs:
        mm = job["memoryMap"]
        for stack in job["stacks"]:
            for index, offset in stack:
                if index < 0 or not mm[index][0] or not mm[index][1]:
                    continue
                key = "%s/%s" % tuple(mm[index])
                found[key] = key in files
                if key in files and offset >= 0:
                    wanted.setdefault(key, set()).add(files[key][2] + offset)
    answers = {k: symbolize(nsym, files[k][0], files[k][1], sorted(a))
               for k, a in wanted.items()}
    llvms = {k: llvm(llvm_symbolizer, files[k][0], files[k][1], sorted(a))
             for k, a in wanted.items()}

    if [k for k, _ in ans] != ["results"] or len(ans[0][1]) != len(jobs):
        fail("not one result per job: %s" % ans)
    for j, (job, result) in enumerate(zip(jobs, ans[0][1])):
        if [k for k, _ in result] != ["stacks", "found_modules"]:
            fail("job %d: keys %s" % (j, [k for k, _ in result]))
        stacks, fm = result[0][1], result[1][1]
        mm = job["memoryMap"]
        if len(stacks) != len(job["stacks"]):
            fail("job %d: %d stacks, expected %d" % (j, len(stacks), len(job["stacks"])))
        for s, (stack, got_stack) in enumerate(zip(job["stacks"], stacks)):
            if len(stack) != len(got_stack):
                fail("job %d stack %d: %d frames" % (j, s, len(got_stack)))
            for n, ((index, offset), got) in enumerate(zip(stack, got_stack)):
                name, mid = mm[index] if index >= 0 else ("", "")
                key = "%s/%s" % (name, mid)
                frames = None
                if key in files and offset >= 0 and name and mid:
                    path, arch, base = files[key]
                    frames = answers[key][base + offset]
                want = expected_frame(n, name, offset, frames)
                where = "job %d stack %d frame %d (%s+%s)" % (j, s, n, name, hex(offset))
                if [k for k, _ in got] != [k for k, _ in want]:
                    fail("%s: keys %s, expected %s" % (where, got, want))
                for (k, v), (_, w) in zip(got, want):
                    if w is not None and v != w:
                        fail("%s: %s is %r, expected %r" % (where, k, v, w))
                if frames is None or frames[-1]["function"] == "??":
                    continue
                # the locations and the function's start, from LLVM
                theirs = llvms[key][base + offset]
                g = dict(got)
                if not frames[-1].get("approximate"):
                    chain = [dict(i) for i in g.get("inlines", [])] + [g]
                    if len(chain) != len(theirs):
                        fail("%s: %d frames, llvm-symbolizer %d: %s" %
                             (where, len(chain), len(theirs), theirs))
                    for ours, llvm_frame in zip(chain, theirs):
                        # a line of 0 is written as none (Eliot's)
                        if (ours.get("file"), ours.get("line", 0)) != (llvm_frame["FileName"], llvm_frame["Line"]):
                            fail("%s: %s:%s, llvm-symbolizer %s:%s" %
                                 (where, ours.get("file"), ours.get("line"),
                                  llvm_frame["FileName"], llvm_frame["Line"]))
                start = theirs[-1].get("StartAddress", "")
                if start and g["function_offset"] != hex(base + offset - int(start, 16)):
                    fail("%s: function_offset %s, llvm-symbolizer's function starts at %s" %
                         (where, g["function_offset"], start))
        want_fm = []
        for name, mid in mm:
            key = "%s/%s" % (name, mid)
            if key not in [k for k, _ in want_fm]:
                want_fm.append((key, found.get(key)))
        if fm != want_fm:
            fail("job %d: found_modules %s, expected %s" % (j, fm, want_fm))


main()
