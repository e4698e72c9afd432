// Slow clients for server-test.sh's slowloris case:
//   node slowloris.js HOST PORT CONNECTIONS SECONDS
// Holds CONNECTIONS connections to HOST:PORT for SECONDS. Each sends half a
// request head, then one more header line every 0.5 s, and never ends it;
// whenever the server closes one, another takes its place at once. Prints
// "connected N" once all N first connections are open, and at the end
// "opened N closed M": connections made, and how many the server closed.
"use strict";
const net = require("net");

const [host, port, count, seconds] = process.argv.slice(2);
let opened = 0, closed = 0, connected = 0, stopping = false;
const open = new Set();

function connect() {
  const s = net.connect(+port, host);
  opened++;
  open.add(s);
  const trickle = setInterval(() => s.write("X-Slow: aaaaaaaa\r\n"), 500);
  s.on("connect", () => {
    s.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    if (++connected === +count)
      console.log(`connected ${count}`);
  });
  s.on("data", () => {});
  s.on("error", () => {});
  s.on("close", () => {
    clearInterval(trickle);
    open.delete(s);
    if (stopping)
      return;
    closed++;
    setImmediate(connect);
  });
}

for (let i = 0; i < +count; i++)
  connect();
setTimeout(() => {
  stopping = true;
  for (const s of open)
    s.destroy();
  console.log(`opened ${opened} closed ${closed}`);
}, +seconds * 1000);
