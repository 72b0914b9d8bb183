#!/usr/bin/env node
// bench/jobs' driver: `tokens` jobs, many at once, each read by one subscriber on the node that does not run it.
//
// Starts --jobs jobs with POST /jobs/tokens ({"prompt","tokens","rate","lingerMillis","stamps":true}), alternating
// between the --edges, --start-conc requests in flight. With "stamps" each token is " <i>@<epoch microseconds>" (its
// number and the time the job wrote it), so every token's latency (written -> received here; the nodes and this
// driver share the machine's clock) and its order can be checked. Each job's url is subscribed to on the edge of the
// other node than the one running it (the answer's "node", matched with --node-names), as soon as its 201 arrives.
//
// A job is "ok" when its subscriber got every token exactly once and in order, then `done` and `complete`, and
// then the server closed. Latency p50/p99 is over the tokens written after their subscriber's 200 headers (the
// live path; tokens written earlier wait for the subscription and are replayed from history), and, for reference,
// over all tokens. Server CPU: utime+stime of --pids from /proc, from before the first POST to the last complete.
//
// usage: node jobs-tokens.js --edges http://127.0.0.1:18480,http://127.0.0.1:18490 --node-names jobs-A,jobs-B
//          --pids 123,456 [--jobs 1000] [--tokens 1000] [--rate 50] [--linger 20] [--start-conc 32] [--max-seconds 600]
// Prints human lines and "figure <key> <value>" lines (parsed by bench/jobs).
'use strict';
const fs = require('fs');
const { now, parseArgs, Conn, subscribe, Hist, figure } = require('./requests-lib.js');

const o = parseArgs({ edges: '', 'node-names': '', pids: '', jobs: 1000, tokens: 1000, rate: 50, linger: 20,
  'start-conc': 32, 'max-seconds': 600, 'close-timeout': 15000 });
const edges = o.edges.split(',').filter(Boolean);
const names = o['node-names'].split(',').filter(Boolean);
const pids = o.pids.split(',').filter(Boolean).map(Number);
if (edges.length === 0) throw new Error('--edges is required');

const cpuTicks = () => pids.reduce((acc, pid) => {
  try { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return acc + (+f[11]) + (+f[12]); } catch (e) { return acc; }
}, 0); // utime+stime, ticks of 10 ms

const live = new Hist();   // token written after its subscriber's 200 headers -> received
const all = new Hist();    // every token
const reasons = {};
const fail = (why) => { reasons[why] = (reasons[why] || 0) + 1; };
let posted = 0, started = 0, startErr = 0, ok = 0, received = 0, dup = 0, lost = 0, ooo = 0, ended = 0;
let sameNode = 0, firstToken = Infinity, lastToken = 0, stop = false, peakOpen = 0;
const subs = new Set();
const startStatus = {};

function watch(job, edge) {
  return new Promise((resolve) => {
    let next = 0, headT = Infinity, done = false, complete = false, closeTimer = null, bad = null;
    const finish = (why) => {
      subs.delete(sub); ended++;
      if (closeTimer) clearTimeout(closeTimer);
      if (next < o.tokens) lost += o.tokens - next;
      const fault = bad || (next !== o.tokens ? `missing tokens (${why})` : !done ? `no done (${why})`
        : !complete ? `no complete (${why})` : why !== 'server closed' ? `not closed by server (${why})` : null);
      if (fault) fail(fault); else ok++;
      resolve();
    };
    const sub = subscribe(edge, job.url, '', {
      onHead: (status, hd, t) => { if (status !== 200) bad = 'subscribe status ' + status; else headT = t; },
      onEvent: (id, type, data, t) => {
        if (type === 'token') {
          for (const tok of data.split(' ')) {
            if (!tok) continue;
            const at = tok.indexOf('@');
            const i = Number(tok.substring(0, at)), written = Number(tok.substring(at + 1)) / 1000;
            if (i < next) { dup++; continue; }
            if (i > next) { ooo++; lost += i - next; bad = bad || 'token out of order or lost'; }
            next = i + 1; received++;
            const ms = t - written;
            all.add(ms);
            if (written >= headT) live.add(ms);
            if (t < firstToken) firstToken = t;
            if (t > lastToken) lastToken = t;
          }
        } else if (type === 'done') {
          done = true;
        } else if (type === 'complete') {
          complete = true;
          closeTimer = setTimeout(() => sub.close(), o['close-timeout']);
        } else if (type === 'error') {
          bad = bad || 'error event ' + data;
        }
      },
      onEnd: (why) => finish(why),
    });
    subs.add(sub);
    if (subs.size > peakOpen) peakOpen = subs.size;
  });
}

async function main() {
  const cpu0 = cpuTicks(), t0 = now(), drv0 = process.cpuUsage();
  const deadline = setTimeout(() => { stop = true; for (const s of subs) s.close(); }, o['max-seconds'] * 1000);
  const progress = setInterval(() => console.error(`  ${((now() - t0) / 1000).toFixed(0)} s: started ${started}/${o.jobs}, open ${subs.size}, ok ${ok}, tokens ${received}`), 10000);
  const watching = [];
  let nextJob = 0;
  const body = JSON.stringify({ prompt: 'bench', tokens: o.tokens, rate: o.rate, lingerMillis: o.linger, stamps: true });
  const lane = async (k) => {
    const conns = edges.map((e) => new Conn(e, 20000));
    while (nextJob < o.jobs && !stop) {
      const i = nextJob++; const e = i % edges.length;
      posted++;
      let r;
      try { r = await conns[e].request('POST', '/jobs/tokens', body, 'Accept: application/json\r\n'); } catch (err) { startErr++; startStatus[err.message] = (startStatus[err.message] || 0) + 1; continue; }
      startStatus[r.status] = (startStatus[r.status] || 0) + 1;
      if (r.status !== 201) { startErr++; continue; }
      started++;
      const job = JSON.parse(r.body);
      // the other node than the one running the job, so every token crosses the cluster
      const runs = names.indexOf(job.node);
      const edge = runs >= 0 && edges.length > 1 ? edges[(runs + 1) % edges.length] : edges[e];
      if (runs < 0 || edges.length === 1) sameNode++;
      watching.push(watch(job, edge));
    }
    conns.forEach((c) => c.close());
  };
  await Promise.all(Array.from({ length: Math.min(o['start-conc'], o.jobs) }, (_, k) => lane(k)));
  const startedIn = (now() - t0) / 1000;
  await Promise.all(watching);
  clearTimeout(deadline); clearInterval(progress);
  const cpu1 = cpuTicks(), wall = (now() - t0) / 1000, drv = process.cpuUsage(drv0);
  const serverCpu = (cpu1 - cpu0) / 100;
  const span = Math.max(0.001, (lastToken - firstToken) / 1000);
  const expected = started * o.tokens;
  console.log(`jobs: ${started}/${o.jobs} started in ${startedIn.toFixed(1)} s (POST answers ${JSON.stringify(startStatus)}), ${ok} ok; ${o.tokens} tokens each at ${o.rate}/s, linger ${o.linger} ms${stop ? '; STOPPED at --max-seconds' : ''}`);
  console.log(`failed jobs by reason: ${JSON.stringify(reasons)}`);
  console.log(`subscribed on the other node than the job's: ${started - sameNode}/${started}; most jobs open at once (subscribed, not ended): ${peakOpen}`);
  console.log(`tokens received ${received}/${expected} (${expected ? (100 * received / expected).toFixed(3) : 'n/a'}%), duplicated ${dup}, lost ${lost}, out of order ${ooo}`);
  console.log(`token latency, written after the subscription (live): ${live.summary()}`);
  console.log(`token latency, every token (replayed ones included): ${all.summary()}`);
  console.log(`tokens/s over ${span.toFixed(1)} s from the first token received to the last: ${(received / span).toFixed(0)}`);
  console.log(`server CPU (both nodes, utime+stime) ${serverCpu.toFixed(1)} s over ${wall.toFixed(1)} s => ${(serverCpu * 1e6 / Math.max(1, received)).toFixed(1)} us per token`);
  console.log(`driver CPU ${((drv.user + drv.system) / 1e6).toFixed(1)} s, RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  figure('jobs', o.jobs); figure('jobs_started', started); figure('jobs_ok', ok); figure('start_s', startedIn.toFixed(1));
  figure('tokens_expected', expected); figure('tokens_received', received);
  figure('delivered_pct', expected ? (100 * (received) / expected).toFixed(3) : 'n/a');
  figure('dup', dup); figure('lost', lost); figure('ooo', ooo);
  figure('live_p50_ms', live.pct(0.5)); figure('live_p99_ms', live.pct(0.99)); figure('live_n', live.n);
  figure('all_p50_ms', all.pct(0.5)); figure('all_p99_ms', all.pct(0.99));
  figure('tokens_per_s', (received / span).toFixed(0)); figure('span_s', span.toFixed(1));
  figure('server_cpu_s', serverCpu.toFixed(1)); figure('wall_s', wall.toFixed(1));
  figure('cpu_us_per_token', (serverCpu * 1e6 / Math.max(1, received)).toFixed(1));
  figure('other_node', `${started - sameNode}/${started}`); figure('peak_open', peakOpen);
  figure('reasons', JSON.stringify(JSON.stringify(reasons)));
  process.exit(ok === o.jobs && dup === 0 && lost === 0 ? 0 : 1);
}
main().catch((e) => { console.error(e); process.exit(2); });
