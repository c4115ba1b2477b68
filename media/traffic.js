// Draws the traffic view (src/vscode/traffic.ts posts the model once a second)
// as plain inline SVG: requests per second per app (thin lines per instance
// when an app runs several), error responses per second, and a marker where
// routes moved. No library, nothing remote; colours come from the theme
// through CSS variables (traffic.css). Loaded under a nonce-only CSP.
// @ts-check
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const NS = 'http://www.w3.org/2000/svg';
  const W = 900;
  const PAD = { left: 46, right: 12, top: 22, bottom: 24 };
  const MIN_SPAN_MS = 60_000;

  const $ = (id) => document.getElementById(id);

  /** @param {string} tag @param {Record<string, string | number>} attrs @param {Node[]} kids */
  function svg(tag, attrs = {}, kids = []) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    for (const c of kids) el.appendChild(c);
    return el;
  }

  /** @param {string} tag @param {Record<string, string>} attrs @param {(Node | string)[]} kids */
  function h(tag, attrs = {}, kids = []) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    for (const c of kids) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    return el;
  }

  const sum = (a, b) => a.map((v, i) => v + (b[i] || 0));
  const errorsOf = (s) => sum(s.errors5xx, s.errors4xx);

  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function fmtAgo(ms) {
    const s = Math.round(ms / 1000);
    if (s === 0) return 'now';
    const m = Math.floor(s / 60);
    return m ? `-${m}:${String(s % 60).padStart(2, '0')}` : `-${s}s`;
  }

  const fmtRate = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '') || '0');

  /** The time range shown: at least a minute, from just before the first request (or marker) of the window. */
  function range(model) {
    const to = model.to;
    let first = Infinity;
    const scan = (arr) => {
      const i = arr.findIndex((v) => v > 0);
      if (i >= 0) first = Math.min(first, model.from + i * model.bucketMs);
    };
    for (const a of model.apps) scan(a.requests);
    for (const u of model.unrouted) scan(u.requests);
    for (const m of model.markers) first = Math.min(first, m.time);
    const start = Math.max(model.from, Math.min(to - MIN_SPAN_MS, first - 10_000));
    return { start, to };
  }

  /**
   * One chart: a line per series, grid, time axis, markers.
   * @param {{ id: string, title: string, model: any, lines: { values: number[], cls: string, data: Record<string, string> }[], start: number, to: number, unit: string, height: number, labels: boolean }} o
   */
  function chart(o) {
    const { model, start, to } = o;
    const H = o.height;
    const x0 = PAD.left;
    const x1 = W - PAD.right;
    const y0 = H - PAD.bottom;
    const y1 = PAD.top;
    const first = Math.max(0, Math.floor((start - model.from) / model.bucketMs));
    let max = 0;
    for (const l of o.lines) for (let i = first; i < l.values.length; i++) max = Math.max(max, l.values[i]);
    const top = niceMax(max);
    const tx = (t) => x0 + ((t - start) / (to - start)) * (x1 - x0);
    const ty = (v) => y0 - (v / top) * (y0 - y1);
    const root = svg('svg', { id: o.id, class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': o.title, 'data-chart': o.id, 'data-max': top });
    root.appendChild(svg('title', {}, [document.createTextNode(o.title)]));
    root.appendChild(svg('text', { x: x0, y: 14, class: 'chart-title' }, [document.createTextNode(o.title)]));
    // Grid and y labels.
    const grid = svg('g', { class: 'grid' });
    for (const f of [0, 0.5, 1]) {
      const y = ty(top * f);
      grid.appendChild(svg('line', { x1: x0, x2: x1, y1: y, y2: y }));
      grid.appendChild(svg('text', { x: x0 - 6, y: y + 4, class: 'y-label' }, [document.createTextNode(fmtRate(top * f))]));
    }
    // Time ticks: every 10 s / 30 s / 1 min depending on the span.
    const span = to - start;
    const step = span <= 90_000 ? 10_000 : span <= 240_000 ? 30_000 : 60_000;
    for (let t = to; t >= start; t -= step) {
      const x = tx(t);
      grid.appendChild(svg('line', { x1: x, x2: x, y1: y0, y2: y0 + 4 }));
      grid.appendChild(svg('text', { x, y: H - 6, class: 'x-label' }, [document.createTextNode(fmtAgo(to - t))]));
    }
    root.appendChild(grid);
    // Series.
    const series = svg('g', { class: 'series-group' });
    for (const l of o.lines) {
      let d = '';
      let points = 0;
      for (let i = first; i < l.values.length; i++) {
        // A bucket is drawn at its end: the value counted up to that moment.
        const t = model.from + (i + 1) * model.bucketMs;
        d += `${points ? 'L' : 'M'}${tx(t).toFixed(1)},${ty(l.values[i]).toFixed(1)}`;
        points++;
      }
      const p = svg('path', { d: d || `M${x0},${y0}`, class: `series ${l.cls}`, 'data-points': points, 'data-last': l.values.at(-1) ?? 0 });
      for (const [k, v] of Object.entries(l.data)) p.setAttribute(`data-${k}`, v);
      p.appendChild(svg('title', {}, [document.createTextNode(`${l.data.label ?? l.data.app}: ${fmtRate(l.values.at(-1) ?? 0)} ${o.unit}`)]));
      series.appendChild(p);
    }
    root.appendChild(series);
    // Route moves: a line each. Their labels are laid out once the chart is
    // in the page and the text can be measured (layoutLabels).
    const markers = svg('g', { class: 'markers' });
    const labels = svg('g', { class: 'marker-labels' });
    for (const m of model.markers) {
      if (m.time < start) continue;
      const x = tx(m.time);
      const g = svg('g', { class: `marker ${m.kind}`, 'data-time': m.time, 'data-label': m.label });
      g.appendChild(svg('line', { x1: x.toFixed(1), x2: x.toFixed(1), y1: y1 - 4, y2: y0 }));
      g.appendChild(svg('title', {}, [document.createTextNode(`${new Date(m.time).toLocaleTimeString()} ${m.label}`)]));
      markers.appendChild(g);
      if (!o.labels) continue;
      const text = m.label.length > 48 ? `${m.label.slice(0, 47)}…` : m.label;
      const t = svg('text', { class: `marker-label ${m.kind}`, 'data-time': m.time, 'data-kind': m.kind, 'data-label': m.label, 'data-x': x.toFixed(1) }, [
        document.createTextNode(text),
      ]);
      t.appendChild(svg('title', {}, [document.createTextNode(`${new Date(m.time).toLocaleTimeString()} ${m.label}`)]));
      labels.appendChild(t);
    }
    root.appendChild(markers);
    // Above the lines and the markers, so a label is never crossed.
    root.appendChild(labels);
    return root;
  }

  /** Label rows at the top of the plot (row height > the 10px font: rows never touch). */
  const LABEL_ROWS = 4;
  const ROW_H = 13;
  const LABEL_GAP = 6;

  /**
   * Places a chart's marker labels so that no two overlap: each goes right of
   * its line (left when that would leave the plot) in the first of
   * LABEL_ROWS rows where it touches no label already placed. This window's
   * own moves come first, then the latest; a label with no room is left out
   * (its line keeps the tooltip). Widths are measured, not guessed.
   * @param {SVGSVGElement} root
   */
  function layoutLabels(root) {
    const x0 = PAD.left;
    const x1 = W - PAD.right;
    /** @type {SVGTextElement[]} */
    const texts = [...root.querySelectorAll('text.marker-label')];
    const rank = (t) => (t.dataset.kind === 'action' ? 0 : 1);
    texts.sort((a, b) => rank(a) - rank(b) || Number(b.dataset.time) - Number(a.dataset.time));
    /** @type {[number, number][][]} */
    const rows = Array.from({ length: LABEL_ROWS }, () => []);
    for (const t of texts) {
      const x = Number(t.dataset.x);
      let width = 0;
      try {
        width = t.getComputedTextLength();
      } catch {
        /* not rendered */
      }
      if (!width) width = (t.firstChild?.textContent || '').length * 6.2;
      const clamp = (l) => Math.min(Math.max(l, x0 + 2), x1 - width);
      const right = clamp(x + 3);
      const left = clamp(x - width - 3);
      const sides = x + 3 + width <= x1 ? [right, left] : [left, right];
      const free = (taken, l) => taken.every(([a, b]) => l + width + LABEL_GAP <= a || l >= b + LABEL_GAP);
      let placed = false;
      for (let row = 0; row < rows.length && !placed; row++) {
        const l = sides.find((c) => free(rows[row], c));
        if (l === undefined) continue;
        rows[row].push([l, l + width]);
        t.setAttribute('x', l.toFixed(1));
        t.setAttribute('y', String(PAD.top + 9 + row * ROW_H));
        t.dataset.row = String(row);
        placed = true;
        // A backdrop of the editor's background: the marker lines it passes do not cross the text.
        let box = { x: l, y: PAD.top + row * ROW_H, width, height: ROW_H - 1 };
        try {
          const b = t.getBBox();
          if (b.width) box = { x: b.x, y: b.y, width: b.width, height: b.height };
        } catch {
          /* not rendered: the estimate */
        }
        t.before(
          svg('rect', {
            class: 'marker-label-bg',
            x: (box.x - 2).toFixed(1),
            y: box.y.toFixed(1),
            width: (box.width + 4).toFixed(1),
            height: box.height.toFixed(1),
            rx: 2,
          }),
        );
      }
      if (!placed) t.remove();
    }
  }

  /** "last 5 min": the fixed window the legend's counts cover (model.windowMs). */
  function fmtWindow(ms) {
    const s = Math.round(ms / 1000);
    return s % 60 ? `last ${s} s` : `last ${s / 60} min`;
  }

  function legend(model) {
    const win = fmtWindow(model.windowMs || 300_000);
    const swatch = (c) => {
      const s = svg('svg', { class: 'swatch', viewBox: '0 0 12 12', width: 12, height: 12, 'aria-hidden': 'true' });
      s.appendChild(svg('rect', { x: 1, y: 1, width: 10, height: 10, rx: 2, class: `fill-c${c}` }));
      return s;
    };
    const rows = [];
    for (const a of model.apps) {
      rows.push(
        h('tr', { class: 'app', 'data-app': a.name }, [
          h('td', {}, [swatch(a.color), ` ${a.name}`]),
          h('td', { class: 'num rps' }, [fmtRate(a.rps)]),
          h('td', { class: 'num' }, [String(a.totals.requests)]),
          h('td', { class: `num${a.totals.errors5xx ? ' bad' : ''}` }, [String(a.totals.errors5xx)]),
          h('td', { class: `num${a.totals.errors4xx ? ' warn' : ''}` }, [String(a.totals.errors4xx)]),
        ]),
      );
      if (a.instances.length > 1) {
        for (const i of a.instances) {
          rows.push(
            h('tr', { class: 'instance', 'data-app': a.name, 'data-instance': String(i.index) }, [
              h('td', {}, [`  instance ${i.index}`]),
              h('td', { class: 'num rps' }, [fmtRate(i.rps)]),
              h('td', { class: 'num' }, [String(i.totals.requests)]),
              h('td', { class: 'num' }, [String(i.totals.errors5xx)]),
              h('td', { class: 'num' }, [String(i.totals.errors4xx)]),
            ]),
          );
        }
      }
    }
    for (const u of model.unrouted) {
      rows.push(
        h('tr', { class: 'unrouted', 'data-host': u.host }, [
          h('td', {}, [`router only: ${u.host}`]),
          h('td', { class: 'num' }, ['']),
          h('td', { class: 'num' }, [String(u.totals.requests)]),
          h('td', { class: 'num' }, [String(u.totals.errors5xx)]),
          h('td', { class: `num${u.totals.errors4xx ? ' warn' : ''}` }, [String(u.totals.errors4xx)]),
        ]),
      );
    }
    return h('table', { class: 'legend' }, [
      h('thead', {}, [
        h(
          'tr',
          {},
          [
            ['app', 'app'],
            ['rps', 'req/s now', 'Mean over the last 3 complete seconds'],
            ['requests', `requests (${win})`, `Requests in the ${win}`],
            ['5xx', '5xx', `5xx responses in the ${win}`],
            ['4xx', '4xx', `4xx responses in the ${win}`],
          ].map(([col, text, tip]) => h('th', tip ? { 'data-col': col, title: tip } : { 'data-col': col }, [text])),
        ),
      ]),
      h('tbody', {}, rows),
    ]);
  }

  function render(model) {
    $('title').textContent = `Traffic · ${model.title}`;
    $('where').textContent = [
      model.where,
      model.reason ? `opened for a ${model.reason}` : '',
      model.source ? `source: ${model.source === 'router' ? 'router counters' : model.source}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const root = $('root');
    root.replaceChildren();
    document.body.dataset.state = model.state;
    let seriesCount = 0;
    if (model.state === 'loading') {
      root.appendChild(h('p', { class: 'status' }, ['Reading traffic…']));
    } else if (model.state === 'unavailable') {
      root.appendChild(
        h('div', { class: 'unavailable', role: 'status' }, [
          h('h2', {}, ['No traffic data']),
          h('p', {}, [model.message || 'This target offers no traffic data.']),
          h('p', { class: 'hint' }, [
            "The local foundation counts requests in its router; on other Cloud Foundry targets the view reads the router's access logs from log-cache when the target offers it.",
          ]),
        ]),
      );
    } else if (model.state === 'error') {
      root.appendChild(h('div', { class: 'error', role: 'alert' }, [h('h2', {}, ['Cannot read traffic']), h('pre', {}, [model.message || ''])]));
    } else {
      const { start, to } = range(model);
      const reqLines = [];
      for (const a of model.apps) {
        reqLines.push({ values: a.requests, cls: `app stroke-c${a.color}`, data: { app: a.name, guid: a.guid, kind: 'requests', label: a.name } });
        if (a.instances.length > 1) {
          for (const i of a.instances) {
            reqLines.push({
              values: i.requests,
              cls: `instance stroke-c${a.color}`,
              data: { app: a.name, instance: String(i.index), kind: 'requests', label: `${a.name} #${i.index}` },
            });
          }
        }
      }
      const errLines = model.apps.map((a) => ({
        values: errorsOf(a),
        cls: `app errors stroke-c${a.color}`,
        data: { app: a.name, guid: a.guid, kind: 'errors', label: `${a.name} errors` },
      }));
      for (const u of model.unrouted)
        errLines.push({ values: errorsOf(u), cls: 'unrouted errors', data: { app: '', host: u.host, kind: 'errors', label: `router: ${u.host}` } });
      const totalErrors =
        model.apps.reduce((n, a) => n + a.totals.errors5xx + a.totals.errors4xx, 0) +
        model.unrouted.reduce((n, u) => n + u.totals.errors5xx + u.totals.errors4xx, 0);
      if (model.stale) root.appendChild(h('p', { class: 'stale', role: 'status' }, [model.stale]));
      if (!model.apps.length && model.message) root.appendChild(h('p', { class: 'status' }, [model.message]));
      const requests = chart({ id: 'requests', title: 'Requests per second', model, lines: reqLines, start, to, unit: 'req/s', height: 230, labels: true });
      root.appendChild(requests);
      layoutLabels(requests);
      root.appendChild(
        chart({
          id: 'errors',
          title: totalErrors ? 'Error responses per second (5xx + 4xx)' : 'Error responses per second: none',
          model,
          lines: errLines,
          start,
          to,
          unit: 'errors/s',
          height: 150,
          labels: false,
        }),
      );
      root.appendChild(legend(model));
      seriesCount = reqLines.length;
    }
    vscode.setState({ model });
    vscode.postMessage({
      type: 'rendered',
      seq: model.seq,
      series: seriesCount,
      markers: document.querySelectorAll('#requests .marker').length,
      state: model.state,
    });
  }

  window.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'model') render(e.data.model);
  });
  const saved = vscode.getState();
  if (saved && saved.model) render(saved.model);
  vscode.postMessage({ type: 'ready' });
})();
