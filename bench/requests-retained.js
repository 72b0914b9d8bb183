#!/usr/bin/env node
// Scenario 8 of bench/requests: many small retained streams, then resumes on another node.
//
// --phase publish: --streams streams of --events events of --size bytes each; stream i is published on
//   node i % N (N = number of --pubs), its events sequentially (so event j is seq j), --conc streams at a
//   time over keep-alive connections. A seeded random --sample of streams is chosen first; their ids are
//   written to --state for the resume phase. Stops early (and says so) after --stop-errors consecutive
//   failed publishes, when every request times out, or at --max-seconds.
// --phase resume: for each sampled stream, GET /streams/<s> with Last-Event-ID = the id of its 5th event on
//   the edge of a node other than its publisher (random of the others); exact = the next 5 events are
//   received, with exactly the ids of events 6..10 in order and their data; the client closes after the 5th.
//
// usage: node requests-retained.js --phase publish --pubs URL,URL,URL --state FILE [--streams 100000]
//          [--events 10] [--size 200] [--conc 32] [--sample 1000] [--seed 42] [--max-seconds 3600]
//        node requests-retained.js --phase resume --edges URL,URL,URL --state FILE [--conc 32]
'use strict';
const fs = require('fs');
const { now, parseArgs, Conn, subscribe, rng, figure } = require('./requests-lib.js');

const o = parseArgs({ phase: '', pubs: '', edges: '', state: '', streams: 100000, events: 10, size: 200, conc: 32,
  sample: 1000, seed: 42, prefix: 'rt' + Date.now().toString(36), 'stop-errors': 200, 'max-seconds': 3600, timeout: 10000 });
if (!o.state) throw new Error('--state is required');

const body = (name, j) => { const s = `s=${name};e=${j};`; return s + 'x'.repeat(Math.max(0, o.size - s.length)); };

async function publishPhase() {
  const pubs = o.pubs.split(',');
  const rand = rng(o.seed);
  const sampled = new Map();            // stream index -> ids (only the sample's ids are kept)
  while (sampled.size < Math.min(o.sample, o.streams)) sampled.set(Math.floor(rand() * o.streams), null);
  let next = 0, full = 0, acked = 0, consecutive = 0, timeouts = 0, stop = '';
  const errors = {};
  const t0 = now(), deadline = t0 + o['max-seconds'] * 1000;
  const progress = setInterval(() => console.error(`  ${((now() - t0) / 1000).toFixed(0)} s: ${full} streams, ${acked} events acknowledged, errors ${JSON.stringify(errors)}`), 10000);
  const lane = async () => {
    const conns = pubs.map((p) => new Conn(p, o.timeout));
    while (next < o.streams && !stop) {
      if (now() > deadline) { stop = `--max-seconds ${o['max-seconds']} reached`; break; }
      const i = next++, node = i % pubs.length, name = `${o.prefix}-${i}`, ids = [];
      for (let j = 0; j < o.events && !stop; j++) {
        let why = null;
        try {
          const r = await conns[node].request('POST', `/streams/${name}`, body(name, j));
          if (r.status === 201) { ids.push(/"id":"([^"]+)"/.exec(r.body)[1]); acked++; consecutive = 0; timeouts = 0; continue; }
          why = 'status ' + r.status + (r.status >= 400 ? ' ' + (/"error":"([^"]+)"/.exec(r.body) || [, ''])[1] : '');
        } catch (e) { why = e.message === 'timeout' ? 'timeout' : 'socket ' + (e.code || e.message); if (why === 'timeout') timeouts++; }
        errors[why] = (errors[why] || 0) + 1;
        if (++consecutive >= o['stop-errors']) stop = `${consecutive} consecutive failed publishes (last: ${why})`;
        if (timeouts >= o.conc) stop = `${timeouts} consecutive timeouts: a node is not answering`;
        break; // a stream with a failed event is left incomplete and out of the sample
      }
      if (ids.length === o.events) { full++; if (sampled.has(i)) sampled.set(i, { s: name, node, ids }); }
    }
    conns.forEach((c) => c.close());
  };
  await Promise.all(Array.from({ length: o.conc }, lane));
  clearInterval(progress);
  const wall = (now() - t0) / 1000;
  const sample = [...sampled.values()].filter(Boolean);
  fs.writeFileSync(o.state, JSON.stringify({ nodes: pubs.length, events: o.events, sample }));
  console.log(`published ${full}/${o.streams} streams complete (${acked} events acknowledged) in ${wall.toFixed(1)} s = ${(acked / wall).toFixed(0)} publishes/s over ${pubs.length} nodes, ${o.conc} at a time`);
  console.log(`failed publishes: ${JSON.stringify(errors)}${stop ? `; STOPPED EARLY: ${stop}` : ''}`);
  console.log(`sample for the resume check: ${sample.length} of ${sampled.size} chosen streams are complete`);
  figure('streams_full', full); figure('events_acked', acked); figure('publish_rate', (acked / wall).toFixed(0));
  figure('publish_errors', Object.values(errors).reduce((a, b) => a + b, 0));
  figure('publish_stop', stop ? JSON.stringify(stop) : '-');
  figure('sample', sample.length);
}

async function resumePhase() {
  const edges = o.edges.split(',');
  const st = JSON.parse(fs.readFileSync(o.state, 'utf8'));
  const rand = rng(o.seed + 1);
  const half = Math.floor(st.events / 2);     // resume after event `half` (1-based): expect events half+1..events
  const reasons = {};
  let exact = 0, next = 0;
  const t0 = now();
  const check = (it) => new Promise((resolve) => {
    const other = edges.length > 1 ? (it.node + 1 + Math.floor(rand() * (edges.length - 1))) % edges.length : 0;
    const want = it.ids.slice(half), got = [];
    let bad = null;
    const sub = subscribe(edges[other], `/streams/${it.s}`, `Last-Event-ID: ${it.ids[half - 1]}\r\n`, {
      onHead: (status) => { if (status !== 200) bad = 'status ' + status; },
      onEvent: (id, type, data) => {
        const j = half + got.length;
        got.push(id);
        if (!bad && (id !== want[got.length - 1] || type !== 'message' || !data.startsWith(`s=${it.s};e=${j};`))) bad = 'wrong event';
        if (got.length === want.length) sub.close(); // every expected event is here: done, the stream stays open
      },
      onEnd: () => {
        clearTimeout(timer);
        if (!bad && got.length < want.length) bad = `only ${got.length} of ${want.length} events`;
        if (bad) reasons[bad] = (reasons[bad] || 0) + 1; else exact++;
        resolve();
      },
    });
    const timer = setTimeout(() => sub.close(), o.timeout);
  });
  const lane = async () => { while (next < st.sample.length) await check(st.sample[next++]); };
  await Promise.all(Array.from({ length: o.conc }, lane));
  console.log(`resume with Last-Event-ID = event ${half}'s id on another node: ${exact}/${st.sample.length} exact (events ${half + 1}..${st.events}, in order, nothing else) in ${((now() - t0) / 1000).toFixed(1)} s; failures ${JSON.stringify(reasons)}`);
  figure('resume_exact', exact); figure('resume_total', st.sample.length);
  figure('resume_fail', JSON.stringify(JSON.stringify(reasons)));
}

(o.phase === 'publish' ? publishPhase() : o.phase === 'resume' ? resumePhase() : Promise.reject(new Error('--phase publish|resume')))
  .catch((e) => { console.error(e); process.exit(2); });
