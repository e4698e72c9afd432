// Rewrites one SHF_COMPRESSED section of a 64-bit little-endian ELF file,
// for the tests of hostile compressed sections (server-test.sh):
//   node elf-section.js IN OUT SECTION bomb N   a zlib stream of N zero bytes, claiming N
//   node elf-section.js IN OUT SECTION claim N  the same stream, claiming N bytes
//   node elf-section.js IN OUT SECTION type T   the same stream, compression type T
//   node elf-section.js IN OUT SECTION corrupt  0xff over the stream's bytes 32 to 47
//   node elf-section.js IN OUT SECTION name NEW a new name (latin1), no longer than SECTION
// IN and OUT may be the same file.
'use strict';
const fs = require('fs');
const zlib = require('zlib');

const [input, output, name, mode, arg] = process.argv.slice(2);
const elf = fs.readFileSync(input);
const die = (msg) => { console.error(`elf-section.js: ${msg}`); process.exit(1); };
if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) die(`${input}: not ELF64 LSB`);

const shoff = Number(elf.readBigUInt64LE(0x28));
const shentsize = elf.readUInt16LE(0x3a), shnum = elf.readUInt16LE(0x3c);
const shstr = shoff + elf.readUInt16LE(0x3e) * shentsize;
const strtab = Number(elf.readBigUInt64LE(shstr + 24));
const nameAt = (off) => elf.toString('latin1', off, elf.indexOf(0, off));
let sh = -1;
for (let i = 0; i < shnum; i++) {
  const at = shoff + i * shentsize;
  if (nameAt(strtab + elf.readUInt32LE(at)) === name) sh = at;
}
const nameOffset = sh >= 0 ? strtab + elf.readUInt32LE(sh) : 0;
if (sh < 0) die(`${input}: no section ${name}`);
if ((elf.readBigUInt64LE(sh + 8) & 0x800n) === 0n) die(`${name} is not SHF_COMPRESSED`);
const offset = Number(elf.readBigUInt64LE(sh + 24));

// A zlib stream of n zero bytes, made without n bytes of memory or time:
// deflate blocks for 1 MiB of zeros ended by a full flush, which resets
// the compressor, are the same bytes whatever came before, so they can
// be repeated; then an empty final block and the Adler-32 of it all (for
// zeros, A = 1 and B = n mod 65521).
function zeros(n) {
  const mib = 1 << 20;
  if (n % mib !== 0) die('bomb sizes are whole MiB');
  const block = zlib.deflateRawSync(Buffer.alloc(mib), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((n % 65521) << 16 | 1) >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...Array(n / mib).fill(block),
                        Buffer.from([0x03, 0x00]), adler]);
}

let out = elf;
if (mode === 'bomb') {
  const n = Number(arg), chdr = Buffer.alloc(24);
  chdr.writeUInt32LE(1, 0); // ELFCOMPRESS_ZLIB
  chdr.writeBigUInt64LE(BigInt(n), 8);
  chdr.writeBigUInt64LE(1n, 16);
  const data = Buffer.concat([chdr, zeros(n)]);
  const at = Math.ceil(elf.length / 8) * 8; // the new contents go at the end
  out = Buffer.concat([elf, Buffer.alloc(at - elf.length), data]);
  out.writeBigUInt64LE(BigInt(at), sh + 24);
  out.writeBigUInt64LE(BigInt(data.length), sh + 32);
} else if (mode === 'claim') {
  out.writeBigUInt64LE(BigInt(arg), offset + 8);
} else if (mode === 'type') {
  out.writeUInt32LE(Number(arg), offset);
} else if (mode === 'corrupt') {
  out.fill(0xff, offset + 24 + 32, offset + 24 + 48);
} else if (mode === 'name') {
  const b = Buffer.from(arg, 'latin1');
  if (b.length > name.length) die(`${arg} is longer than ${name}`);
  out.fill(0, nameOffset, nameOffset + name.length);
  b.copy(out, nameOffset);
} else {
  die(`unknown mode ${mode}`);
}
fs.writeFileSync(output, out);
