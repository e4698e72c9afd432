#!/usr/bin/env node
// check-codesign.js FILE: checks the embedded code signature of every
// image of a Mach-O file (thin or universal) as the kernel would: each
// CodeDirectory's code slots must be the SHA-256 (or SHA-1) of the pages
// of the image before the signature, its code limit the signature's offset.
// LLVM 14 has no codesign verifier; this is written from Apple's layout
// (xnu cs_blobs.h), independently of the C code it tests. Prints one line
// per image, "ARCH signed SLOTS PAGESIZE" or "ARCH unsigned"; exits 1 on
// the first wrong hash.
"use strict";
const fs = require("fs");
const crypto = require("crypto");

const data = fs.readFileSync(process.argv[2]);
const archs = { 0x1000007: "x86_64", 0x100000c: "arm64", 7: "i386", 12: "arm" };
const fail = (msg) => {
  console.error(`check-codesign: ${msg}`);
  process.exit(1);
};

function image(base, size) {
  const magic = data.readUInt32LE(base);
  if (magic !== 0xfeedfacf && magic !== 0xfeedface) fail(`no Mach-O image at ${base}`);
  const arch = archs[data.readUInt32LE(base + 4)] || "unknown";
  const ncmds = data.readUInt32LE(base + 16);
  let at = base + (magic === 0xfeedfacf ? 32 : 28);
  let sig = null;
  for (let i = 0; i < ncmds; i++) {
    const cmd = data.readUInt32LE(at), cmdsize = data.readUInt32LE(at + 4);
    if (cmd === 0x1d) sig = { off: data.readUInt32LE(at + 8), size: data.readUInt32LE(at + 12) };
    at += cmdsize;
  }
  if (!sig) return console.log(`${arch} unsigned`);
  if (sig.off + sig.size > size) fail(`${arch}: the signature runs past the image`);
  const sb = base + sig.off;
  if (data.readUInt32BE(sb) !== 0xfade0cc0) fail(`${arch}: no SuperBlob`);
  const count = data.readUInt32BE(sb + 8);
  let directories = 0, slots = 0, page = 0;
  for (let k = 0; k < count; k++) {
    const cd = sb + data.readUInt32BE(sb + 16 + 8 * k);
    if (data.readUInt32BE(cd) !== 0xfade0c02) continue;
    directories++;
    const hashOffset = data.readUInt32BE(cd + 16);
    const nCode = data.readUInt32BE(cd + 28);
    const codeLimit = data.readUInt32BE(cd + 32);
    const hashSize = data[cd + 36], hashType = data[cd + 37];
    page = 1 << data[cd + 39];
    if (codeLimit !== sig.off) fail(`${arch}: code limit ${codeLimit}, signature at ${sig.off}`);
    if (nCode !== Math.ceil(codeLimit / page)) fail(`${arch}: ${nCode} slots for ${codeLimit} bytes`);
    if (data.readUInt32BE(cd + 4) !== hashOffset + nCode * hashSize) fail(`${arch}: CodeDirectory length`);
    const algo = hashType === 1 ? "sha1" : "sha256";
    for (let p = 0; p < nCode; p++) {
      const lo = base + p * page, hi = base + Math.min(codeLimit, (p + 1) * page);
      const want = crypto.createHash(algo).update(data.subarray(lo, hi)).digest().subarray(0, hashSize);
      const got = data.subarray(cd + hashOffset + p * hashSize, cd + hashOffset + (p + 1) * hashSize);
      if (!want.equals(got)) fail(`${arch}: page ${p} hash differs`);
    }
    slots = nCode;
  }
  if (directories === 0) fail(`${arch}: no CodeDirectory`);
  console.log(`${arch} signed ${slots} ${page}`);
}

const magic = data.readUInt32BE(0);
if (magic === 0xcafebabe) {
  const n = data.readUInt32BE(4);
  for (let i = 0; i < n; i++) {
    const e = 8 + 20 * i;
    image(data.readUInt32BE(e + 8), data.readUInt32BE(e + 12));
  }
} else {
  image(0, data.length);
}
