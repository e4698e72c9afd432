#!/usr/bin/env node
// Compares `napi-symbols symbolize --json` with the reference symbolizers on
// one addon. Run by ctest as anchors.<fixture>:
//
//   node compare-anchors.js --tool NAPI_SYMBOLS --file ADDON
//        [--debug-file DEBUG] [--reference UNSTRIPPED] [--max N] [--verbose]
//        [--oracle-diffs]
//
// The addresses are every FUNC symbol start (size > 0) of the reference file
// plus every distinct line-table row address inside those functions, thinned
// by even sampling to at most --max (3000). The reference is --reference, or
// --file itself; it must be unstripped. Our tool runs on --file (and
// --debug-file), so `--file X.split --debug-file X.debug --reference X` checks
// that a split or stripped addon gives the answers of the unstripped one.
//
// Each address is symbolized in one batch per tool by our tool,
// `llvm-symbolizer --inlining --output-style=JSON` and `addr2line -a -f -i -C`
// (-a only so the batch output can be cut per address). Per address we
// compare the inline chain length and, frame by frame, the function name, the
// file (full path) and the line, after the normalisation below. Columns and
// the `inlined` flags are checked too: columns against llvm-symbolizer as
// information only (addr2line has none), `inlined` must be true on every frame
// but the last. Where we disagree with llvm-symbolizer, gdb decides
// (`info line *ADDR` gives the innermost file:line from the line table, `info
// symbol ADDR` the ELF symbol, i.e. the outermost function): gdb sides with us
// when its answer fits ours and not llvm-symbolizer's, or when it cannot tell
// the two apart and addr2line agrees with us exactly. The script exits 1 when
// any disagreement is not settled that way, when agreement with llvm-
// symbolizer is below 99%, or when the tool's output is malformed.
//
// Normalisation, chosen from the real output of the three tools on these
// fixtures (LLVM 14, binutils 2.40, gdb 13.1, rustc 1.95):
// - Missing function or file is "??", a missing line 0. llvm-symbolizer gives
//   "" and 0 (e.g. `_init`), addr2line "??:0", "??:?" or ":?" (file "",
//   line "?"), gdb "No line number information".
// - Rust legacy names: llvm-symbolizer 14 runs them through its Itanium
//   demangler, which leaves the hash and the `$LT$`-style escapes:
//   `_$LT$napi_symbols_fixture..Rect$u20$as$u20$napi_symbols_fixture..Shape
//   $GT$::area::h85a45a4501b34d39`, where addr2line (libiberty's Rust
//   demangler) prints `<napi_symbols_fixture::Rect as
//   napi_symbols_fixture::Shape>::area`, and gdb's `info symbol` keeps the
//   hash: `...::sum_of_squares::h07672f1bafd0aff8`. A name that ends in
//   `::h` + 16 hex digits loses that suffix and has the legacy escapes
//   decoded, which yields the addr2line form; the hash is not part of the
//   source-level name and a symbolizer may show it or not.
// - Rust v0 names: gdb prints crate disambiguators, `napi_symbols_fixture
//   [12cda9f00e769bf]::checked_root`; llvm-symbolizer and addr2line do not.
//   A `[hex]` right after an identifier and before `::` is dropped.
// - Parameter lists are NOT stripped: no tool prints any on these fixtures
//   (C names are plain; Rust demangling has none, only generic arguments
//   such as `sum_of_squares::<f64>` in v0, which all three print alike).
//   Whoever adds a C++ fixture should look again at what each tool prints.
// - Folded code: when several FUNC symbols cover the address (identical
//   bodies merged by LLVM or the linker, each keeping its own DWARF
//   subprogram), the outermost frame may name any of them; see aliasesAt.
// - GCC clone suffixes (`.cold`, `.part.0`, `.isra.0`, `.constprop.0`) are
//   dropped from gdb's ELF symbol before it is compared with the DWARF
//   function name, which never carries them.
// - A frame at line 0 has no source position; there a file of "??" on one
//   side matches any file on the other. llvm-symbolizer and addr2line fill in
//   the compilation unit's name (`crtstuff.c`, or for Rust a codegen-unit
//   name like `gimli.9d272e8433f81454-cgu.0` that is no file at all).
// - Files are compared as full paths after collapsing `//`, `/./` and
//   `dir/../` (path.posix.normalize); the tools agree on the directory
//   joining. gdb sometimes prints a path relative to the compilation
//   directory (`src/lib.rs`), so gdb's file only has to be a path suffix of
//   ours.
//
// gdb is a fallible judge of lines: where several rows share an address it
// takes the last is_stmt row, where llvm-symbolizer and addr2line take the
// last row (in checksum_bytes of the C fixture one address carries rows for
// lines 32, 33, 22, 24, 25, all is_stmt, then 32 without: gdb says 25, the
// others 32), and for a line-0 row it reports the line before. About 13% of the C fixture's rows and 15%
// of the Rust fixture's get a different line from gdb than from
// llvm-symbolizer, so gdb only settles a disagreement, it never turns an
// agreement with llvm-symbolizer into a failure.
//
// Debug sections compressed with zstd are decompressed into a temporary copy
// for the reference tools, as LLVM 14 cannot read them; our tool reads the
// original.
'use strict';

const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

// The reference tools, by name on PATH unless CMake passed the paths it found.
const TOOLS = {
  llvmSymbolizer: process.env.NSYM_LLVM_SYMBOLIZER || 'llvm-symbolizer',
  llvmDwarfdump: process.env.NSYM_LLVM_DWARFDUMP || 'llvm-dwarfdump',
  addr2line: process.env.NSYM_ADDR2LINE || 'addr2line',
  gdb: process.env.NSYM_GDB || 'gdb',
  readelf: process.env.NSYM_READELF || 'readelf',
  objcopy: process.env.NSYM_OBJCOPY || 'objcopy',
};
const MAX_BUFFER = 512 * 1024 * 1024;
const MIN_AGREEMENT = 0.99;
const SHOW_DISAGREEMENTS = 20;

function die(msg) {
  process.stderr.write(`compare-anchors: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { max: 3000, verbose: false, oracleDiffs: false };
  const takes = { '--tool': 'tool', '--file': 'file', '--debug-file': 'debugFile',
    '--reference': 'reference', '--max': 'max' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--verbose' || a === '-v') {
      opts.verbose = true;
    } else if (a === '--oracle-diffs') {
      opts.oracleDiffs = true;
    } else if (a in takes && i + 1 < argv.length) {
      opts[takes[a]] = argv[++i];
    } else {
      process.stderr.write(`compare-anchors: unknown or incomplete option '${a}'\n` +
        'usage: compare-anchors.js --tool NAPI_SYMBOLS --file ADDON [--debug-file DEBUG]' +
        ' [--reference UNSTRIPPED] [--max N] [--verbose] [--oracle-diffs]\n');
      process.exit(129);
    }
  }
  if (!opts.tool || !opts.file) die('--tool and --file are required');
  opts.max = Number(opts.max);
  if (!Number.isInteger(opts.max) || opts.max < 1) die('--max takes a positive integer');
  opts.reference = opts.reference || opts.file;
  return opts;
}

// Runs a program to completion; dies with its stderr when it cannot start or
// fails, unless `allowFail`.
function run(cmd, args, input, allowFail = false) {
  const r = cp.spawnSync(cmd, args, { input, maxBuffer: MAX_BUFFER, encoding: 'utf8' });
  if (r.error) die(`cannot run '${cmd}': ${r.error.message}`);
  if (r.status !== 0 && !allowFail) {
    die(`'${cmd} ${args.join(' ')}' exited with ${r.status === null ? r.signal : r.status}:\n` +
      r.stderr.slice(0, 2000));
  }
  return r;
}

const hex = (n) => '0x' + n.toString(16);

// ---- addresses -------------------------------------------------------------

// FUNC symbols with a size, from .symtab and .dynsym, sorted by address;
// `names` holds every demangled name seen at that start (see aliasesAt).
function functionSymbols(file) {
  let r = run(TOOLS.readelf, ['-sW', '-C', file], '', true);
  if (r.status !== 0) r = run(TOOLS.readelf, ['-sW', file]); // binutils < 2.35: no -C
  const byAddr = new Map();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+FUNC\s+\S+\s+\S+\s+(\S+)\s+(.*)$/.exec(line);
    if (!m || m[3] === 'UND') continue;
    const start = parseInt(m[1], 16);
    const size = Number(m[2]);
    if (size === 0) continue;
    const name = normFunction(m[4].replace(/@@?[A-Za-z0-9_.]+$/, ''));
    if (!byAddr.has(start)) byAddr.set(start, { start, end: start + size, names: new Set() });
    const f = byAddr.get(start);
    f.end = Math.max(f.end, start + size);
    f.names.add(name);
  }
  return [...byAddr.values()].sort((a, b) => a.start - b.start);
}

// Names of every symbol whose range holds `addr`, or null when there is at
// most one. Several names mean folded code: the linker or LLVM's
// MergeFunctions kept one body for identical functions, e.g. six
// RawVec<T>::grow_one instantiations at one address in the Rust fixture,
// each with its own DWARF subprogram. Which one a symbolizer reports is
// arbitrary (llvm-symbolizer says RawVec<OsString>, addr2line RawVec<Vec<u8>>),
// so the outermost frame may name any of them.
function aliasesAt(funcs, addr) {
  const names = new Set();
  for (const f of funcs) {
    if (f.start > addr) break;
    if (addr < f.end) for (const n of f.names) names.add(n);
  }
  return names.size > 1 ? names : null;
}

function insideFunction(funcs, addr) {
  let lo = 0;
  let hi = funcs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (funcs[mid].start > addr) hi = mid - 1;
    else if (funcs[mid].end <= addr) lo = mid + 1;
    else return true;
  }
  // Symbols can overlap (aliases); fall back to a scan before giving up.
  return funcs.some((f) => f.start <= addr && addr < f.end);
}

// Distinct line-table row addresses, end_sequence rows left out: they point
// one past the end of a sequence.
function lineRowAddresses(file) {
  const out = run(TOOLS.llvmDwarfdump, ['--debug-line', file]).stdout;
  const rows = new Set();
  for (const line of out.split('\n')) {
    const m = /^0x([0-9a-f]{16})\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s*(.*)$/.exec(line);
    if (m && !m[2].includes('end_sequence')) rows.add(parseInt(m[1], 16));
  }
  return rows;
}

// Every k-th element so that at most `max` remain, spread over the range.
function sampleEvenly(list, max) {
  if (list.length <= max) return list;
  const out = [];
  for (let i = 0; i < max; i++) out.push(list[Math.floor((i * list.length) / max)]);
  return out;
}

function pickAddresses(file, max) {
  const funcs = functionSymbols(file);
  if (!funcs.length) die(`'${file}' has no sized FUNC symbols: is it stripped? pass --reference`);
  const starts = funcs.map((f) => f.start);
  const startSet = new Set(starts);
  const rows = [...lineRowAddresses(file)]
    .filter((a) => !startSet.has(a) && insideFunction(funcs, a)).sort((a, b) => a - b);
  const keptStarts = sampleEvenly(starts, Math.max(Math.floor(max / 2), max - rows.length));
  const keptRows = sampleEvenly(rows, max - keptStarts.length);
  const addrs = [...keptStarts, ...keptRows].sort((a, b) => a - b);
  return { addrs, aliases: addrs.map((a) => aliasesAt(funcs, a)), nfuncs: starts.length,
    nrows: rows.length };
}

// ---- names, files, lines ---------------------------------------------------

const LEGACY_ESCAPES = {
  SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
};

// Decodes the escapes of one Rust legacy path element (`_$LT$Foo$u20$..`).
function decodeLegacyElement(el) {
  let s = el.startsWith('_$') ? el.slice(1) : el;
  s = s.replace(/\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{1,6})\$/g, (all, code) =>
    code[0] === 'u' && code.length > 1 ? String.fromCodePoint(parseInt(code.slice(1), 16))
      : LEGACY_ESCAPES[code]);
  return s.replace(/\.\./g, '::');
}

function normFunction(name) {
  if (name === undefined || name === null || name === '' || name === '??') return '??';
  let s = String(name);
  const legacy = /::h[0-9a-f]{16}$/.exec(s);
  if (legacy) {
    s = s.slice(0, legacy.index);
    // Only undo escapes when something is escaped: `..` alone can be real.
    if (/\$[A-Za-z0-9]+\$|\.\./.test(s)) s = s.split('::').map(decodeLegacyElement).join('::');
  }
  return s.replace(/(?<=[A-Za-z0-9_])\[[0-9a-f]{1,16}\](?=::)/g, '');
}

function normFile(file) {
  if (file === undefined || file === null || file === '' || file === '??') return '??';
  return path.posix.normalize(String(file));
}

function normLine(line) {
  const n = Number(line);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function frame(fn, file, line, column) {
  return { fn: normFunction(fn), file: normFile(file), line: normLine(line),
    column: normLine(column) };
}

// ---- the three symbolizers -------------------------------------------------

function runOurs(opts, addrs) {
  const args = ['symbolize', '-e', opts.file];
  if (opts.debugFile) args.push('--debug-file', opts.debugFile);
  // NSYM_SYMBOLIZE_ARGS: extra options for our tool, e.g. to answer from the
  // DWARF (--cache never) or from a freshly built symcache (--cache always).
  args.push(...(process.env.NSYM_SYMBOLIZE_ARGS || '').split(' ').filter(Boolean));
  args.push('--json');
  const r = run(opts.tool, args, addrs.map(hex).join('\n') + '\n');
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch (err) {
    die(`'${opts.tool}' did not print JSON (${err.message}); first bytes: ${r.stdout.slice(0, 200)}`);
  }
  if (!Array.isArray(doc) || doc.length !== addrs.length) {
    die(`'${opts.tool}' printed ${Array.isArray(doc) ? doc.length : 'no'} results for ${addrs.length} addresses`);
  }
  const problems = [];
  const chains = doc.map((entry, i) => {
    if (!entry || parseInt(entry.address, 16) !== addrs[i] || !Array.isArray(entry.frames) ||
      !entry.frames.length) {
      problems.push(`result ${i} is not {"address":"${hex(addrs[i])}","frames":[...]}: ${JSON.stringify(entry)}`);
      return [];
    }
    return entry.frames.map((f, j) => {
      const last = j === entry.frames.length - 1;
      if (typeof f.function !== 'string' || typeof f.file !== 'string' ||
        !Number.isInteger(f.line) || typeof f.inlined !== 'boolean') {
        problems.push(`${hex(addrs[i])} frame ${j} lacks function/file/line/inlined: ${JSON.stringify(f)}`);
      } else if (f.inlined === last) {
        problems.push(`${hex(addrs[i])} frame ${j} has "inlined":${f.inlined}, expected ${!last}`);
      }
      return Object.assign(frame(f.function, f.file, f.line, f.column),
        { approximate: f.approximate === true });
    });
  });
  return { chains, problems };
}

// llvm-symbolizer prints one JSON object per line with --output-style=JSON
// (LLVM 13 and later); older ones get the LLVM text style, parsed instead.
function runLlvm(file, addrs) {
  const input = addrs.map(hex).join('\n') + '\n';
  const json = run(TOOLS.llvmSymbolizer, ['--inlining', '--output-style=JSON', '-e', file], input, true);
  if (json.status === 0 && json.stdout.trimStart().startsWith('{')) {
    const lines = json.stdout.split('\n').filter((l) => l.trim());
    if (lines.length !== addrs.length) die(`llvm-symbolizer gave ${lines.length} results for ${addrs.length} addresses`);
    return lines.map((l) => {
      const o = JSON.parse(l);
      const syms = o.Symbol && o.Symbol.length ? o.Symbol : [{}];
      return syms.map((s) => frame(s.FunctionName, s.FileName, s.Line, s.Column));
    });
  }
  const text = run(TOOLS.llvmSymbolizer, ['--inlining', '--output-style=LLVM', '-e', file], input).stdout;
  const blocks = text.split(/\n\n/).filter((b) => b.trim());
  if (blocks.length !== addrs.length) die(`llvm-symbolizer gave ${blocks.length} results for ${addrs.length} addresses`);
  return blocks.map((b) => {
    const ls = b.split('\n');
    const frames = [];
    for (let i = 0; i + 1 < ls.length; i += 2) {
      const m = /^(.*?)(?::(\d+))?(?::(\d+))?$/.exec(ls[i + 1]);
      frames.push(frame(ls[i], m[1], m[2], m[3]));
    }
    return frames;
  });
}

function runAddr2line(file, addrs) {
  const out = run(TOOLS.addr2line, ['-a', '-f', '-i', '-C', '-e', file],
    addrs.map(hex).join('\n') + '\n').stdout.split('\n');
  const chains = [];
  let cur = null;
  for (let i = 0; i < out.length; i++) {
    if (/^0x[0-9a-f]+$/.test(out[i])) {
      cur = [];
      chains.push(cur);
    } else if (cur && out[i] !== '' && i + 1 < out.length) {
      const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(out[i + 1]) || [null, out[i + 1], '0'];
      cur.push(frame(out[i], m[1], m[2], 0));
      i++;
    }
  }
  if (chains.length !== addrs.length) die(`addr2line gave ${chains.length} results for ${addrs.length} addresses`);
  return chains;
}

// gdb facts for the given addresses: innermost { file, line } or null, and
// the ELF symbol or '??'. One batch, markers between addresses.
function runGdb(file, addrs) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsym-gdb-'));
  const script = path.join(tmp, 'cmds.gdb');
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  fs.writeFileSync(script, addrs.map((a) =>
    `echo @@${hex(a)}\\n\ninfo line *${hex(a)}\ninfo symbol ${hex(a)}\n`).join(''));
  const r = run(TOOLS.gdb, ['-nx', '-batch', '-x', script, file], '', true);
  const facts = new Map();
  let cur = null;
  for (const line of (r.stdout + '\n' + r.stderr).split('\n')) {
    let m;
    if ((m = /^@@(0x[0-9a-f]+)$/.exec(line))) {
      cur = { line: null, symbol: '??' };
      facts.set(parseInt(m[1], 16), cur);
    } else if (!cur) {
      continue;
    } else if ((m = /^Line (\d+) of "(.*)"\s+(?:starts at|is at) address/.exec(line))) {
      cur.line = { line: Number(m[1]), file: normFile(m[2]) };
    } else if ((m = /^(.*?)(?: \+ \d+)? in section \S+/.exec(line))) {
      cur.symbol = normFunction(m[1].replace(/(\.(cold|part|isra|constprop|lto_priv|localalias)(\.\d+)?)+$/, ''));
    }
  }
  return facts;
}

// ---- comparison ------------------------------------------------------------

// A line-0 location names no source position. llvm-symbolizer and addr2line
// still print a file for it, taken from the compilation unit's DW_AT_name,
// which for Rust is a codegen-unit name such as `gimli.9d272e8433f81454-cgu.0`
// or `3koq28jz0g8cbt1w7m9pw36uh` (the allocator shim) and for crt code
// `crtstuff.c`; napi-symbols may say "??" there instead.
function sameFile(a, b) {
  return a.file === b.file || (a.line === 0 && b.line === 0 && (a.file === '??' || b.file === '??'));
}

function sameFrame(a, b) {
  return a.fn === b.fn && sameFile(a, b) && a.line === b.line;
}

function sameChain(a, b) {
  return a.length === b.length && a.every((f, i) => sameFrame(f, b[i]));
}

// sameChain, but at folded code the outermost functions need only both be
// among the aliases.
function sameChainFolded(a, b, aliases) {
  if (sameChain(a, b)) return true;
  if (!aliases || a.length !== b.length) return false;
  const last = a.length - 1;
  return a.every((f, i) => (i === last
    ? aliases.has(f.fn) && aliases.has(b[i].fn) && sameFile(f, b[i]) && f.line === b[i].line
    : sameFrame(f, b[i])));
}

function fileSuffix(full, tail) {
  return full === tail || full.endsWith('/' + tail);
}

// Whether gdb's facts fit a chain: innermost file:line, outermost function.
function gdbFits(fact, chain, aliases) {
  const inner = chain[0];
  const outer = chain[chain.length - 1];
  const lineOk = fact.line ? inner.line === fact.line.line && fileSuffix(inner.file, fact.line.file)
    : inner.line === 0;
  const fnOk = fact.symbol === '??' || outer.fn === fact.symbol ||
    (aliases !== null && aliases.has(outer.fn) && aliases.has(fact.symbol));
  return lineOk && fnOk;
}

function showChain(chain) {
  return chain.map((f) => `${f.fn} at ${f.file}:${f.line}`).join(' <- ');
}

// Copies `file` with its debug sections decompressed when they use zstd,
// which llvm-symbolizer and llvm-dwarfdump 14 cannot read; the oracles then
// read the copy while our tool reads the original.
function oracleCopy(file, tmpdir) {
  const sections = run(TOOLS.readelf, ['-Wt', file]).stdout;
  if (!/\bZSTD\b/.test(sections)) return file;
  const copy = path.join(tmpdir, path.basename(file));
  run(TOOLS.objcopy, ['--decompress-debug-sections', file, copy]);
  console.log(`note: ${path.basename(file)} has zstd debug sections; the reference tools read a decompressed copy`);
  return copy;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const f of [opts.file, opts.reference, opts.debugFile]) {
    if (f && !fs.existsSync(f)) die(`'${f}' does not exist: build the 'fixtures' target first`);
  }
  if (!fs.existsSync(opts.tool)) die(`'${opts.tool}' does not exist: build the 'napi-symbols' target first`);
  const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsym-anchors-'));
  // die() exits at once; the temporary copies must go on that path too.
  process.on('exit', () => fs.rmSync(tmpdir, { recursive: true, force: true }));
  const ref = oracleCopy(opts.reference, tmpdir);
  const { addrs, aliases, nfuncs, nrows } = pickAddresses(ref, opts.max);
  const ours = runOurs(opts, addrs);
  const llvm = runLlvm(ref, addrs);
  const gnu = runAddr2line(ref, addrs);

  let agreeLlvm = 0;
  let agreeGnu = 0;
  let llvmGnu = 0;
  let columnDiffs = 0;
  let approximate = 0;
  let folded = 0;
  let unnamedLine0 = 0;
  const disputed = [];
  addrs.forEach((a, i) => {
    const o = ours.chains[i];
    const same = sameChainFolded(o, llvm[i], aliases[i]);
    if (same) agreeLlvm++;
    else if (o.length) disputed.push(i);
    if (same && !sameChain(o, llvm[i])) folded++;
    if (same && o.some((f, j) => f.file !== llvm[i][j].file)) unnamedLine0++;
    if (sameChainFolded(o, gnu[i], aliases[i])) agreeGnu++;
    if (sameChainFolded(llvm[i], gnu[i], aliases[i])) llvmGnu++;
    if (same && o.some((f, j) => f.column !== llvm[i][j].column)) columnDiffs++;
    if (o.some((f) => f.approximate)) approximate++;
  });

  const facts = disputed.length ? runGdb(ref, disputed.map((i) => addrs[i])) : new Map();
  const unresolved = [];
  const lines = [];
  for (const i of disputed) {
    const fact = facts.get(addrs[i]) || { line: null, symbol: '??' };
    const fitsUs = gdbFits(fact, ours.chains[i], aliases[i]);
    const fitsLlvm = gdbFits(fact, llvm[i], aliases[i]);
    const withUs = fitsUs && (!fitsLlvm || sameChainFolded(ours.chains[i], gnu[i], aliases[i]));
    if (!withUs) unresolved.push(i);
    const gdbSays = `${fact.symbol} / ${fact.line ? `${fact.line.file}:${fact.line.line}` : 'no line'}`;
    lines.push(`${hex(addrs[i])} ${withUs ? '(gdb sides with us)' : 'UNRESOLVED'}\n` +
      `    ours:      ${showChain(ours.chains[i])}\n` +
      `    llvm:      ${showChain(llvm[i])}\n` +
      `    addr2line: ${showChain(gnu[i])}\n` +
      `    gdb:       ${gdbSays}`);
  }

  const n = addrs.length;
  const pct = (k) => `${((100 * k) / n).toFixed(2)}%`;
  const what = opts.debugFile ? `${opts.file} + ${opts.debugFile}` : opts.file;
  console.log(`${what}: ${n} addresses (${nfuncs} function starts, ${nrows} line rows inside functions${n < nfuncs + nrows ? ', evenly sampled' : ''})`);
  console.log(`  agree with llvm-symbolizer: ${agreeLlvm}/${n} (${pct(agreeLlvm)})`);
  console.log(`  agree with addr2line:       ${agreeGnu}/${n} (${pct(agreeGnu)})`);
  console.log(`  llvm-symbolizer = addr2line: ${llvmGnu}/${n} (${pct(llvmGnu)}) [information]`);
  console.log(`  column differs from llvm-symbolizer on ${columnDiffs} otherwise agreeing addresses [information]`);
  if (unnamedLine0) console.log(`  ${unnamedLine0} agreements have a line-0 frame whose file only one side names [information]`);
  if (folded) console.log(`  ${folded} agreements name a different alias of folded code [information]`);
  if (approximate) console.log(`  ${approximate} answers marked approximate [information]`);
  for (const p of ours.problems.slice(0, SHOW_DISAGREEMENTS)) console.log(`  malformed: ${p}`);
  if (ours.problems.length > SHOW_DISAGREEMENTS) console.log(`  ... ${ours.problems.length - SHOW_DISAGREEMENTS} more malformed`);
  if (lines.length) {
    console.log(`  ${disputed.length} disagreements with llvm-symbolizer, ${unresolved.length} not settled by gdb:`);
    const shown = opts.verbose ? lines : [
      ...unresolved.map((i) => lines[disputed.indexOf(i)]),
      ...lines.filter((_, k) => !unresolved.includes(disputed[k])),
    ].slice(0, SHOW_DISAGREEMENTS);
    for (const l of shown) console.log('  ' + l);
    if (shown.length < lines.length) console.log(`  ... ${lines.length - shown.length} more (--verbose shows all)`);
  }
  if (opts.oracleDiffs) {
    const diffs = addrs.map((a, i) => i).filter((i) => !sameChainFolded(llvm[i], gnu[i], aliases[i]));
    console.log(`  llvm-symbolizer and addr2line differ on ${diffs.length} addresses [information]:`);
    for (const i of diffs.slice(0, opts.verbose ? diffs.length : SHOW_DISAGREEMENTS)) {
      console.log(`  ${hex(addrs[i])}\n    llvm:      ${showChain(llvm[i])}\n    addr2line: ${showChain(gnu[i])}`);
    }
  }
  const failed = unresolved.length > 0 || ours.problems.length > 0 || agreeLlvm < MIN_AGREEMENT * n;
  console.log(failed ? 'FAIL' : 'PASS');
  process.exitCode = failed ? 1 : 0;
}

main();
