// Loads the addon given (so the hook's dlopen puts its handler in front of
// Node's), then makes a WebAssembly out-of-bounds load three times: each must
// be a JS RuntimeError. With "crash" as the second argument, crashes the
// addon afterwards.
'use strict';
const addon = require(process.argv[2]);
// (module (memory 1) (func (export "f") (result i32) (i32.load (i32.const 0x10000))))
const bytes = new Uint8Array([
	0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1,
	7, 5, 1, 1, 102, 0, 0, 10, 11, 1, 9, 0, 65, 128, 128, 4, 40, 2, 0, 11,
]);
const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
for (let i = 0; i < 3; i++) {
	try {
		inst.exports.f();
		console.log('no trap');
		process.exit(2);
	} catch (e) {
		console.log(e instanceof WebAssembly.RuntimeError ? `RuntimeError: ${e.message}` : `other: ${e}`);
	}
}
if (process.argv[3] === 'crash') addon.crash();
