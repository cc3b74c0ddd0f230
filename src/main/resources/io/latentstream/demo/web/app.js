// latentstream demo page: polls /api/state and draws it; buttons use the real control endpoints.
'use strict';
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));

const params = new URLSearchParams(location.hash.slice(1));
let token = params.get('token') || sessionStorage.getItem('latentstream-token');
if (token) sessionStorage.setItem('latentstream-token', token);

const palette = ['#2f6fde', '#18a058', '#8e44ad', '#d98b00', '#16a3b8', '#6b7a8f', '#c0397b', '#7cb342'];
const $ = id => document.getElementById(id);
const fmt = n => (n == null ? '–' : Number(n).toLocaleString('en-US'));
let plot = null;
let plotKey = '';
let markers = [];
let state = null;

function versionMarks() {
  return {
    hooks: {
      draw: [u => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#555';
        ctx.fillStyle = '#333';
        ctx.setLineDash([5, 4]);
        ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui`;
        for (const m of markers) {
          const x = Math.round(u.valToPos(m.t, 'x', true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillText('v' + m.version, x + 4, u.bbox.top + 12 * devicePixelRatio);
        }
        ctx.restore();
      }],
    },
  };
}

function buildPlot(entities) {
  if (plot) plot.destroy();
  const series = [{ label: 't (s)' }];
  entities.forEach((e, i) => series.push({ label: e, stroke: palette[i % palette.length], width: 1.3, spanGaps: true,
    points: { show: false },
    value: (u, v) => (v == null ? '–' : v.toFixed(2)) }));
  series.push({ label: 'threshold', stroke: '#d33', width: 1.5, dash: [8, 5], spanGaps: true, points: { show: false } });
  series.push({ label: 'flagged', stroke: '#d00', width: 0, paths: () => null,
    points: { show: true, size: 7, fill: '#e22', stroke: '#900' } });
  const el = $('chart');
  plot = new uPlot({
    width: Math.max(400, el.clientWidth - 10), height: 360,
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'seconds since start' }, { label: 'score' }],
    series, plugins: [versionMarks()],
  }, [[]], el);
}

function chartData(c) {
  const floor = v => (v == null ? null : Math.max(v, 1e-3)); // log scale: no zeros
  const data = [c.t];
  for (const e of c.entities) data.push(c.series[e].map(floor));
  data.push(c.threshold.map(floor));
  data.push(c.anomalies.map(floor));
  return data;
}

function render(s) {
  state = s;
  const t = s.totals;
  $('produced').textContent = fmt(t.produced);
  $('scored').textContent = fmt(t.scored);
  $('dead_lettered').textContent = fmt(t.dead_lettered);
  $('anomalies_total').textContent = fmt(t.anomalies);
  $('caught').textContent = `${fmt(t.caught)} / ${fmt(t.missed)}`;
  $('false_alarms').textContent = fmt(t.false_alarms);
  $('active_version').textContent = s.active_version == null ? '–' : 'v' + s.active_version;
  $('status').textContent = `running ${Math.round(s.elapsed_s)} s · scoring with v${s.scoring_version ?? '–'}`;
  $('status').classList.remove('down');

  const c = s.chart;
  const key = c.entities.join('|');
  if (key !== plotKey) { buildPlot(c.entities); plotKey = key; }
  markers = s.events.filter(e => e.kind === 'scoring');
  plot.setData(chartData(c));
  let points = 0;
  for (const e of c.entities) points += c.series[e].filter(v => v != null).length;
  $('chart').dataset.points = String(points);

  const tbody = $('anomalies').querySelector('tbody');
  tbody.replaceChildren(...s.anomalies.slice(0, 15).map(a => {
    const tr = document.createElement('tr');
    tr.dataset.injected = a.injected;
    const stuck = (a.stuck || []).map(s => 'STUCK ' + s).join(', '); // score.stuck.readings: flagged whatever the score
    const top = (stuck ? stuck + '; ' : '') + a.top.map(f => `${f.name} ${f.observed.toFixed(2)} (${f.expected.toFixed(2)})`).join(', ');
    for (const [text, cls] of [[a.t, 'num'], [a.entity], [`${a.score.toFixed(2)} / ${a.threshold.toFixed(2)}`, 'num'],
      ['v' + a.version], [a.injected], [top]]) {
      const td = document.createElement('td');
      td.textContent = String(text);
      if (cls) td.className = cls;
      tr.append(td);
    }
    return tr;
  }));

  $('events').replaceChildren(...s.events.map(e => {
    const li = document.createElement('li');
    li.dataset.kind = e.kind;
    if (e.outcome) li.dataset.outcome = e.outcome;
    const what = e.kind === 'decision' ? `retrain ${e.outcome}${e.version ? ' (challenger v' + e.version + ')' : ''}`
      : e.kind === 'activation' ? `v${e.version} activated` : `scoring with v${e.version}`;
    li.textContent = `[${e.t} s] ${what}${e.reason ? ' — ' + e.reason : ''}`;
    return li;
  }));

  $('dlq').querySelector('tbody').replaceChildren(...Object.entries(s.dead_letters).map(([reason, n]) => {
    const tr = document.createElement('tr');
    const a = document.createElement('td');
    a.textContent = reason;
    const b = document.createElement('td');
    b.className = 'num';
    b.textContent = fmt(n);
    tr.append(a, b);
    return tr;
  }));

  $('rollback').disabled = rollbackTarget() == null;
  $('rollback').textContent = rollbackTarget() == null ? 'Roll back' : `Roll back to v${rollbackTarget()}`;
}

function rollbackTarget() {
  if (!state || state.active_version == null) return null;
  const older = state.versions.filter(v => v < state.active_version);
  return older.length ? older[older.length - 1] : null;
}

async function control(path, body) {
  if (!token) {
    token = prompt('Bearer token for the control endpoints (printed by the demo at start):');
    if (!token) return;
    sessionStorage.setItem('latentstream-token', token);
  }
  const msg = $('message');
  try {
    const r = await fetch(path, { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : '' });
    const text = await r.text();
    msg.classList.toggle('error', !r.ok);
    msg.textContent = r.ok ? `${path}: ${r.status} accepted — the decision appears under "Model versions and retrain decisions"`
      : `${path}: ${r.status} ${text}`;
  } catch (e) {
    msg.classList.add('error');
    msg.textContent = `${path}: ${e}`;
  }
}

$('retrain').addEventListener('click', () => control('/retrain'));
$('rollback').addEventListener('click', () => { const to = rollbackTarget(); if (to != null) control('/rollback', { to }); });

async function poll() {
  try {
    const r = await fetch('/api/state', { cache: 'no-store' });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    render(await r.json());
  } catch (e) {
    $('status').textContent = 'demo not reachable (stopped?) — ' + e.message;
    $('status').classList.add('down');
  }
  setTimeout(poll, 1000);
}
window.addEventListener('resize', () => { if (plot) plot.setSize({ width: Math.max(400, $('chart').clientWidth - 10), height: 360 }); });
poll();
