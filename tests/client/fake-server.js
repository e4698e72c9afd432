#!/usr/bin/env node
// A misbehaving symbol server for the client's fault tests, on a loopback
// port the system picks (printed as "listening on http://127.0.0.1:PORT"):
//   fake-server.js wrong FILE    serves FILE for every request (wrong identity)
//   fake-server.js truncated FILE  declares FILE's size, sends half, closes
//   fake-server.js stall         sends headers, then nothing
//   fake-server.js error         answers 500 to everything
'use strict';
const fs = require('fs');
const http = require('http');

const [mode, file] = process.argv.slice(2);
const body = file ? fs.readFileSync(file) : Buffer.alloc(0);
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
  } else {
    res.writeHead(500);
    res.end('broken\n');
  }
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
setTimeout(() => process.exit(0), 120000).unref();
