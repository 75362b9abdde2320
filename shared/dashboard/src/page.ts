/**
 * The live page: one self-contained HTML document (no external assets, it must work offline).
 * Everything from the pipeline is written with textContent, never as HTML: user agents and
 * paths in access logs are attacker-controlled.
 */
export const dashboardPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>weir · live detections</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --bg:#0f1419; --panel:#182029; --text:#d8dee6; --muted:#8a96a3; --human:#3fb27f; --suspicious:#e0a93b; --bot:#e5534b; --bar:#4c8dd6; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { padding:12px 20px; display:flex; gap:24px; align-items:baseline; border-bottom:1px solid #26313d; }
  header h1 { font-size:18px; margin:0; }
  header .muted { color:var(--muted); }
  main { display:grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap:16px; padding:16px 20px; }
  section { background:var(--panel); border-radius:8px; padding:12px 14px; overflow:auto; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:14px; margin:0 0 8px; color:var(--muted); text-transform:uppercase; letter-spacing:.05em; }
  table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align:left; padding:4px 6px; border-bottom:1px solid #26313d; vertical-align:top; }
  th { color:var(--muted); font-weight:500; }
  td.num, th.num { text-align:right; }
  .label-human { color:var(--human); } .label-suspicious { color:var(--suspicious); } .label-bot { color:var(--bot); }
  .ua { color:var(--muted); max-width:360px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
  .reason { display:inline-block; margin:0 6px 2px 0; padding:1px 6px; border-radius:4px; background:#26313d; font-size:12px; }
  .bar { height:10px; background:var(--bar); border-radius:2px; }
  #status.live { color:var(--human); } #status.down { color:var(--bot); }
</style>
</head>
<body>
<header>
  <h1>weir · live detections</h1>
  <span id="status" class="muted">connecting…</span>
  <span class="muted">uptime <span id="uptime">0</span> s</span>
  <span>sessions: <span id="count-human" class="label-human">0</span> human ·
    <span id="count-suspicious" class="label-suspicious">0</span> suspicious ·
    <span id="count-bot" class="label-bot">0</span> bot</span>
</header>
<main>
  <section>
    <h2>Events per second by stage</h2>
    <table id="stages"><thead><tr><th>stage</th><th class="num">events/s</th><th class="num">total</th><th style="width:40%"></th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Score distribution</h2>
    <svg id="histogram" viewBox="0 0 400 160" width="100%" height="160" role="img" aria-label="histogram of session scores"></svg>
  </section>
  <section class="wide">
    <h2>Traffic per customer</h2>
    <table id="customers"><thead><tr><th>customer</th><th class="num">events/s</th><th class="num">events</th><th class="num">sessions</th><th class="num">human</th><th class="num">suspicious</th><th class="num">bot</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Most suspicious sessions</h2>
    <table id="suspicious"><thead><tr><th>customer</th><th class="num">score</th><th>label</th><th>client</th><th class="num">requests</th><th>reasons</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Window baseline per customer</h2>
    <div id="baselines"></div>
  </section>
</main>
<script>
"use strict";
const el = (tag, props, children) => {
  const node = document.createElement(tag);
  if (props) for (const [k, v] of Object.entries(props)) node[k] = v;
  for (const child of children || []) node.append(child);
  return node;
};
const fmt = (n, digits) => Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits ?? 1 }) : '–';
const replaceRows = (table, rows) => table.tBodies[0].replaceChildren(...rows);

function render(s) {
  document.getElementById('uptime').textContent = fmt(s.uptimeSeconds, 0);
  for (const label of ['human', 'suspicious', 'bot']) document.getElementById('count-' + label).textContent = fmt(s.labels[label], 0);

  const maxRate = Math.max(1, ...s.stages.map((x) => x.perSecond));
  replaceRows(document.getElementById('stages'), s.stages.map((x) => el('tr', {}, [
    el('td', { textContent: x.stage }), el('td', { className: 'num', textContent: fmt(x.perSecond) }),
    el('td', { className: 'num', textContent: fmt(x.total, 0) }),
    el('td', {}, [el('div', { className: 'bar', style: 'width:' + (100 * x.perSecond / maxRate).toFixed(1) + '%' })]),
  ])));

  replaceRows(document.getElementById('customers'), s.customers.map((c) => el('tr', {}, [
    el('td', { textContent: c.customer }), el('td', { className: 'num', textContent: fmt(c.eventsPerSecond) }),
    el('td', { className: 'num', textContent: fmt(c.events, 0) }), el('td', { className: 'num', textContent: fmt(c.sessions, 0) }),
    el('td', { className: 'num label-human', textContent: fmt(c.labels.human, 0) }),
    el('td', { className: 'num label-suspicious', textContent: fmt(c.labels.suspicious, 0) }),
    el('td', { className: 'num label-bot', textContent: fmt(c.labels.bot, 0) }),
  ])));

  renderHistogram(s.scoreHistogram);

  replaceRows(document.getElementById('suspicious'), s.suspicious.map((x) => el('tr', { className: 'session' }, [
    el('td', { textContent: x.customer }),
    el('td', { className: 'num', textContent: x.score.toFixed(3) }),
    el('td', { className: 'label-' + x.label, textContent: x.label }),
    el('td', {}, [el('div', { textContent: x.clientIp }), el('div', { className: 'ua', textContent: x.userAgent || '(no user agent)', title: x.userAgent || '' })]),
    el('td', { className: 'num', textContent: fmt(x.requestCount, 0) }),
    el('td', {}, x.reasons.slice(0, 4).map((r) => el('span', {
      className: 'reason',
      title: s.featureDefinitions[r.feature] || r.feature,
      textContent: r.feature + ' = ' + fmt(r.value, 2) + (r.robustZ === null ? '' : ' (' + (r.robustZ >= 0 ? '+' : '') + fmt(r.robustZ, 1) + ' MAD)'),
    }))),
  ])));

  document.getElementById('baselines').replaceChildren(...s.baselines.map((b) => el('div', {}, [
    el('h3', { textContent: b.customer + ' · window ' + new Date(b.windowStart).toISOString().slice(11, 16) + '–' + new Date(b.windowEnd).toISOString().slice(11, 16) + ' UTC · ' + b.sessionCount + ' sessions' }),
    el('table', {}, [
      el('thead', {}, [el('tr', {}, [el('th', { textContent: 'feature' }), el('th', { className: 'num', textContent: 'median' }), el('th', { className: 'num', textContent: 'p95' }), el('th', { className: 'num', textContent: 'mean' })])]),
      el('tbody', {}, b.features.map((f) => el('tr', {}, [
        el('td', { textContent: f.feature, title: s.featureDefinitions[f.feature] || '' }),
        el('td', { className: 'num', textContent: fmt(f.median, 3) }), el('td', { className: 'num', textContent: fmt(f.p95, 3) }),
        el('td', { className: 'num', textContent: fmt(f.mean, 3) }),
      ]))),
    ]),
  ])));
}

function renderHistogram(bins) {
  const svg = document.getElementById('histogram');
  const ns = 'http://www.w3.org/2000/svg';
  const max = Math.max(1, ...bins);
  const width = 400 / bins.length;
  const shapes = bins.map((count, i) => {
    const rect = document.createElementNS(ns, 'rect');
    const h = 140 * count / max;
    const score = (i + 0.5) / bins.length;
    rect.setAttribute('x', String(i * width + 1)); rect.setAttribute('width', String(width - 2));
    rect.setAttribute('y', String(145 - h)); rect.setAttribute('height', String(h));
    rect.setAttribute('fill', score < 0.5 ? 'var(--human)' : score < 0.8 ? 'var(--suspicious)' : 'var(--bot)');
    rect.setAttribute('data-count', String(count));
    const title = document.createElementNS(ns, 'title');
    title.textContent = 'score ' + (i / bins.length).toFixed(2) + '–' + ((i + 1) / bins.length).toFixed(2) + ': ' + count + ' sessions';
    rect.append(title);
    return rect;
  });
  const axis = document.createElementNS(ns, 'line');
  axis.setAttribute('x1', '0'); axis.setAttribute('x2', '400'); axis.setAttribute('y1', '146'); axis.setAttribute('y2', '146');
  axis.setAttribute('stroke', '#8a96a3');
  svg.replaceChildren(...shapes, axis);
}

const status = document.getElementById('status');
function connect() {
  const source = new EventSource('events');
  source.onopen = () => { status.textContent = 'live'; status.className = 'live'; };
  source.onmessage = (message) => render(JSON.parse(message.data));
  source.onerror = () => { status.textContent = 'reconnecting…'; status.className = 'down'; };
}
fetch('api/snapshot').then((r) => r.json()).then(render).finally(connect);
</script>
</body>
</html>
`;
