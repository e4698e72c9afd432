#!/usr/bin/env node
// A misbehaving symbol server for the client's fault tests, on a loopback
// port the system picks (printed as "listening on http://127.0.0.1:PORT"):
//   fake-server.js wrong FILE    serves FILE for every request (wrong identity)
//   fake-server.js truncated FILE  declares FILE's size, sends half, closes
//   fake-server.js stall         sends headers, then nothing
//   fake-server.js error         answers 500 to everything
//   fake-server.js flaky         lacks everything; each upload fails with 503
//                                once, then is taken (201); counts on stderr
'use strict';
const fs = require('fs');
const http = require('http');

const [mode, file] = process.argv.slice(2);
const body = file ? fs.readFileSync(file) : Buffer.alloc(0);
const tries = new Map();
function flaky(req, res) {
  let body = '';
  req.on('data', (d) => { body += d.length < 65536 ? d.toString('latin1') : ''; });
  req.on('end', () => {
    if (req.url === '/api/v1/missing') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ missing: JSON.parse(body).ids }));
    } else if (req.url.startsWith('/api/v1/upload')) {
      const n = (tries.get(req.url) || 0) + 1;
      tries.set(req.url, n);
      process.stderr.write(`upload ${req.url} try ${n}\n`);
      res.writeHead(n === 1 ? 503 : 201);
      res.end(n === 1 ? 'busy\n' : '{}\n');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
}

const server = http.createServer((req, res) => {
  if (mode === 'wrong') {
    res.writeHead(200, { 'Content-Length': body.length });
    res.end(body);
  } else if (mode === 'truncated') {
    res.writeHead(200, { 'Content-Length': body.length });
    res.write(body.subarray(0, body.length >> 1));
    setTimeout(() => req.socket.destroy(), 100);
  } else if (mode === 'stall') {
    res.writeHead(200, { 'Content-Length': 1000000 });
    res.write('x');
  } else if (mode === 'flaky') {
    flaky(req, res);
  } else {
    res.writeHead(500);
    res.end('broken\n');
  }
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
setTimeout(() => process.exit(0), 120000).unref();
