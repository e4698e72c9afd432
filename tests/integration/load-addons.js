#!/usr/bin/env node
// Loads every fixture addon listed in FIXTURES_DIR/manifest.txt, plus its
// .stripped and .split siblings, into this node process and checks that the
// exported functions return what the sources say. This proves the fixtures
// are real, loadable N-API addons and that stripping or splitting them did not
// break them. Run by ctest as fixtures.node_loads:
//   node load-addons.js FIXTURES_DIR [SUFFIX...]
// The expected values mirror tests/fixtures/c-addon/addon.c and
// tests/fixtures/rust-addon/src/lib.rs; crash(), abortNow(), crashInWork(), fatalError(),
// segv() and checkedRoot(<0) are never called because they end the process by design.
'use strict';

const assert = require('assert');
const fs = require('fs');
const path = require('path');

function usage() {
  process.stderr.write('usage: load-addons.js FIXTURES_DIR [SUFFIX...]\n');
  process.exit(129);
}

// Same hash as checksum_bytes() in addon.c: FNV-1a with a rotate by 5 after
// every byte, then the high half folded into the low half.
function cChecksum(str) {
  let h = 2166136261 >>> 0;
  for (const b of Buffer.from(str, 'utf8')) {
    h = (h ^ b) >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
    h = ((h << 5) | (h >>> 27)) >>> 0;
  }
  return (h ^ (h >>> 16)) >>> 0;
}

function close(actual, expected, what) {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, expected ${expected}`);
}

function checkC(m) {
  for (const name of ['add', 'checksum', 'fib', 'clamp', 'crash', 'abortNow', 'crashInWork',
    'fatalError']) {
    assert.strictEqual(typeof m[name], 'function', `export ${name}`);
  }
  assert.strictEqual(m.add(2, 3.5), 5.5);
  assert.strictEqual(m.add(-1e300, 1e300), 0);
  for (const s of ['', 'hello', 'napi-symbols ünïcødé', 'x'.repeat(1000)]) {
    assert.strictEqual(m.checksum(s), cChecksum(s), `checksum(${JSON.stringify(s.slice(0, 20))})`);
  }
  assert.strictEqual(m.fib(0), 0);
  assert.strictEqual(m.fib(1), 1);
  assert.strictEqual(m.fib(10), 55);
  assert.strictEqual(m.fib(90), Number(2880067194370816000n));
  assert.strictEqual(m.clamp(5, 0, 3), 3);
  assert.strictEqual(m.clamp(-1, 0, 3), 0);
  assert.strictEqual(m.clamp(2.5, 0, 3), 2.5);
  assert.throws(() => m.add(1), { name: 'TypeError', message: 'wrong number of arguments' });
  assert.throws(() => m.checksum(42), { name: 'TypeError', message: 'expected a string' });
}

function checkRust(m) {
  for (const name of ['add', 'sumSquaresI32', 'sumSquaresI64', 'sumSquaresF64', 'largest',
    'area', 'checkedRoot', 'segv']) {
    assert.strictEqual(typeof m[name], 'function', `export ${name}`);
  }
  assert.strictEqual(m.add(2, 3), 5);
  assert.strictEqual(m.add(2147483647, 1), -2147483648, 'add wraps like i32');
  assert.strictEqual(m.sumSquaresI32(1, 2, 3), 14);
  assert.strictEqual(m.sumSquaresI32(50000, 0, 0), 2500000000 - 4294967296, 'i32 wraps');
  assert.strictEqual(m.sumSquaresI64(50000, 50000, 0), 5000000000);
  assert.strictEqual(m.sumSquaresF64(0.5, 1.5, 2), 6.5);
  assert.strictEqual(m.largest(3, 9, -2), 9);
  assert.strictEqual(m.largest(1.5, 0.5, -1), 1.5);
  close(m.area(0, 2), Math.PI * 4, 'area(circle r=2)');
  close(m.area(1, 3), 9, 'area(square 3)');
  close(m.area(2, 2), 6, 'area(rect 2x3)');
  close(m.area(3, 1), Math.PI + 1 + 2, 'area(all three, r=1)');
  assert.throws(() => m.add(1), { name: 'TypeError', message: 'wrong number of arguments' });
  assert.throws(() => m.sumSquaresF64(1, 'x', 2), { name: 'TypeError', message: 'expected a number' });
}

function main() {
  const dir = process.argv[2];
  if (!dir) usage();
  // By default each addon and its .stripped and .split siblings; split-test.sh
  // names only its own output ('').
  const suffixes = process.argv.length > 3 ? process.argv.slice(3) : ['', '.stripped', '.split'];
  const manifest = path.join(dir, 'manifest.txt');
  const entries = fs.readFileSync(manifest, 'utf8').split('\n').filter(Boolean);
  assert.ok(entries.length > 0, `${manifest} lists no addons`);
  let loaded = 0;
  let failed = 0;
  for (const rel of entries) {
    const check = rel.startsWith('rust/') ? checkRust : checkC;
    for (const suffix of suffixes) {
      const file = path.resolve(dir, rel + suffix);
      try {
        const m = { exports: {} };
        process.dlopen(m, file);
        check(m.exports);
        loaded++;
        console.log(`ok   ${rel}${suffix}`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${rel}${suffix}: ${err.message}`);
      }
    }
  }
  console.log(`${loaded} addons loaded and checked, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
