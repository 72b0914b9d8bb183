// Streamcast dashboard: an ordinary subscriber of the _cluster.stats stream. Every node publishes
// one JSON object a second (see NodeStats.java); this page keeps the last minutes per node and
// draws them. No build step and no library: plain DOM and <canvas>.
'use strict';

(function () {
  // With auth on, EventSource cannot send an Authorization header: the page hands the
  // access_token of its own URL (/dashboard?access_token=...) on to the stream's URL.
  const ACCESS_TOKEN = new URLSearchParams(window.location.search).get('access_token');
  const STREAM_URL = '/streams/_cluster.stats?from=earliest'
    + (ACCESS_TOKEN ? '&access_token=' + encodeURIComponent(ACCESS_TOKEN) : '');
  const WINDOW_MS = 5 * 60 * 1000;   // what the charts show at most, and what is kept
  const MIN_WINDOW_MS = 60 * 1000;   // a young cluster's minute fills the width instead of a sliver
  const GONE_AFTER_MS = 5000;        // a node silent this long is shown as gone
  const PALETTE = ['#4cc9f0', '#f72585', '#b5e48c', '#ffb703', '#9d7cf4', '#ff7f51', '#2ec4b6', '#e9c46a'];

  /** name -> {name, color, last (latest stats), lastTime, leaving, points: [stats...], card} */
  const nodes = new Map();
  // The cluster's clock as seen here: the newest stats time and when it arrived. Ages are measured
  // on it, not on the browser's clock, so a skewed laptop clock does not mark nodes gone.
  let newestTime = 0;
  let newestArrival = 0;

  function clusterNow() {
    return newestTime === 0 ? Date.now() : newestTime + (Date.now() - newestArrival);
  }

  // ---- subscription

  const feed = document.getElementById('feed');

  function setFeed(state, text) {
    feed.className = 'feed ' + state;
    feed.textContent = text;
  }

  function connect() {
    // EventSource resumes by itself with Last-Event-ID (which wins over from=earliest)
    const source = new EventSource(STREAM_URL);
    source.addEventListener('open', () => setFeed('live', 'live'));
    source.addEventListener('node-stats', (e) => {
      try {
        accept(JSON.parse(e.data));
      } catch (err) {
        console.warn('bad node stats', err);
      }
    });
    source.addEventListener('error', () => {
      setFeed(source.readyState === EventSource.CLOSED ? 'down' : 'connecting',
        source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting\u2026');
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, 2000);
      }
    });
  }

  // The first figures are drawn as they arrive (the replay of history brings minutes of them at once),
  // not at the next tick of the render loop; one frame draws whatever arrived before it.
  let renderQueued = false;

  function renderSoon() {
    if (!renderQueued) {
      renderQueued = true;
      requestAnimationFrame(() => {
        renderQueued = false;
        render();
      });
    }
  }

  function accept(stats) {
    if (!stats || typeof stats.node !== 'string') {
      return;
    }
    renderSoon();
    if (stats.time > newestTime) {
      newestTime = stats.time;
      newestArrival = Date.now();
    }
    let node = nodes.get(stats.node);
    if (!node) {
      node = { name: stats.node, color: PALETTE[nodes.size % PALETTE.length], points: [], last: null, lastTime: 0 };
      nodes.set(stats.node, node);
    }
    if (stats.time < node.lastTime) {
      return;
    }
    node.lastTime = stats.time;
    node.leaving = stats.state === 'leaving';
    if (stats.state === 'up') {
      node.last = stats;
      node.points.push(stats);
      const cutoff = stats.time - WINDOW_MS;
      while (node.points.length && node.points[0].time < cutoff) {
        node.points.shift();
      }
    }
  }

  function isGone(node, now) {
    return node.leaving || now - node.lastTime > GONE_AFTER_MS;
  }

  // ---- formatting

  function num(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) {
      return '\u2013';
    }
    if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    return v.toFixed(digits === undefined ? (Number.isInteger(v) ? 0 : 1) : digits);
  }

  function bytes(v) {
    if (v === null || v === undefined) return '\u2013';
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return v.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
  }

  function ms(v) {
    if (v === null || v === undefined) return '\u2013';
    return (v < 10 ? v.toFixed(1) : v.toFixed(0)) + ' ms';
  }

  function uptime(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return h + 'h ' + String(m).padStart(2, '0') + 'm';
    if (m > 0) return m + 'm ' + String(s).padStart(2, '0') + 's';
    return s + 's';
  }

  // ---- node cards

  const nodesSection = document.getElementById('nodes');
  const template = document.getElementById('node-card');

  function card(node) {
    if (!node.card) {
      const el = template.content.firstElementChild.cloneNode(true);
      el.dataset.node = node.name;
      el.style.setProperty('--node-color', node.color);
      el.querySelector('.name').textContent = node.name;
      nodesSection.appendChild(el);
      node.card = el;
    }
    return node.card;
  }

  function field(el, name, text) {
    const f = el.querySelector('[data-field="' + name + '"]');
    if (f.textContent !== text) {
      f.textContent = text;
    }
  }

  function renderCards(now) {
    document.getElementById('no-nodes').hidden = nodes.size > 0;
    const totals = { up: 0, connections: 0, in: 0, out: 0, bytes: 0 };
    for (const node of nodes.values()) {
      const el = card(node);
      const gone = isGone(node, now);
      el.dataset.state = gone ? 'gone' : 'up';
      el.dataset.lastTime = String(node.lastTime);
      el.querySelector('.state').textContent = gone ? (node.leaving ? 'left' : 'gone') : 'up';
      const s = node.last;
      if (!s) {
        continue;
      }
      field(el, 'roles', (s.roles || []).join(' + '));
      field(el, 'uptime', gone ? uptime(s.uptimeSeconds) + ' (last seen ' + Math.round((now - node.lastTime) / 1000) + ' s ago)'
        : uptime(s.uptimeSeconds));
      field(el, 'connections', num(s.connections, 0));
      field(el, 'eventsOutPerSec', num(s.eventsOutPerSec));
      field(el, 'eventsInPerSec', num(s.eventsInPerSec));
      field(el, 'bytesOutPerSec', bytes(s.bytesOutPerSec));
      field(el, 'latencyP50Ms', ms(s.latencyP50Ms));
      field(el, 'latencyP99Ms', ms(s.latencyP99Ms));
      field(el, 'publishP99Ms', ms(s.publishP99Ms));
      field(el, 'replays', num(s.replays, 0));
      field(el, 'replayedEvents', num(s.replayedEvents, 0));
      field(el, 'gaps', num(s.gaps, 0));
      field(el, 'slowConsumerCatchUps', num(s.slowConsumerCatchUps, 0));
      field(el, 'refusedCapacity', num(s.refusedCapacity, 0));
      field(el, 'historyStreams', num(s.historyStreams, 0));
      field(el, 'historyBytes', bytes(s.historyBytes || 0));
      // system streams (this page's own _cluster.stats) are counted apart by the node, not in the traffic above
      const sys = s.system || {};
      field(el, 'systemConnections', num(sys.connections || 0, 0));
      field(el, 'systemEventsOutPerSec', num(sys.eventsOutPerSec || 0));
      el.classList.toggle('pressure', !!s.memoryPressure);
      field(el, 'pressure', s.memoryPressure ? 'memory pressure: refusing new streams' : '');
      field(el, 'heap', bytes(s.heapUsedBytes) + ' / ' + bytes(s.heapMaxBytes));
      el.querySelector('.heap .fill').style.width =
        Math.min(100, 100 * s.heapUsedBytes / Math.max(1, s.heapMaxBytes)).toFixed(1) + '%';
      if (!gone) {
        totals.up++;
        totals.connections += s.connections;
        totals.in += s.eventsInPerSec;
        totals.out += s.eventsOutPerSec;
        totals.bytes += s.bytesOutPerSec;
      }
    }
    document.getElementById('total-nodes').textContent = totals.up;
    document.getElementById('total-connections').textContent = num(totals.connections, 0);
    document.getElementById('total-in').textContent = num(totals.in);
    document.getElementById('total-out').textContent = num(totals.out);
    document.getElementById('total-bytes').textContent = bytes(totals.bytes);
  }

  // ---- charts

  const CHARTS = {
    eventsOutPerSec: { lines: [{ value: (s) => s.eventsOutPerSec }], format: num },
    eventsInPerSec: { lines: [{ value: (s) => s.eventsInPerSec }], format: num },
    bytesOutPerSec: { lines: [{ value: (s) => s.bytesOutPerSec }], binary: true },
    connections: { lines: [{ value: (s) => s.connections }], format: num, integers: true },
    latency: {
      lines: [{ value: (s) => s.latencyP99Ms }, { value: (s) => s.latencyP50Ms, dash: [4, 4] }],
      format: (v, digits) => num(v, digits) + ' ms'
    },
    heap: { lines: [{ value: (s) => s.heapUsedBytes / 1048576 }], format: num }
  };

  /** A round grid step such that four of them cover {@code max}. */
  function niceStep(max, integers) {
    const raw = max > 0 ? max / 4 : 0.25;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 2.5, 5, 10]) {
      const step = m * p;
      if (step >= raw && (!integers || Number.isInteger(step))) return step;
    }
    return integers ? Math.max(1, Math.ceil(raw)) : 10 * p;
  }

  /** How far back the charts look: the data's age, between one and five minutes. */
  function chartWindow(now) {
    let oldest = now;
    for (const node of nodes.values()) {
      if (node.points.length) oldest = Math.min(oldest, node.points[0].time);
    }
    return Math.min(WINDOW_MS, Math.max(MIN_WINDOW_MS, Math.ceil((now - oldest) / 60000) * 60000));
  }

  function ago(ms) {
    if (ms === 0) return 'now';
    return ms % 60000 === 0 ? '\u2212' + ms / 60000 + ' min' : '\u2212' + ms / 1000 + ' s';
  }

  /** @return whether two label boxes [x1, y1, x2, y2] share any pixel */
  function overlaps(a, b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  }

  function drawChart(canvas, spec, now, span) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const left = 64, right = 10, top = 8, bottom = 20;
    const pw = w - left - right, ph = h - top - bottom;
    const from = now - span;

    let max = 0;
    for (const node of nodes.values()) {
      for (const s of node.points) {
        if (s.time < from) continue;
        for (const line of spec.lines) {
          const v = line.value(s);
          if (v !== null && v !== undefined && v > max) max = v;
        }
      }
    }
    // bytes get their grid in the unit of the largest value (KiB, MiB...), so steps stay round
    let scale = 1;
    let unit = '';
    if (spec.binary) {
      const units = ['B', 'KiB', 'MiB', 'GiB'];
      let k = 0;
      while (max / Math.pow(1024, k) >= 1024 && k < units.length - 1) k++;
      scale = Math.pow(1024, k);
      unit = ' ' + units[k];
    }
    const step = niceStep(max / scale, spec.integers);
    max = step * 4 * scale;
    const digits = Number.isInteger(step) ? 0 : (Number.isInteger(step * 10) ? 1 : 2);
    const label = spec.binary ? (v) => num(v / scale, digits) + unit : (v) => spec.format(v, digits);
    const x = (t) => left + pw * (t - from) / span;
    const y = (v) => top + ph * (1 - v / max);

    // grid and axes
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#8a96ad';
    ctx.strokeStyle = '#232c40';
    ctx.lineWidth = 1;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    // every label is placed as a box first, and one that would touch a box already drawn is left out
    // (a narrow chart shows fewer ticks rather than a smudge); the boxes are kept on the canvas for the test
    const boxes = [];
    const place = (text, x1, y1) => {
      const box = [x1, y1, x1 + ctx.measureText(text).width, y1 + 13];
      if (boxes.some((b) => overlaps(b, [box[0] - 4, box[1], box[2] + 4, box[3]]))) return;
      boxes.push(box.map((n) => Math.round(n * 10) / 10));
      ctx.fillText(text, x1, y1);
    };
    for (let i = 4; i >= 0; i--) {
      const v = max * i / 4;
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, yy);
      ctx.lineTo(left + pw, yy);
      ctx.stroke();
      const text = label(v);
      place(text, left - 6 - ctx.measureText(text).width, Math.max(0, yy - 6.5));
    }
    const tick = span <= 60000 ? 10000 : (span <= 180000 ? 30000 : 60000);
    // from "now" leftwards: the newest tick always shows; each label centred on its tick, kept inside the plot
    for (let back = 0; back <= span; back += tick) {
      const text = ago(back);
      const width = ctx.measureText(text).width;
      const x1 = Math.min(Math.max(x(now - back) - width / 2, left), left + pw - width);
      place(text, x1, top + ph + 6);
    }
    canvas.dataset.labelBoxes = JSON.stringify(boxes);

    // one line per node (and per line kind), a gap in the data breaks the line
    for (const node of nodes.values()) {
      const gone = isGone(node, now);
      for (const line of spec.lines) {
        ctx.strokeStyle = node.color;
        ctx.globalAlpha = gone ? 0.45 : 1;
        ctx.lineWidth = line.dash ? 1.25 : 2;
        ctx.setLineDash(line.dash || []);
        ctx.beginPath();
        let prev = null;
        for (const s of node.points) {
          if (s.time < from) continue;
          const v = line.value(s);
          if (v === null || v === undefined) {
            prev = null;
            continue;
          }
          const px = x(s.time), py = y(v);
          if (prev === null || s.time - prev > 2500) {
            ctx.moveTo(px, py);
          } else {
            ctx.lineTo(px, py);
          }
          prev = s.time;
        }
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;

    // legend
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    let lx = left + 8;
    for (const node of nodes.values()) {
      const label = node.name + (isGone(node, now) ? ' (gone)' : '');
      ctx.fillStyle = node.color;
      ctx.fillRect(lx, top + 4, 10, 3);
      ctx.fillStyle = '#c5cde0';
      ctx.fillText(label, lx + 14, top);
      lx += 24 + ctx.measureText(label).width;
    }
  }

  function renderCharts(now) {
    const span = chartWindow(now);
    for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
      drawChart(canvas, CHARTS[canvas.dataset.chart], now, span);
    }
  }

  // ---- render loop: twice a second is enough for figures that change once a second, and it
  // also notices a node going silent without any event arriving

  function render() {
    const now = clusterNow();
    renderCards(now);
    renderCharts(now);
  }

  setInterval(render, 500);
  window.addEventListener('resize', render);
  connect();
  render();
})();
