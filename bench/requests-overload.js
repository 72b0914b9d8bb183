#!/usr/bin/env node
// Scenario 9 of bench/requests: a node under memory pressure from new streams.
//
// 1. --existing streams get a subscriber each (GET /streams/<s> on --edge), and every --tick ms one event
//    is published on each of them for the whole run (skipped for a stream whose previous publish is pending).
// 2. --conc lanes publish one --size byte event each to a new stream (a new name per publish) until
//    --stop-refusals new-stream publishes in a row were not accepted, or --max-publishes, or --max-seconds,
//    or the node stopped answering (--conc timeouts in a row). The expected refusal is 503 with JSON error
//    "capacity" and a Retry-After header; anything else is counted by status.
//    At the first refusal, `jcmd <pid> GC.heap_info` is read (no GC first: the heap as the node refused).
// 3. Checks: /health answers 200; one more publish on every existing stream is 201 and reaches its
//    subscriber; every existing-stream event acknowledged during the run reached its subscriber; a random
//    --verify of the acknowledged new-stream events (all if fewer) is still in history per
//    GET /streams/<s>/info (same epoch, firstId <= id <= lastId).
//
// usage: node requests-overload.js --pub http://127.0.0.1:18281 --edge http://127.0.0.1:18280 --pid PID
//          [--conc 16] [--size 1000] [--stop-refusals 200] [--max-publishes 1000000] [--max-seconds 900]
//          [--existing 10] [--tick 100] [--verify 2000]
'use strict';
const { execFile } = require('child_process');
const { now, parseArgs, Conn, subscribe, seqOf, epochOf, Hist, rng, figure, sleep } = require('./requests-lib.js');

const o = parseArgs({ pub: '', edge: '', pid: '', conc: 16, size: 1000, 'stop-refusals': 200, 'max-publishes': 1000000,
  'max-seconds': 900, existing: 10, tick: 100, verify: 2000, prefix: 'ov' + Date.now().toString(36), timeout: 10000, seed: 7 });
if (!o.pub || !o.edge) throw new Error('--pub and --edge are required');
const pad = (s) => s + 'x'.repeat(Math.max(0, o.size - s.length));

function heapInfo() { // -> "used X MiB of Y MiB committed" or why not
  return new Promise((resolve) => {
    if (!o.pid) return resolve('n/a (no --pid)');
    execFile('jcmd', [String(o.pid), 'GC.heap_info'], { timeout: 15000 }, (err, out) => {
      const m = /total (\d+)K, used (\d+)K/.exec(out || '');
      resolve(m ? `${(m[2] / 1024).toFixed(0)} MiB used of ${(m[1] / 1024).toFixed(0)} MiB committed` : 'n/a (jcmd: ' + (err ? err.message.split('\n')[0] : 'no heap line') + ')');
    });
  });
}

async function main() {
  const t0 = now();
  // ---- 1. existing streams, each with one subscriber
  const ex = [], tickLat = new Hist();
  for (let k = 0; k < o.existing; k++) {
    const e = { name: `${o.prefix}-existing-${k}`, conn: new Conn(o.pub, o.timeout), busy: false, acked: new Set(),
      got: new Set(), dup: 0, ended: null, head: 0, refused: 0, errors: 0 };
    await new Promise((resolve) => {
      e.sub = subscribe(o.edge, `/streams/${e.name}`, '', {
        onHead: (status) => { e.head = status; resolve(); },
        onEvent: (id, type, data, t) => { if (e.got.has(id)) e.dup++; e.got.add(id); const x = data.indexOf(';'); if (data.startsWith('t=')) tickLat.add(t - Number(data.substring(2, x))); },
        onEnd: (why) => { e.ended = why; resolve(); },
      });
      setTimeout(resolve, o.timeout);
    });
    ex.push(e);
  }
  const subsOpen = ex.filter((e) => e.head === 200).length;
  console.log(`existing streams: ${subsOpen}/${o.existing} subscribed`);
  const tickOne = async (e) => {
    if (e.busy) return; e.busy = true;
    try {
      const r = await e.conn.request('POST', `/streams/${e.name}`, pad(`t=${now().toFixed(3)};`));
      if (r.status === 201) e.acked.add(/"id":"([^"]+)"/.exec(r.body)[1]); else e.refused++;
    } catch (err) { e.errors++; }
    e.busy = false;
  };
  const ticker = setInterval(() => ex.forEach(tickOne), o.tick);
  // The node's heap from /metrics once a second (cheap, unlike a jcmd, which starts a JVM): the last sample
  // before the first refusal says what the heap was as the node began refusing, even when a node that ran out
  // of heap has freed it by the time jcmd attaches.
  const mconn = new Conn(o.edge, 5000);
  let heapLast = NaN, heapMax = 0, heapBusy = false, heapBeforeRefusal = NaN;
  const heapPoll = setInterval(async () => {
    if (heapBusy) return; heapBusy = true;
    try {
      const r = await mconn.request('GET', '/metrics');
      let used = 0, seen = false;
      for (const m of r.body.matchAll(/^jvm_memory_used_bytes\{[^}]*area="heap"[^}]*\} (\S+)$/gm)) { used += Number(m[1]); seen = true; }
      if (seen) { heapLast = used / 1048576; if (heapLast > heapMax) heapMax = heapLast; }
    } catch (e) { /* a node that does not answer has no sample */ }
    heapBusy = false;
  }, 1000);

  // ---- 2. new streams until refused
  let next = 0, accepted = 0, consecutive = 0, timeouts = 0, stop = '', firstRefusalAt = -1, heapAtRefusal = 'n/a (no refusal)';
  let capacity = 0, noRetryAfter = 0;
  const other = {}, ackedIds = [];
  const deadline = t0 + o['max-seconds'] * 1000;
  const progress = setInterval(() => console.error(`  ${((now() - t0) / 1000).toFixed(0)} s: accepted ${accepted}, refused (capacity) ${capacity}, other ${JSON.stringify(other)}`), 10000);
  const lane = async () => {
    const c = new Conn(o.pub, o.timeout);
    while (!stop) {
      if (next >= o['max-publishes']) { stop = `--max-publishes ${o['max-publishes']} reached`; break; }
      if (now() > deadline) { stop = `--max-seconds ${o['max-seconds']} reached`; break; }
      const n = next++;
      let refusal = null;
      try {
        const r = await c.request('POST', `/streams/${o.prefix}-new-${n}`, pad(`n=${n};`));
        timeouts = 0;
        if (r.status === 201) { accepted++; consecutive = 0; ackedIds.push([n, /"id":"([^"]+)"/.exec(r.body)[1]]); continue; }
        const code = (/"error":"([^"]+)"/.exec(r.body) || [, '?'])[1];
        if (r.status === 503 && code === 'capacity') {
          capacity++; refusal = 'capacity';
          if (!/\r\nretry-after:\s*\d+/i.test(r.head)) noRetryAfter++;
        } else refusal = `${r.status} ${code}`;
      } catch (e) {
        refusal = e.message === 'timeout' ? 'timeout' : 'socket ' + (e.code || e.message);
        if (refusal === 'timeout' || refusal.startsWith('socket')) timeouts++;
      }
      if (refusal !== 'capacity') other[refusal] = (other[refusal] || 0) + 1;
      if (firstRefusalAt < 0) { firstRefusalAt = accepted; heapBeforeRefusal = heapLast; console.error(`  first refusal (${refusal}) after ${accepted} accepted new streams`); heapInfo().then((h) => { heapAtRefusal = h; }); }
      if (++consecutive >= o['stop-refusals']) stop = `${consecutive} new-stream publishes in a row not accepted (last: ${refusal})`;
      if (timeouts >= o.conc) stop = `${timeouts} requests in a row failed or timed out: the node is not answering`;
    }
    c.close();
  };
  await Promise.all(Array.from({ length: o.conc }, lane));
  clearInterval(progress); clearInterval(heapPoll); mconn.close();
  const tPub = (now() - t0) / 1000;
  await sleep(1000); // existing-stream ticks keep going a little after the refusals

  // ---- 3. checks
  let health = 'n/a';
  try { const h = new Conn(o.edge, 5000); const r = await h.request('GET', '/health'); health = String(r.status); h.close(); } catch (e) { health = 'no answer (' + e.message + ')'; }
  clearInterval(ticker);
  await sleep(200);
  let afterOk = 0;
  await Promise.all(ex.map(async (e) => {
    while (e.busy) await sleep(10);
    try {
      const r = await e.conn.request('POST', `/streams/${e.name}`, pad(`t=${now().toFixed(3)};after;`));
      if (r.status !== 201) return;
      const id = /"id":"([^"]+)"/.exec(r.body)[1];
      e.acked.add(id);
      for (let w = 0; w < 50 && !e.got.has(id); w++) await sleep(100); // bounded: 5 s
      if (e.got.has(id)) afterOk++;
    } catch (err) { /* counted as not delivered */ }
  }));
  await sleep(500);
  let exAcked = 0, exLost = 0, exDup = 0, exRefused = 0, exErrors = 0;
  for (const e of ex) {
    exAcked += e.acked.size; exDup += e.dup; exRefused += e.refused; exErrors += e.errors;
    for (const id of e.acked) if (!e.got.has(id)) exLost++;
    e.sub.close(); e.conn.close();
  }
  // acknowledged new-stream events: a random sample (all if fewer) must still be in history
  const rand = rng(o.seed);
  for (let i = ackedIds.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [ackedIds[i], ackedIds[j]] = [ackedIds[j], ackedIds[i]]; }
  const sample = ackedIds.slice(0, o.verify);
  let present = 0, missing = 0, unverifiable = 0, vi = 0;
  const vlane = async () => {
    const c = new Conn(o.pub, o.timeout);
    while (vi < sample.length) {
      const [n, id] = sample[vi++];
      try {
        const r = await c.request('GET', `/streams/${o.prefix}-new-${n}/info`);
        if (r.status !== 200) { unverifiable++; continue; }
        const info = JSON.parse(r.body);
        const s = seqOf(id);
        if (info.epoch === epochOf(id) && info.firstId && info.lastId && seqOf(info.firstId) <= s && s <= seqOf(info.lastId)) present++;
        else missing++;
      } catch (e) { unverifiable++; }
    }
    c.close();
  };
  await Promise.all(Array.from({ length: o.conc }, vlane));

  console.log(`new streams: ${accepted} publishes accepted (201), ${capacity} refused 503 capacity (${noRetryAfter} without Retry-After), other answers ${JSON.stringify(other)}, in ${tPub.toFixed(1)} s`);
  console.log(`stopped: ${stop}`);
  const mb = (x) => (isNaN(x) ? 'n/a' : x.toFixed(0) + ' MiB');
  console.log(`first refusal after ${firstRefusalAt < 0 ? 'n/a (none)' : firstRefusalAt + ' accepted new streams'}; heap used at the last /metrics sample before it (<= 1 s): ${mb(heapBeforeRefusal)}, jcmd GC.heap_info just after it: ${heapAtRefusal}; highest /metrics heap of the run: ${mb(heapMax)}`);
  console.log(`/health after: ${health}`);
  console.log(`existing streams: ${subsOpen}/${o.existing} subscribed; ${exAcked} events acknowledged during the run, lost ${exLost}, duplicated ${exDup}, refused ${exRefused}, errors ${exErrors}; publish->receive ${tickLat.summary()}`);
  console.log(`after the refusals: a publish on each existing stream was 201 and reached its subscriber on ${afterOk}/${o.existing}`);
  console.log(`acknowledged new-stream events checked with /info: ${sample.length} (of ${accepted}): present ${present}, missing ${missing}, could not check ${unverifiable}`);
  figure('accepted', accepted); figure('refused_capacity', capacity); figure('no_retry_after', noRetryAfter);
  figure('other', JSON.stringify(JSON.stringify(other)));
  figure('first_refusal_at', firstRefusalAt < 0 ? 'none' : firstRefusalAt);
  figure('heap_at_refusal', JSON.stringify(`${mb(heapBeforeRefusal)} (/metrics, last before); jcmd after: ${heapAtRefusal}; max ${mb(heapMax)}`));
  figure('stop', JSON.stringify(stop));
  figure('health', JSON.stringify(health));
  figure('existing_after_ok', `${afterOk}/${o.existing}`);
  figure('existing_lost', exLost);
  figure('verify_checked', sample.length); figure('verify_missing', missing); figure('verify_unverifiable', unverifiable);
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });
