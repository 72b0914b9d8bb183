#!/usr/bin/env node
// Scenario 5 of bench/fanout: how long a reconnecting client waits for N buffered events.
//
// For each round: publish N events on a fresh stream/channel, then open one SSE connection that
// resumes from just before them (Last-Event-ID) and time from the moment the request is written
// to the socket until the N-th event's "data:" line has arrived. Node >= 18, no dependencies,
// plain net sockets (no http module parsing in the measured path). Loopback only.
//
// usage: node resume.js --server streamcast|nchan --sub URL --pub URL [--events 1000] [--rounds 7]
//          [--warmup 2] [--size 100]
//   URLs take {ch} for the stream/channel name, e.g. http://127.0.0.1:18180/streams/{ch}
// Position:
//   streamcast: a marker event is published first; its id (from the 201 JSON) is the Last-Event-ID.
//   nchan: ids are "<unix seconds>:<tag>"; Last-Event-ID "<seconds before the first publish>:0"
//          asks for everything newer, i.e. all N buffered events (nchan's own resume semantics).
'use strict';
const http = require('http');
const net = require('net');
const { performance } = require('perf_hooks');

function parseArgs() {
  const a = { server: 'streamcast', sub: '', pub: '', events: 1000, rounds: 7, warmup: 2, size: 100, timeout: 10000 };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i].replace(/^--/, '');
    if (!(k in a)) throw new Error('unknown option ' + v[i]);
    a[k] = typeof a[k] === 'number' ? Number(v[i + 1]) : v[i + 1];
  }
  if (!a.sub || !a.pub) throw new Error('--sub and --pub are required');
  return a;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function post(urlText, body) {
  return new Promise((resolve, reject) => {
    const url = new URL(urlText);
    const r = http.request({ hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent,
      headers: { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), Accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => (res.statusCode < 300 ? resolve(text) : reject(new Error(`POST ${urlText}: ${res.statusCode} ${text}`))));
    });
    r.on('error', reject);
    r.end(body);
  });
}

async function publishMany(urlText, n, size) {
  const pad = 'x'.repeat(Math.max(0, size - 12));
  let next = 0;
  const lane = async () => { while (next < n) { const i = next++; await post(urlText, `r=${i};${pad}`); } };
  await Promise.all([lane(), lane(), lane(), lane()]); // 4 in flight; the stream orders them
}

// Opens the SSE request with a Last-Event-ID and resolves with ms from request written to N-th event.
function timeResume(subUrl, lastEventId, n, timeoutMs) {
  return new Promise((resolve, reject) => {
    const url = new URL(subUrl);
    const sock = net.connect({ host: url.hostname, port: Number(url.port) || 80 });
    sock.setNoDelay(true);
    sock.setEncoding('latin1');
    let t0 = 0, seen = 0, tail = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`timeout: ${seen}/${n} events`)); }, timeoutMs);
    sock.on('connect', () => {
      const req = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n`
        + `Cache-Control: no-cache\r\nLast-Event-ID: ${lastEventId}\r\n\r\n`;
      t0 = performance.now();
      sock.write(req);
    });
    sock.on('data', (d) => {
      const s = tail + d;
      let p = 0, q;
      while ((q = s.indexOf('data: r=', p)) !== -1) { seen++; p = q + 8; }
      tail = s.substring(Math.max(p, s.length - 8));
      if (seen >= n) {
        const ms = performance.now() - t0;
        clearTimeout(timer);
        sock.destroy();
        resolve(ms);
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

async function round(o, k) {
  const ch = `resume${process.pid}x${k}`;
  const pub = o.pub.replace('{ch}', ch), sub = o.sub.replace('{ch}', ch);
  let lastId;
  if (o.server === 'nchan') {
    lastId = `${Math.floor(Date.now() / 1000) - 1}:0`;
    await publishMany(pub, o.events, o.size);
  } else {
    lastId = JSON.parse(await post(pub, 'marker')).id;
    await publishMany(pub, o.events, o.size);
  }
  return timeResume(sub, lastId, o.events, o.timeout);
}

async function main() {
  const o = parseArgs();
  const times = [];
  for (let k = 0; k < o.warmup + o.rounds; k++) {
    const ms = await round(o, k);
    if (k >= o.warmup) times.push(ms);
  }
  times.sort((x, y) => x - y);
  const med = times[Math.floor(times.length / 2)];
  console.log(`resume ${o.events} buffered events: median ${med.toFixed(2)} ms min ${times[0].toFixed(2)} ms max ${times[times.length - 1].toFixed(2)} ms over ${times.length} rounds (${o.warmup} warm-up rounds not counted)`);
  agent.destroy();
}

main().catch((e) => { console.error('resume.js: ' + e.message); process.exit(1); });
