#!/usr/bin/env node
// A misbehaving symbol server for the client's fault tests, on a loopback
// port the system picks (printed as "listening on http://127.0.0.1:PORT"):
//   fake-server.js wrong FILE    serves FILE for every request (wrong identity)
//   fake-server.js truncated FILE  declares FILE's size, sends half, closes
//   fake-server.js stall         sends headers, then nothing
//   fake-server.js error         answers 500 to everything
//   fake-server.js flaky         lacks everything; each upload fails with 503
//                                once, then is taken (201); counts on stderr
//   fake-server.js old FILE      serves FILE for GET /buildid/*/debuginfo and
//                                404 for the rest, as a server older than the
//                                symbolicate route does
//   fake-server.js held FILE      serves FILE for every request, each logged
//                                on stderr ("asked PATH"), but holds the
//                                answers until GET /release
// and answers only a full HTTP client reads (fetch's fast path hands them
// to libcurl), or that come in pieces:
//   fake-server.js redirect URL    302 to URL followed by the request's path
//   fake-server.js chunked FILE    FILE in a chunked body, no Content-Length
//   fake-server.js bigheaders FILE  FILE after 40 KB of headers
//   fake-server.js pieces FILE     FILE, head and body cut in small writes
//                                  20 ms apart (raw TCP)
'use strict';
const fs = require('fs');
const http = require('http');
const net = require('net');

const [mode, file] = process.argv.slice(2);
const body = file && mode !== 'redirect' ? fs.readFileSync(file) : Buffer.alloc(0);
const tries = new Map();
const held = [];
let released = false;
function hold(req, res) {
  const send = (r) => { r.writeHead(200, { 'Content-Length': body.length }); r.end(body); };
  if (req.url === '/release') {
    released = true;
    held.splice(0).forEach(send);
    res.writeHead(200);
    res.end();
    return;
  }
  process.stderr.write(`asked ${req.url}\n`);
  if (released) send(res);
  else held.push(res);
}
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

// The head split inside a header name and before the blank line, the
// body's first bytes in the head's last write, the rest in four pieces.
function pieces(socket) {
  const head = `HTTP/1.1 200 OK\r\nContent-Le|ngth: ${body.length}\r\nConnection: close\r\n|\r\n`;
  const parts = head.split('|').map((p) => Buffer.from(p, 'latin1'));
  const q = Math.ceil((body.length - 1000) / 4);
  parts[parts.length - 1] = Buffer.concat([parts[parts.length - 1], body.subarray(0, 1000)]);
  for (let at = 1000; at < body.length; at += q) parts.push(body.subarray(at, at + q));
  const next = () => {
    if (parts.length === 0) return socket.end();
    socket.write(parts.shift());
    setTimeout(next, 20);
  };
  socket.once('data', next);
  socket.on('error', () => {});
}

const server = mode === 'pieces' ? net.createServer(pieces) : http.createServer((req, res) => {
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
  } else if (mode === 'held') {
    hold(req, res);
  } else if (mode === 'old') {
    const hit = req.method === 'GET' && /^\/buildid\/[0-9a-f]+\/debuginfo$/.test(req.url);
    req.resume(); // a body, read and dropped
    req.on('end', () => {
      res.writeHead(hit ? 200 : 404, { 'Content-Length': hit ? body.length : 10 });
      res.end(hit ? body : 'not found\n');
    });
  } else if (mode === 'redirect') {
    res.writeHead(302, { Location: file + req.url });
    res.end();
  } else if (mode === 'chunked') {
    res.writeHead(200);
    res.write(body.subarray(0, body.length >> 1));
    res.end(body.subarray(body.length >> 1));
  } else if (mode === 'bigheaders') {
    const pad = {};
    for (let i = 0; i < 40; i++) pad[`X-Pad-${i}`] = 'p'.repeat(1000);
    res.writeHead(200, { ...pad, 'Content-Length': body.length });
    res.end(body);
  } else {
    res.writeHead(500);
    res.end('broken\n');
  }
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
setTimeout(() => process.exit(0), 120000).unref();
