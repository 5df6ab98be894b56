/**
 * `nabla dashboard [logDir]`: a local page (Node's http server on 127.0.0.1) showing the runs
 * under logDir as TensorBoardLogger writes them: training curves (every epoch/ and batch/ scalar,
 * so loss, metrics and learning rate), the latest weight and gradient histograms, and confusion
 * matrices. The page polls /api/runs every two seconds, so running runs update live.
 */
import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CONFUSION_PLUGIN, readEvents } from '../train/tensorboard.js';

export interface RunSummary {
  name: string;
  /** Tag -> [step, value] points in file order. */
  scalars: Record<string, [number, number][]>;
  /** Tag -> the latest histogram. */
  histograms: Record<string, { step: number; limits: number[]; counts: number[] }>;
  /** Tag -> the latest confusion matrix. */
  confusion: Record<string, { step: number; matrix: number[][]; classNames: string[] }>;
  error?: string;
}

/** Event files under dir (at most 4 levels down), grouped by folder: one run per folder. */
function findRuns(dir: string, depth = 0, out = new Map<string, string[]>()): Map<string, string[]> {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue;
    }
    if (isDir && depth < 4) findRuns(path, depth + 1, out);
    else if (!isDir && name.startsWith('events.out.tfevents.')) out.set(dir, [...(out.get(dir) ?? []), path]);
  }
  return out;
}

/** Every run under logDir, summarized for the page. A file that does not read is reported, not fatal. */
export function summarizeRuns(logDir: string): RunSummary[] {
  const root = resolve(logDir);
  return [...findRuns(root)].map(([dir, files]) => {
    const run: RunSummary = { name: relative(root, dir) || '.', scalars: {}, histograms: {}, confusion: {} };
    for (const file of files) {
      try {
        for (const event of readEvents(new Uint8Array(readFileSync(file)))) {
          for (const v of event.summary?.value ?? []) {
            if (typeof v.simple_value === 'number') (run.scalars[v.tag] ??= []).push([event.step, v.simple_value]);
            else if (v.histo !== undefined) run.histograms[v.tag] = { step: event.step, limits: v.histo.bucket_limit, counts: v.histo.bucket };
            else if (v.metadata?.plugin_data?.plugin_name === CONFUSION_PLUGIN && v.tensor?.float_val !== undefined) {
              const n = v.tensor.tensor_shape?.dim?.[0]?.size ?? 0;
              const values = v.tensor.float_val;
              const matrix = Array.from({ length: n }, (_, r) => values.slice(r * n, (r + 1) * n));
              const names = JSON.parse(new TextDecoder().decode(v.metadata.plugin_data.content ?? new Uint8Array())) as unknown;
              run.confusion[v.tag] = { step: event.step, matrix, classNames: Array.isArray(names) ? names.map(String) : [] };
            }
          }
        }
      } catch (e) {
        run.error = `${relative(root, file)}: ${(e as Error).message}`;
      }
    }
    return run;
  });
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Nabla dashboard</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 16px; margin: 18px 0 6px; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
.card h3 { font-size: 13px; margin: 0 0 4px; font-weight: 600; }
.legend span { margin-right: 12px; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
table.confusion { border-collapse: collapse; } table.confusion td, table.confusion th { border: 1px solid #ccc; padding: 3px 6px; text-align: right; font-size: 12px; }
#status { color: #666; font-size: 12px; }
</style></head>
<body>
<h1>Nabla dashboard</h1>
<div id="status">loading...</div>
<div id="runs" class="legend"></div>
<h2>Training curves</h2><div id="curves" class="grid"></div>
<h2>Weight and gradient histograms (latest)</h2><div id="histograms" class="grid"></div>
<h2>Confusion matrices (latest)</h2><div id="confusion" class="grid"></div>
<script>
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const NS = 'http://www.w3.org/2000/svg';
function el(tag, attrs, parent) { const e = document.createElementNS(NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
function card(parent, title) { const c = document.createElement('div'); c.className = 'card'; const h = document.createElement('h3'); h.textContent = title; c.appendChild(h); parent.appendChild(c); return c; }
function lineChart(parent, title, series) {
  const c = card(parent, title); c.classList.add('chart'); c.dataset.tag = title;
  const W = 320, H = 180, P = 34; const svg = el('svg', { width: W, height: H }, c);
  const pts = series.flatMap(s => s.points); if (pts.length === 0) return;
  const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]).filter(Number.isFinite);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-12);
  const sx = v => P + (v - x0) / (x1 - x0) * (W - P - 8), sy = v => H - 18 - (v - y0) / (y1 - y0) * (H - 30);
  el('line', { x1: P, y1: H - 18, x2: W - 8, y2: H - 18, stroke: '#999' }, svg); el('line', { x1: P, y1: 8, x2: P, y2: H - 18, stroke: '#999' }, svg);
  for (const [v, y] of [[y1, 12], [y0, H - 20]]) { const t = el('text', { x: 2, y, 'font-size': 10, fill: '#555' }, svg); t.textContent = Number(v).toPrecision(3); }
  series.forEach(s => { if (s.points.length === 0) return;
    el('path', { d: s.points.filter(p => Number.isFinite(p[1])).map((p, i) => (i ? 'L' : 'M') + sx(p[0]).toFixed(1) + ' ' + sy(p[1]).toFixed(1)).join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2, class: 'series' }, svg); });
}
function histogram(parent, title, h) {
  const c = card(parent, title + ' (step ' + h.step + ')'); c.classList.add('histogram');
  const W = 240, H = 110; const svg = el('svg', { width: W, height: H }, c); const max = Math.max(1, ...h.counts);
  h.counts.forEach((n, i) => { const bw = W / h.counts.length; el('rect', { x: i * bw, y: H - n / max * (H - 4), width: Math.max(1, bw - 1), height: n / max * (H - 4), fill: '#1f77b4' }, svg); });
}
function confusion(parent, title, m) {
  const c = card(parent, title + ' (step ' + m.step + ')'); const t = document.createElement('table'); t.className = 'confusion'; c.appendChild(t);
  const names = m.classNames.length ? m.classNames : m.matrix.map((_, i) => String(i)); const max = Math.max(1, ...m.matrix.flat());
  const head = t.insertRow(); head.appendChild(document.createElement('th')).textContent = 'true \\\\ pred'; names.forEach(n => head.appendChild(document.createElement('th')).textContent = n);
  m.matrix.forEach((row, r) => { const tr = t.insertRow(); tr.appendChild(document.createElement('th')).textContent = names[r];
    row.forEach(v => { const td = tr.insertCell(); td.textContent = v; td.style.background = 'rgba(31,119,180,' + (v / max).toFixed(2) + ')'; }); });
}
async function refresh() {
  let runs;
  try { runs = await (await fetch('/api/runs')).json(); } catch (e) { document.getElementById('status').textContent = 'cannot reach the server: ' + e; return; }
  document.getElementById('status').textContent = runs.length + ' run(s), updated ' + new Date().toLocaleTimeString();
  const legend = document.getElementById('runs'); legend.innerHTML = '';
  runs.forEach((r, i) => { const s = document.createElement('span'); s.className = 'run'; s.innerHTML = '<i class="swatch" style="background:' + COLORS[i % COLORS.length] + '"></i>'; s.appendChild(document.createTextNode(r.name + (r.error ? ' (error: ' + r.error + ')' : ''))); legend.appendChild(s); });
  const curves = document.getElementById('curves'); curves.innerHTML = '';
  const tags = [...new Set(runs.flatMap(r => Object.keys(r.scalars)))].sort();
  for (const tag of tags) lineChart(curves, tag, runs.map((r, i) => ({ color: COLORS[i % COLORS.length], points: r.scalars[tag] || [] })));
  const hist = document.getElementById('histograms'); hist.innerHTML = '';
  runs.forEach(r => Object.entries(r.histograms).forEach(([tag, h]) => histogram(hist, (runs.length > 1 ? r.name + ': ' : '') + tag, h)));
  const conf = document.getElementById('confusion'); conf.innerHTML = '';
  runs.forEach(r => Object.entries(r.confusion).forEach(([tag, m]) => confusion(conf, (runs.length > 1 ? r.name + ': ' : '') + tag, m)));
}
refresh(); setInterval(refresh, 2000);
</script></body></html>`;

export interface Dashboard {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves the dashboard for logDir on 127.0.0.1 (port 0: any free port). */
export function startDashboard(logDir: string, port = 6007): Promise<Dashboard> {
  if (typeof logDir !== 'string' || logDir === '') throw new Error(`dashboard: logDir must be a non-empty string, got ${JSON.stringify(logDir)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`dashboard: port must be an integer from 0 to 65535, got ${String(port)}`);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    } else if (path === '/api/runs') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(summarizeRuns(logDir)));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (e) => reject(new Error(`dashboard: cannot listen on 127.0.0.1:${port} (${e.message})`)));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address !== null ? address.port : port;
      resolvePromise({
        url: `http://127.0.0.1:${actual}/`,
        server,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
