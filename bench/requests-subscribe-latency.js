// Subscribe latency to new streams: node bench/requests-subscribe-latency.js <edge base> <n> <in flight> <stream prefix>
// Prints subscriptions per second and the time from request to the 200 headers (each on a new connection).
'use strict';
const http = require('http');
const [base, n, conc, prefix] = [process.argv[2], +process.argv[3], +process.argv[4], process.argv[5]];
const { performance } = require('perf_hooks');
const u = new URL(base); let next = 0, done = 0; const lat = []; const socks = [];
const t0 = Date.now();
function one() {
  if (next >= n) return;
  const i = next++;
  const start = performance.now();
  const req = http.get({ host: u.hostname, port: u.port, path: '/streams/' + prefix + i, agent: false }, res => {
    lat.push(performance.now() - start); socks.push(res); done++;
    if (done === n) finish(); else one();
  });
  req.on('error', e => { console.error(e.message); done++; if (done === n) finish(); else one(); });
}
function finish() {
  lat.sort((a, b) => a - b);
  const q = p => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
  console.log(JSON.stringify({ n: lat.length, perSec: (n / ((Date.now() - t0) / 1000)).toFixed(0), p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) }));
  socks.forEach(r => r.destroy()); process.exit(0);
}
for (let i = 0; i < conc; i++) one();
