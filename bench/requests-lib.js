// Shared pieces of bench/requests' drivers (Node >= 18, no npm dependencies): a raw keep-alive HTTP/1.1
// client connection, a raw SSE subscriber and a latency histogram. Raw sockets rather than the http module
// because the drivers run on the same 2 cores as the nodes: the http module costs several times more CPU
// per request and per event, which would be taken from the servers being measured.
'use strict';
const net = require('net');
const { performance } = require('perf_hooks');

const now = () => performance.timeOrigin + performance.now(); // epoch ms, sub-ms

function parseArgs(defaults) {
  const a = { ...defaults };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i].replace(/^--/, '');
    if (!(k in a)) throw new Error('unknown option ' + v[i]);
    a[k] = typeof a[k] === 'number' ? Number(v[i + 1]) : v[i + 1];
  }
  return a;
}

function hostPort(base) { const u = new URL(base); return { host: u.hostname, port: Number(u.port) || 80 }; }

// One keep-alive connection, one request at a time (the callers own one per lane, so no pool is needed).
// request() resolves {status, head, body} or rejects on a socket error or timeout; a closed socket is
// reopened by the next request.
class Conn {
  constructor(base, timeoutMs = 10000) { Object.assign(this, hostPort(base)); this.timeoutMs = timeoutMs; this.sock = null; }
  _open() {
    const s = net.connect({ host: this.host, port: this.port });
    s.setNoDelay(true);
    s.setEncoding('latin1');
    s.setTimeout(this.timeoutMs);
    s._rbuf = '';
    s.on('data', (d) => { s._rbuf += d; this._parse(s); });
    const fail = (e) => { if (this.sock === s) this.sock = null; const p = s._req; s._req = null; s.destroy(); if (p) p.reject(e); };
    s.on('timeout', () => fail(new Error('timeout')));
    s.on('error', (e) => fail(e));
    s.on('close', () => fail(new Error('closed')));
    this.sock = s;
  }
  _parse(s) {
    const p = s._req; if (!p) return;
    const h = s._rbuf.indexOf('\r\n\r\n'); if (h === -1) return;
    const head = s._rbuf.substring(0, h);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body, rest;
    if (m) {
      const len = Number(m[1]);
      if (s._rbuf.length < h + 4 + len) return;
      body = s._rbuf.substring(h + 4, h + 4 + len); rest = s._rbuf.substring(h + 4 + len);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) { // not used by the node's JSON answers; kept simple
      const e = s._rbuf.indexOf('\r\n0\r\n\r\n', h); if (e === -1) return;
      body = s._rbuf.substring(h + 4, e); rest = s._rbuf.substring(e + 7);
    } else { body = ''; rest = s._rbuf.substring(h + 4); }
    s._rbuf = rest; s._req = null;
    if (/\r\nconnection:\s*close/i.test(head)) { if (this.sock === s) this.sock = null; s.end(); }
    p.resolve({ status: Number(head.substring(9, 12)), head, body });
  }
  request(method, path, body = '', headers = '') {
    return new Promise((resolve, reject) => {
      if (!this.sock) this._open();
      const len = body ? Buffer.byteLength(body) : 0;
      this.sock._req = { resolve, reject };
      this.sock.write(`${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n${headers}` +
        (method === 'POST' ? `Content-Type: text/plain\r\nContent-Length: ${len}\r\n` : '') + `\r\n${body}`);
    });
  }
  close() { if (this.sock) { const s = this.sock; this.sock = null; s._req = null; s.destroy(); } }
}

// A raw SSE subscription. handlers: onHead(status, head) once; onEvent(id, type, data, t) per event block
// that has an id (data = the first data line, enough for the drivers' "t=<ms>;..." payloads); onEnd(reason)
// once, when the server closes (terminating chunk or socket end), on error, or on close() by the caller.
// Only the event blocks are parsed (id:, event:, data: lines); comments and retry: are skipped.
function subscribe(base, path, headers, h) {
  const { host, port } = hostPort(base);
  const sock = net.connect({ host, port });
  sock.setNoDelay(true);
  sock.setEncoding('latin1');
  let head = true, buf = '', chunked = false, left = 0, text = '', ended = false;
  const end = (why) => { if (ended) return; ended = true; sock.destroy(); if (h.onEnd) h.onEnd(why); };
  sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\n${headers || ''}\r\n`));
  sock.on('data', (d) => {
    const t = now();
    buf += d;
    if (head) {
      const e = buf.indexOf('\r\n\r\n'); if (e === -1) return;
      const hd = buf.substring(0, e), status = Number(buf.substring(9, 12));
      chunked = /\r\ntransfer-encoding:\s*chunked/i.test(hd);
      buf = buf.substring(e + 4); head = false;
      if (h.onHead) h.onHead(status, hd, t);
      if (status !== 200) return end('status ' + status);
    }
    let fin = false;
    if (!chunked) { text += buf; buf = ''; } else {
      for (;;) {
        if (left === 0) {
          const nl = buf.indexOf('\r\n'); if (nl === -1) break;
          if (nl === 0) { buf = buf.substring(2); continue; } // CRLF after a chunk's data
          left = parseInt(buf.substring(0, nl), 16); buf = buf.substring(nl + 2);
          if (!(left > 0)) { left = 0; fin = true; break; } // terminating chunk: the server ended the response
        }
        if (buf.length === 0) break;
        const take = Math.min(left, buf.length);
        text += buf.substring(0, take); buf = buf.substring(take); left -= take;
      }
    }
    let p = 0, q;
    while ((q = text.indexOf('\n\n', p)) !== -1) {
      const block = text.substring(p, q + 1); p = q + 2;
      const i = block.indexOf('id: '); if (i !== 0 && (i === -1 || block[i - 1] !== '\n')) continue;
      const id = block.substring(i + 4, block.indexOf('\n', i));
      const ev = block.indexOf('\nevent: ');
      const type = ev === -1 ? 'message' : block.substring(ev + 8, block.indexOf('\n', ev + 1));
      const da = block.indexOf('data: ');
      const data = da === -1 ? '' : block.substring(da + 6, block.indexOf('\n', da));
      if (ended) return;
      h.onEvent(id, type, data, t);
    }
    text = text.substring(p);
    if (fin) end('server closed');
  });
  sock.on('error', (e) => end('error ' + (e.code || e.message)));
  sock.on('close', () => end(head ? 'closed before headers' : 'server closed'));
  return { close: () => end('closed by client') };
}

const seqOf = (id) => Number(id.substring(id.lastIndexOf('-') + 1));
const epochOf = (id) => id.substring(0, id.lastIndexOf('-'));

// 0.1 ms buckets up to 10 s, the last bucket is the overflow (as in sse-bench.js)
const BUCKETS = 100001;
class Hist {
  constructor() { this.h = new Int32Array(BUCKETS); this.n = 0; this.max = 0; }
  add(ms) { this.h[ms < 0 ? 0 : Math.min(BUCKETS - 1, Math.floor(ms * 10))]++; this.n++; if (ms > this.max) this.max = ms; }
  pct(p) {
    if (!this.n) return NaN;
    const want = Math.ceil(this.n * p); let c = 0;
    for (let i = 0; i < BUCKETS; i++) { c += this.h[i]; if (c >= want) return i === BUCKETS - 1 ? 10000 : i / 10; }
    return NaN;
  }
  summary() { return `p50 ${this.pct(0.5)} p90 ${this.pct(0.9)} p99 ${this.pct(0.99)} max ${this.max.toFixed(1)} ms (n=${this.n})`; }
}

// Seeded PRNG (mulberry32), so a run's random sample can be reproduced.
function rng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6D2B79F5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

// "figure <key> <value>" lines are what bench/requests parses into its table.
const figure = (k, v) => console.log(`figure ${k} ${v}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { now, parseArgs, Conn, subscribe, seqOf, epochOf, Hist, rng, figure, sleep };
