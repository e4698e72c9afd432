// A read-only npm registry on 127.0.0.1 (port 0) serving the tarballs that
// `npm pack` wrote into DIR, so the tests install the packages as users do
// (`npm install napi-symbols`, `npx napi-symbols`) and from those very
// tarballs: GET /NAME answers the package's document (one version, its
// dist.tarball, integrity and shasum), GET /-/FILE the tarball. Anything
// else is 404, as the public registry answers for a package it lacks.
// Prints "listening on http://127.0.0.1:PORT" when ready; stops on SIGTERM.
//
// Usage: node registry.js DIR
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { execFileSync } = require('child_process');

const dir = process.argv[2];
const tarballs = new Map(); // file name -> bytes
const docs = new Map(); // package name -> its manifest and tarball file

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.tgz'))) {
  const bytes = fs.readFileSync(path.join(dir, file));
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', path.join(dir, file), 'package/package.json']).toString('utf8'),
  );
  tarballs.set(file, bytes);
  docs.set(manifest.name, {
    manifest,
    file,
    integrity: 'sha512-' + crypto.createHash('sha512').update(bytes).digest('base64'),
    shasum: crypto.createHash('sha1').update(bytes).digest('hex'),
  });
}

const server = http.createServer((req, res) => {
  const url = decodeURIComponent(req.url.split('?')[0]);
  const send = (status, body, type) => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length });
    res.end(body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, Buffer.from('{}'), 'application/json');
  if (url.startsWith('/-/') && tarballs.has(url.slice(3))) {
    return send(200, tarballs.get(url.slice(3)), 'application/octet-stream');
  }
  const doc = docs.get(url.slice(1));
  if (!doc) return send(404, Buffer.from('{"error":"Not found"}'), 'application/json');
  const base = `http://${req.headers.host}`;
  const v = doc.manifest.version;
  const version = Object.assign({}, doc.manifest, {
    _id: `${doc.manifest.name}@${v}`,
    dist: { tarball: `${base}/-/${doc.file}`, integrity: doc.integrity, shasum: doc.shasum },
  });
  const body = { name: doc.manifest.name, 'dist-tags': { latest: v }, versions: { [v]: version } };
  send(200, Buffer.from(JSON.stringify(body)), 'application/json');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
