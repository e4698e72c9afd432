// Which platform package this machine takes, and where its binary is. The
// table (platforms.json) is the one scripts/npm-build.sh builds the
// packages from: each is @napi-symbols/KEY, holding bin/napi-symbols and
// lib/napi-symbols/libnapi_symbols_hook.so.
'use strict';

const path = require('path');
const platforms = require('./platforms.json');

// glibc or musl: Node's report header names the glibc it runs on, and has
// no such field on musl (as @napi-rs/cli tells them apart).
function libc() {
  if (process.platform !== 'linux') return '';
  try {
    const header = process.report.getReport().header;
    return header.glibcVersionRuntime ? 'glibc' : 'musl';
  } catch (e) {
    return 'glibc';
  }
}

// { key, dir, binary } for the installed package of this platform, or
// { key, why } saying why there is none.
function nativePackage() {
  const want = libc();
  const name = `${process.platform}-${process.arch}${want === 'musl' ? '-musl' : want ? '-gnu' : ''}`;
  const entry = platforms[name];
  if (!entry) return { key: name, why: 'no native build for this platform' };
  let dir;
  try {
    dir = path.dirname(require.resolve(`@napi-symbols/${name}/package.json`));
  } catch (e) {
    return {
      key: name,
      why: `the package @napi-symbols/${name} is not installed (was napi-symbols installed with --no-optional or --omit=optional?)`,
    };
  }
  return { key: name, dir, binary: path.join(dir, 'bin', 'napi-symbols') };
}

module.exports = { platforms, nativePackage };
