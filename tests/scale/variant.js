// node variant.js IN OUTDIR N...: for each N, OUTDIR/N.debug, a copy of the
// ELF file IN whose GNU build-id is replaced by one made from N (the same
// length), and its build-id printed, one a line: so one fixture gives as
// many distinct artifacts as a test needs. The bytes are found through the
// note header (namesz 4, descsz, type 3, "GNU\0").
const fs = require("fs");
const [input, outdir, ...numbers] = process.argv.slice(2);
const b = fs.readFileSync(input);
const tag = Buffer.from([4, 0, 0, 0]);
let at = -1;
for (let i = b.indexOf(tag); i >= 0; i = b.indexOf(tag, i + 1)) {
  if (b.readUInt32LE(i + 8) === 3 && b.toString("latin1", i + 12, i + 16) === "GNU\0") {
    at = i;
    break;
  }
}
if (at < 0) {
  console.error(`${input}: no GNU build-id note`);
  process.exit(1);
}
const size = b.readUInt32LE(at + 4);
for (const n of numbers) {
  const id = Buffer.alloc(size);
  id.writeUInt32BE(Number(n) >>> 0, 0);
  id.write("napivariant".slice(0, size - 4), 4, "latin1");
  id.copy(b, at + 16);
  fs.writeFileSync(`${outdir}/${n}.debug`, b);
  console.log(id.toString("hex"));
}
