// Checks a crash report against docs/crash-report.md (version 1):
// check-report.js REPORT SIGNAL MODULE_RE BUILD_ID. Frame 0 must be the
// faulting pc (not a return address) in a module whose path matches
// MODULE_RE, inside one of its executable ranges; when that module is the
// addon (its path ends in .node) its id must be BUILD_ID. The registers
// must all be there, the pc register equal to frame 0's pc. Prints frame
// 0's rel on success; exits 1 with the reason otherwise.
'use strict';
const { fail, readReport, hex } = require('./report-common.js');
const [report, signal, moduleRe, buildId] = process.argv.slice(2);
const r = readReport(report);
if (r.reason !== 'signal' || r.signal.name !== signal) fail(`reason ${r.reason} ${r.signal && r.signal.name}`);
for (const k of ['pid', 'tid', 'signal']) if (r[k] === undefined) fail(`no ${k}`);
if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.time)) fail(`bad time ${r.time}`);
if (typeof r.node.version !== 'string' || typeof r.node.napi !== 'number') fail('bad node');
if (!r.frames.length || r.frames.length > 64) fail(`${r.frames.length} frames`);
r.frames.forEach((f, i) => {
	if (f.return_address !== (i > 0)) fail(`frame ${i} return_address ${f.return_address}`);
	if (f.module >= 0) {
		const m = r.modules[f.module];
		if (hex(f.pc) - hex(m.base) !== hex(f.rel)) fail(`frame ${i}: rel is not pc - base`);
	} else if (f.module !== -1 || 'rel' in f) fail(`frame ${i}: bad module`);
});
const f0 = r.frames[0];
if (f0.module < 0) fail('frame 0 is in no module');
const m = r.modules[f0.module];
if (!new RegExp(moduleRe).test(m.path)) fail(`frame 0 is in ${m.path}`);
if (m.path.endsWith('.node') && (m.id !== buildId || m.id_kind !== 'build-id'))
	fail(`addon id ${m.id_kind} ${m.id}, want ${buildId}`);
const pc = hex(f0.pc);
if (!m.ranges.some(([a, b]) => pc >= hex(a) && pc < hex(b))) fail('frame 0 is outside the ranges');
// The registers at the signal: the pc register is frame 0's pc.
const names = { x86_64: ['rip', 'rsp', 18], aarch64: ['pc', 'sp', 34] }[r.arch];
if (!names) fail(`unknown arch ${r.arch}`);
const regs = r.registers || {};
if (Object.keys(regs).length !== names[2]) fail(`${Object.keys(regs).length} registers`);
if (regs[names[0]] !== f0.pc) fail(`registers.${names[0]} ${regs[names[0]]} is not frame 0's pc ${f0.pc}`);
if (!/^0x[0-9a-f]+$/.test(regs[names[1]] || '')) fail(`registers.${names[1]} is ${regs[names[1]]}`);
console.log(f0.rel);
