// `symbolicate --server URL FILE` in plain JavaScript, for a platform with
// no native package (macOS, Windows): the crash text is posted to the
// server's symbolicate route (POST /api/v1/symbolicate, docs/server-api.md),
// which reads it with the same readers as the native command and answers
// the same text, so nothing is downloaded and nothing is read here.
'use strict';

const fs = require('fs');
const http = require('http');
const https = require('https');

const usage = `usage: napi-symbols symbolicate --server URL [-s] [--json] REPORT|-

Without the native program (no package for this platform), symbolicate
sends the crash text to a napi-symbols server's symbolicate route and
prints its answer: a crash report, a pasted issue or log holding compact
traces, a macOS .ips or .crash, or the stacks common tools print (see
'napi-symbols symbolicate --help' on Linux for the whole list).

      --server URLS   the server (default NAPI_SYMBOLS_SERVER; the first of
                      several); DEBUGINFOD_URLS servers are never sent a crash
  -s, --basenames     print file names without their directories
      --json          print the JSON answer instead of text
  -h, --help          show this help

NAPI_SYMBOLS_TOKEN, when set, is sent as the bearer token.
Exit status: 0 symbolicated; 1 the server could not answer or found no
crash in the text; 129 usage error.
`;

const MAX_BODY = 4 << 20; // the route's own limit (413 beyond it)

function usageError(message) {
  process.stderr.write(`napi-symbols: ${message}\nsee 'napi-symbols symbolicate --help'\n`);
  return 129;
}

// { server, basenames, json, file } or a number (an exit status).
function parse(args) {
  const o = { server: process.env.NAPI_SYMBOLS_SERVER || '', basenames: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(usage);
      return 0;
    } else if (a === '--server' && i + 1 < args.length) {
      o.server = args[++i];
    } else if (a.startsWith('--server=')) {
      o.server = a.slice('--server='.length);
    } else if (a === '-s' || a === '--basenames') {
      o.basenames = true;
    } else if (a === '--json') {
      o.json = true;
    } else if (a === '--') {
      if (o.file !== undefined || i + 2 !== args.length) return usageError('one REPORT or -');
      o.file = args[i + 1];
      break;
    } else if (a !== '-' && a.startsWith('-')) {
      return usageError(`'${a}' needs the native program; here only --server, -s and --json work`);
    } else if (o.file !== undefined) {
      return usageError('one REPORT or -');
    } else {
      o.file = a;
    }
  }
  if (o.file === undefined) return usageError('no REPORT (or - for stdin)');
  o.server = o.server.split(/\s+/).filter(Boolean)[0] || '';
  if (!o.server) return usageError('no server: pass --server URL or set NAPI_SYMBOLS_SERVER');
  return o;
}

function readInput(file) {
  return new Promise((resolve, reject) => {
    if (file !== '-') {
      fs.readFile(file, (err, data) => (err ? reject(err) : resolve(data)));
      return;
    }
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

// The route's answer: { status, body } (body a Buffer).
function post(url, body, o) {
  return new Promise((resolve, reject) => {
    const headers = {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': body.length,
      Accept: o.json ? 'application/json' : 'text/plain',
      'User-Agent': 'napi-symbols-js',
    };
    if (process.env.NAPI_SYMBOLS_TOKEN) headers.Authorization = `Bearer ${process.env.NAPI_SYMBOLS_TOKEN}`;
    const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(60000, () => req.destroy(new Error('no answer in 60 seconds')));
    req.on('error', reject);
    req.end(body);
  });
}

async function symbolicate(args) {
  const o = parse(args);
  if (typeof o === 'number') return o;
  let url;
  try {
    url = new URL(o.server.replace(/\/+$/, '') + '/api/v1/symbolicate');
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http or https');
  } catch (e) {
    return usageError(`server '${o.server}' is not an http or https URL`);
  }
  if (o.basenames) url.searchParams.set('basenames', '1');
  let body;
  try {
    body = await readInput(o.file);
  } catch (e) {
    process.stderr.write(`napi-symbols: ${o.file === '-' ? 'stdin' : `'${o.file}'`}: ${e.message}\n`);
    return 1;
  }
  if (body.length > MAX_BODY) {
    process.stderr.write(`napi-symbols: '${o.file}' is over 4 MiB, more than the server takes\n`);
    return 1;
  }
  let answer;
  try {
    answer = await post(url, body, o);
  } catch (e) {
    process.stderr.write(`napi-symbols: ${url.origin}: ${e.message}\n`);
    return 1;
  }
  if (answer.status === 200) {
    process.stdout.write(answer.body);
    return 0;
  }
  const said = answer.body.toString('utf8').trim().split('\n')[0].slice(0, 300);
  const why = {
    401: 'a token with the read scope is needed (NAPI_SYMBOLS_TOKEN)',
    403: 'the token lacks the read scope',
    404: 'the server has no symbolicate route (not napi-symbols, or older)',
  }[answer.status];
  process.stderr.write(`napi-symbols: ${url.origin} answered ${answer.status}${said ? `: ${said}` : ''}${why ? ` (${why})` : ''}\n`);
  return 1;
}

module.exports = { symbolicate };
