// What check-report.js and check-panic.js share: failing with a reason,
// reading a report of docs/crash-report.md version 1, and its hex strings.
'use strict';
const fs = require('fs');

function fail(msg) {
	console.log(msg);
	process.exit(1);
}

// The report at path, refused unless it is format napi-symbols-crash v1.
function readReport(path) {
	const r = JSON.parse(fs.readFileSync(path, 'utf8'));
	if (r.format !== 'napi-symbols-crash' || r.version !== 1) fail('wrong format or version');
	return r;
}

// A "0x..." lowercase hex string as a BigInt.
function hex(s) {
	if (typeof s !== 'string' || !/^0x[0-9a-f]+$/.test(s)) fail(`not a hex string: ${s}`);
	return BigInt(s);
}

module.exports = { fail, readReport, hex };
