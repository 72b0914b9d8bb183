#!/usr/bin/env node
// Scenario 7 of bench/requests: short stream lifecycles, subscribe on one node, publish on another.
//
// One lifecycle: open GET /streams/<s> (SSE) on --edge; when its 200 headers arrive, publish --events events
// on --pub, --interval ms apart (POST /streams/<s>, body "t=<epoch ms>;<i>", the time taken when the request
// is written), then POST /streams/<s>/complete. The subscriber must get every event once, in id order, then
// `event: complete`, then the server must close the response. --pool lifecycles run at once; each slot starts
// its next lifecycle as soon as one ends, until --lifecycles have run.
//
// Publishes of one stream are sequential (the next one waits for the previous 201 and for its slot in the
// schedule), so event i is seq i; if the node is slower than the schedule the lifecycle stretches, and
// "publish lag" says by how much.
//
// usage: node requests-lifecycles.js --edge http://127.0.0.1:18290 --pub http://127.0.0.1:18281
//          [--lifecycles 20000] [--pool 500] [--events 100] [--interval 20] [--from latest|earliest]
//          [--prefix lc] [--close-timeout 15000] [--max-seconds 3600]
// Prints human lines and "figure <key> <value>" lines (parsed by bench/requests).
'use strict';
const { now, parseArgs, Conn, subscribe, seqOf, Hist, figure, sleep } = require('./requests-lib.js');

const o = parseArgs({ edge: '', pub: '', lifecycles: 20000, pool: 500, events: 100, interval: 20, from: 'latest',
  prefix: 'lc' + Date.now().toString(36), 'close-timeout': 15000, 'max-seconds': 3600 });
if (!o.edge || !o.pub) throw new Error('--edge and --pub are required');

const firstEvent = new Hist();   // GET written -> first event received
const headLat = new Hist();      // GET written -> 200 headers received
const eventLat = new Hist();     // publish written -> event received (every event)
const pubLag = new Hist();       // how late a publish was written against its 20 ms schedule
const reasons = {};              // why lifecycles failed
let started = 0, ok = 0, acked = 0, pubErr = 0, received = 0, lost = 0, dup = 0, ooo = 0, afterComplete = 0;
let completeSeen = 0, closedAfterComplete = 0, stop = false;
const fail = (why) => { reasons[why] = (reasons[why] || 0) + 1; };
const live = new Set();

function lifecycle(i, pubConn) {
  return new Promise((resolve) => {
    const name = `${o.prefix}-${i}`;
    const seen = new Uint8Array(o.events);
    let maxSeq = -1, complete = false, done = false, closeTimer = null, failed = null;
    const t0 = now();
    const finish = (why) => {
      if (done) return; done = true; live.delete(sub);
      if (closeTimer) clearTimeout(closeTimer);
      for (let j = 0; j < o.events; j++) { if (seen[j] === 0) lost++; else if (seen[j] > 1) dup += seen[j] - 1; }
      if (complete) completeSeen++;
      if (complete && why === 'server closed') closedAfterComplete++;
      const bad = failed || (!complete ? `no complete (${why})` : why !== 'server closed' ? `not closed by server (${why})` : null)
        || (seen.some((c) => c !== 1) ? 'lost or duplicated events' : null);
      if (bad) fail(bad); else ok++;
      resolve();
    };
    const path = `/streams/${name}` + (o.from === 'earliest' ? '?from=earliest' : '');
    const sub = subscribe(o.edge, path, '', {
      onHead: (status, hd, t) => {
        if (status !== 200) { failed = 'subscribe status ' + status; return; }
        headLat.add(t - t0);
        publish();
      },
      onEvent: (id, type, data, t) => {
        const seq = seqOf(id);
        if (complete) { afterComplete++; return; }
        if (type === 'complete') {
          complete = true;
          // the server must close now; bounded wait (the socket end calls finish)
          closeTimer = setTimeout(() => sub.close(), o['close-timeout']);
          return;
        }
        if (seq < 0 || seq >= o.events || isNaN(seq)) { failed = 'unexpected id ' + id; return; }
        if (seq <= maxSeq && seen[seq] === 0) ooo++;
        if (seq > maxSeq) maxSeq = seq;
        if (seen[seq] === 0 && seq === 0) firstEvent.add(t - t0);
        seen[seq]++; received++;
        const e = data.indexOf(';');
        if (data.startsWith('t=') && e > 0) eventLat.add(t - Number(data.substring(2, e)));
      },
      onEnd: (why) => finish(why),
    });
    live.add(sub);
    async function publish() {
      const tp = now();
      for (let j = 0; j < o.events; j++) {
        const due = tp + j * o.interval, wait = due - now();
        if (wait > 1) await sleep(wait);
        if (done || stop) return;
        const t = now();
        pubLag.add(t - due);
        try {
          const r = await pubConn.request('POST', `/streams/${name}`, `t=${t.toFixed(3)};${j}`);
          if (r.status !== 201) { pubErr++; failed = 'publish status ' + r.status; sub.close(); return; }
          acked++;
        } catch (e) { pubErr++; failed = 'publish ' + e.message; sub.close(); return; }
      }
      try {
        const r = await pubConn.request('POST', `/streams/${name}/complete`);
        if (r.status !== 201) { failed = 'complete status ' + r.status; sub.close(); return; }
      } catch (e) { failed = 'complete ' + e.message; sub.close(); return; }
      // the complete is acknowledged: bound the wait for the subscriber to see it and the server to close
      if (!closeTimer && !done) closeTimer = setTimeout(() => sub.close(), o['close-timeout']);
    }
  });
}

async function main() {
  const tStart = now(), cpu0 = process.cpuUsage();
  let next = 0;
  const deadline = setTimeout(() => { stop = true; for (const s of live) s.close(); }, o['max-seconds'] * 1000);
  const progress = setInterval(() => console.error(`  ${((now() - tStart) / 1000).toFixed(0)} s: started ${started}, ok ${ok}, in flight ${live.size}, acked ${acked}`), 10000);
  const slot = async () => {
    const pubConn = new Conn(o.pub, 10000);
    while (next < o.lifecycles && !stop) { next++; started++; await lifecycle(next - 1, pubConn); }
    pubConn.close();
  };
  await Promise.all(Array.from({ length: Math.min(o.pool, o.lifecycles) }, slot));
  clearTimeout(deadline); clearInterval(progress);
  const wall = (now() - tStart) / 1000, cpu = process.cpuUsage(cpu0);
  const ideal = o.lifecycles / Math.min(o.pool, o.lifecycles) * (o.events * o.interval) / 1000;
  console.log(`lifecycles: ${ok}/${o.lifecycles} ok, ${started} started, pool ${o.pool}, ${o.events} events ${o.interval} ms apart, in ${wall.toFixed(1)} s (the schedule alone: ${ideal.toFixed(1)} s)${stop ? '; STOPPED at --max-seconds' : ''}`);
  console.log(`failed lifecycles by reason: ${JSON.stringify(reasons)}`);
  console.log(`publishes acknowledged ${acked}, failed ${pubErr}; rate ${(acked / wall).toFixed(0)}/s`);
  console.log(`events received ${received}, lost ${lost}, duplicated ${dup}, out of order ${ooo}, after complete ${afterComplete}; complete seen ${completeSeen}, server closed after complete ${closedAfterComplete}`);
  console.log(`GET written -> 200 headers: ${headLat.summary()}`);
  console.log(`GET written -> first event (event 0): ${firstEvent.summary()}`);
  console.log(`publish written -> event received: ${eventLat.summary()}`);
  console.log(`publish written late against the schedule by: ${pubLag.summary()}`);
  console.log(`driver CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  const expected = started * o.events;
  figure('lifecycles_ok', ok); figure('lifecycles', o.lifecycles); figure('wall_s', wall.toFixed(1));
  figure('lifecycles_per_s', (ok / wall).toFixed(1));
  figure('head_p99_ms', headLat.pct(0.99));
  figure('first_p50_ms', firstEvent.pct(0.5)); figure('first_p99_ms', firstEvent.pct(0.99));
  figure('event_p50_ms', eventLat.pct(0.5)); figure('event_p99_ms', eventLat.pct(0.99));
  figure('lag_p99_ms', pubLag.pct(0.99));
  figure('delivered_pct', expected ? (100 * (received - dup) / expected).toFixed(3) : 'n/a');
  figure('lost', lost); figure('dup', dup); figure('ooo', ooo); figure('pub_err', pubErr);
  figure('complete_closed', closedAfterComplete);
  process.exit(ok === o.lifecycles ? 0 : 1);
}
main().catch((e) => { console.error(e); process.exit(2); });
