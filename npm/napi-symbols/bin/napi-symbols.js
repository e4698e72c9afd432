#!/usr/bin/env node
// The napi-symbols launcher: runs the native program of this platform's
// package (@napi-symbols/linux-x64-gnu...), installed by npm as an optional
// dependency with no install script, with the same arguments, and ends as
// it ended: its exit status, or death by the same signal. Signals sent to
// the launcher are passed on. Where no native package exists (macOS,
// Windows, musl), it says so in one line and still runs `symbolicate
// --server URL FILE` through the server, in JavaScript.
'use strict';

const { spawn } = require('child_process');
const os = require('os');
const path = require('path');
const { nativePackage } = require('../lib/platform');

const version = require(path.join(__dirname, '..', 'package.json')).version;
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

function runNative(binary, args) {
  const child = spawn(binary, args, { stdio: 'inherit' });
  const pass = (signal) => child.kill(signal);
  for (const s of forwarded) process.on(s, pass);
  child.on('error', (e) => {
    process.stderr.write(`napi-symbols: cannot run ${binary}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of forwarded) process.removeListener(s, pass);
    if (signal) {
      // die by the same signal, so the shell sees what it would have seen
      process.kill(process.pid, signal);
      process.exit(128 + (os.constants.signals[signal] || 0));
    }
    process.exit(code);
  });
}

function fallback(found, args) {
  const cmd = args[0];
  if (cmd === '--version') {
    process.stdout.write(`napi-symbols ${version} (JavaScript launcher only: ${found.why})\n`);
    return;
  }
  process.stderr.write(
    `napi-symbols: ${found.why} (${found.key}); only 'symbolicate --server URL FILE' works here, through the server\n`,
  );
  if (cmd !== 'symbolicate') {
    process.exitCode = cmd === undefined || cmd === '-h' || cmd === '--help' ? 0 : 1;
    return;
  }
  require('../lib/symbolicate')
    .symbolicate(args.slice(1))
    .then((status) => {
      process.exitCode = status;
    });
}

const found = nativePackage();
if (found.binary) runNative(found.binary, process.argv.slice(2));
else fallback(found, process.argv.slice(2));
