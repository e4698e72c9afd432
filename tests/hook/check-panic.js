// Checks a panic report against docs/crash-report.md (version 1):
// check-panic.js REPORT MODULE_RE MESSAGE [FILE_RE LINE]. The reason must be
// "panic", with MESSAGE as the panic's message, every frame a return
// address with rel = pc - base, and some frame in a module whose path
// matches MODULE_RE; with FILE_RE, the panic must carry a file matching it
// and that line (linked mode), else no location (preload mode, where the
// message is read from the exception object and the location is not in
// it). Prints the rel of every frame in that module, innermost first; exits
// 1 with the reason otherwise.
'use strict';
const { fail, readReport, hex } = require('./report-common.js');
const [report, moduleRe, message, fileRe, line] = process.argv.slice(2);
const r = readReport(report);
if (r.reason !== 'panic' || typeof r.panic !== 'object') fail(`reason ${r.reason}`);
if ('signal' in r) fail('a panic report with a signal object');
if ('registers' in r) fail('a panic report with registers (the raise has no signal context)');
if (r.panic.message !== message) fail(`message ${JSON.stringify(r.panic.message)}`);
if (fileRe === undefined) {
	if ('file' in r.panic || 'line' in r.panic)
		fail(`preload mode knows no location: ${JSON.stringify(r.panic)}`);
} else {
	if (!new RegExp(fileRe).test(r.panic.file)) fail(`file ${r.panic.file}`);
	if (r.panic.line !== Number(line) || typeof r.panic.column !== 'number')
		fail(`location ${r.panic.line}:${r.panic.column}`);
}
if (!r.frames.length || r.frames.length > 64) fail(`${r.frames.length} frames`);
const rels = [];
r.frames.forEach((f, i) => {
	if (f.return_address !== true) fail(`frame ${i} is not a return address`);
	if (f.module < 0) return;
	const m = r.modules[f.module];
	if (hex(f.pc) - hex(m.base) !== hex(f.rel)) fail(`frame ${i}: rel is not pc - base`);
	if (new RegExp(moduleRe).test(m.path)) rels.push(f.rel);
});
if (!rels.length) fail(`no frame in ${moduleRe}`);
console.log(rels.join('\n'));
