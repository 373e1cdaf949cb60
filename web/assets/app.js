// rnncast live view. Plain JavaScript and SVG: no build step, no library,
// no request to any other host. All URLs are relative, so the page works
// wherever the handler is mounted.
"use strict";

const state = {
  sensor: "",          // selected sensor id
  series: null,        // {id, intervalMs, t:[], v:[], forecast, past, seq, fseq}
  es: null,            // EventSource
  updates: 0,          // sensor events applied
  summaries: [],       // recent summaries, for rates and sparklines
  query: "",
  maxPoints: 2000,
};

const $ = (id) => document.getElementById(id);
const SVGNS = "http://www.w3.org/2000/svg";

// ---------- formatting ----------

function fmtNum(x, digits) {
  if (x === null || x === undefined || !isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a >= 1e9) return (x / 1e9).toFixed(1) + "G";
  if (a >= 1e6) return (x / 1e6).toFixed(1) + "M";
  if (a >= 1e4) return (x / 1e3).toFixed(1) + "k";
  if (digits !== undefined) return x.toFixed(digits);
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

// fmtTick formats an axis value with as many decimals as the tick step needs.
function fmtTick(y, step) {
  if (Math.abs(y) >= 1e4) return fmtNum(y);
  let d = 0;
  while (d < 6 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-9) d++;
  return (Math.abs(y) < step / 2 ? 0 : y).toFixed(d);
}

function pad2(n) { return String(n).padStart(2, "0"); }
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function fmtTime(ms, stepMs) {
  const d = new Date(ms);
  const day = MONTHS[d.getUTCMonth()] + " " + d.getUTCDate();
  if (stepMs >= 86400000) return day;
  const hm = pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes());
  if (stepMs < 60000) return hm + ":" + pad2(d.getUTCSeconds());
  return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? day : hm;
}

function fmtInterval(ms) {
  if (!ms) return "";
  const units = [[86400000, "d"], [3600000, "h"], [60000, "m"], [1000, "s"]];
  for (const [u, s] of units) if (ms % u === 0) return ms / u + s;
  return ms + "ms";
}

// ---------- scales and SVG ----------

function niceStep(span, target) {
  const raw = span / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

const TIME_STEPS = [1e3, 5e3, 15e3, 3e4, 6e4, 3e5, 9e5, 18e5, 36e5, 108e5, 216e5, 432e5, 864e5, 1728e5, 6048e5];

function timeTicks(lo, hi, target) {
  const step = TIME_STEPS.find((s) => (hi - lo) / s <= target) || TIME_STEPS[TIME_STEPS.length - 1];
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push(t);
  return { ticks: out, step };
}

function el(name, attrs, text) {
  const e = document.createElementNS(SVGNS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function pathOf(xs, ys, sx, sy) {
  let d = "";
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    if (ys[i] === null || !isFinite(ys[i])) { pen = false; continue; }
    d += (pen ? "L" : "M") + sx(xs[i]).toFixed(1) + "," + sy(ys[i]).toFixed(1);
    pen = true;
  }
  return d;
}

function newSVG(container) {
  const w = Math.max(200, container.clientWidth);
  const h = Math.max(80, container.clientHeight);
  const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: "none" });
  return { svg, w, h };
}

function mount(container, svg) {
  container.replaceChildren(svg);
}

function showEmpty(container, text) {
  const d = document.createElement("div");
  d.className = "empty";
  d.textContent = text;
  container.replaceChildren(d);
}

// ---------- the sensor chart ----------

// forecastXY returns a forecast's points: the slot it was made at (with the
// actual value there, when known) followed by its H values.
function forecastXY(f, intervalMs, actualAt) {
  const xs = [], ys = [];
  const a = actualAt(f.at);
  if (a !== undefined) { xs.push(f.at); ys.push(a); }
  f.values.forEach((v, k) => { xs.push(f.at + (k + 1) * intervalMs); ys.push(v); });
  return { xs, ys };
}

function actualLookup(s) {
  const m = new Map();
  for (let i = 0; i < s.t.length; i++) m.set(s.t[i], s.v[i]);
  return (t) => m.get(t);
}

function chartDomain(s, lines) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const take = (xs, ys) => {
    for (let i = 0; i < xs.length; i++) {
      if (ys[i] === null || !isFinite(ys[i])) continue;
      x0 = Math.min(x0, xs[i]); x1 = Math.max(x1, xs[i]);
      y0 = Math.min(y0, ys[i]); y1 = Math.max(y1, ys[i]);
    }
  };
  take(s.t, s.v);
  lines.forEach((l) => take(l.xs, l.ys));
  if (s.t.length) x0 = Math.max(x0, s.t[0]); // earlier forecasts may start before the kept actuals
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const pad = (y1 - y0) * 0.08;
  return { x0, x1: Math.max(x1, x0 + 1), y0: y0 - pad, y1: y1 + pad };
}

function drawAxes(svg, m, w, h, dom, sx, sy) {
  const yStep = niceStep(dom.y1 - dom.y0, 6);
  for (let y = Math.ceil(dom.y0 / yStep) * yStep; y <= dom.y1; y += yStep) {
    svg.append(el("line", { class: "grid", x1: m.l, x2: w - m.r, y1: sy(y), y2: sy(y) }));
    svg.append(el("text", { x: m.l - 8, y: sy(y) + 4, "text-anchor": "end" }, fmtTick(y, yStep)));
  }
  const { ticks, step } = timeTicks(dom.x0, dom.x1, Math.max(3, Math.floor((w - m.l - m.r) / 85)));
  for (const t of ticks) {
    svg.append(el("line", { class: "grid", x1: sx(t), x2: sx(t), y1: m.t, y2: h - m.b }));
    svg.append(el("text", { x: sx(t), y: h - m.b + 16, "text-anchor": "middle" }, fmtTime(t, step)));
  }
  svg.append(el("line", { class: "axis", x1: m.l, x2: w - m.r, y1: h - m.b, y2: h - m.b }));
}

function renderChart() {
  const box = $("chart");
  const s = state.series;
  const nActual = s ? s.t.length : 0;
  const nForecast = s && s.forecast ? s.forecast.values.length : 0;
  box.dataset.actuals = nActual;
  box.dataset.forecast = nForecast;
  box.dataset.points = nActual + nForecast;
  box.dataset.updates = state.updates;
  box.dataset.sensor = s ? s.id : "";
  if (!s || nActual + nForecast === 0) { showEmpty(box, s ? "Waiting for readings…" : "Pick a sensor"); return; }

  const actualAt = actualLookup(s);
  const past = (s.past || []).map((f) => forecastXY(f, s.intervalMs, actualAt));
  const cur = s.forecast ? forecastXY(s.forecast, s.intervalMs, actualAt) : null;
  const dom = chartDomain(s, cur ? past.concat([cur]) : past);
  const { svg, w, h } = newSVG(box);
  const m = { l: 56, r: 16, t: 10, b: 26 };
  const sx = (x) => m.l + (x - dom.x0) / (dom.x1 - dom.x0) * (w - m.l - m.r);
  const sy = (y) => m.t + (1 - (y - dom.y0) / (dom.y1 - dom.y0)) * (h - m.t - m.b);

  const clip = el("clipPath", { id: "plot-clip" });
  clip.append(el("rect", { x: m.l, y: m.t, width: w - m.l - m.r, height: h - m.t - m.b }));
  svg.append(clip);
  if (cur) {
    const fx = sx(s.forecast.at);
    svg.append(el("rect", { class: "future", x: fx, y: m.t, width: Math.max(0, w - m.r - fx), height: h - m.t - m.b }));
  }
  drawAxes(svg, m, w, h, dom, sx, sy);
  const plot = el("g", { "clip-path": "url(#plot-clip)" });
  past.forEach((p, i) => {
    const opacity = 0.25 + 0.5 * (i + 1) / past.length;
    plot.append(el("path", { class: "past", d: pathOf(p.xs, p.ys, sx, sy), "stroke-opacity": opacity.toFixed(2) }));
  });
  plot.append(el("path", { class: "actual", d: pathOf(s.t, s.v, sx, sy) }));
  if (cur) {
    plot.append(el("path", { class: "forecast", d: pathOf(cur.xs, cur.ys, sx, sy) }));
    cur.xs.forEach((x, i) => {
      if (cur.ys[i] !== null) plot.append(el("circle", { class: "forecast-dot", cx: sx(x), cy: sy(cur.ys[i]), r: 2.4 }));
    });
    const nx = sx(s.forecast.at);
    plot.append(el("line", { class: "now", x1: nx, x2: nx, y1: m.t, y2: h - m.b }));
    svg.append(el("text", { x: nx + 6, y: m.t + 12 }, "forecast from " + fmtTime(s.forecast.at, 60000)));
  }
  svg.append(plot);
  mount(box, svg);
  renderChartHeader(s);
}

function renderChartHeader(s) {
  $("chart-title").textContent = s.id;
  const last = s.t.length ? s.t[s.t.length - 1] : 0;
  const parts = [];
  if (last) parts.push("last reading " + fmtNum(s.v[s.v.length - 1]) + " at " + new Date(last).toISOString().replace("T", " ").slice(0, 16) + " UTC");
  if (s.intervalMs) parts.push("interval " + fmtInterval(s.intervalMs));
  if (s.forecast) parts.push("horizon " + s.forecast.values.length + " steps");
  parts.push(s.t.length + " actual values held");
  $("chart-sub").textContent = parts.join(" · ");
}

// ---------- error per horizon step ----------

// sensorErrors scores the sensor's earlier forecasts (and the current one)
// against the actual values that arrived: mean absolute error per step.
function sensorErrors(s) {
  if (!s || !s.intervalMs) return [];
  const actualAt = actualLookup(s);
  const sum = [], cnt = [];
  const fs = (s.past || []).concat(s.forecast ? [s.forecast] : []);
  for (const f of fs) {
    f.values.forEach((v, k) => {
      const a = actualAt(f.at + (k + 1) * s.intervalMs);
      if (a === undefined || v === null) return;
      sum[k] = (sum[k] || 0) + Math.abs(v - a);
      cnt[k] = (cnt[k] || 0) + 1;
    });
  }
  const h = s.forecast ? s.forecast.values.length : sum.length;
  const out = [];
  for (let k = 0; k < h; k++) out.push(cnt[k] ? sum[k] / cnt[k] : null);
  return out;
}

function renderErrors() {
  const box = $("errors");
  const last = state.summaries[state.summaries.length - 1];
  const global = last && last.stats.liveMAE ? last.stats.liveMAE : [];
  const local = sensorErrors(state.series);
  const steps = Math.max(global.length, local.length);
  const finite = global.concat(local).filter((x) => x !== null && isFinite(x));
  box.dataset.steps = steps;
  if (!steps || !finite.length) { showEmpty(box, "No forecasts scored yet"); return; }
  const { svg, w, h } = newSVG(box);
  const m = { l: 48, r: 8, t: 8, b: 24 };
  const top = Math.max(...finite) * 1.1 || 1;
  const sy = (y) => m.t + (1 - y / top) * (h - m.t - m.b);
  const slot = (w - m.l - m.r) / steps;
  const yStep = niceStep(top, 4);
  for (let y = 0; y <= top; y += yStep) {
    svg.append(el("line", { class: "grid", x1: m.l, x2: w - m.r, y1: sy(y), y2: sy(y) }));
    svg.append(el("text", { x: m.l - 6, y: sy(y) + 4, "text-anchor": "end" }, fmtTick(y, yStep)));
  }
  const bw = Math.max(1, slot * 0.36);
  const labelEvery = Math.ceil(steps / Math.max(1, Math.floor((w - m.l) / 28)));
  for (let k = 0; k < steps; k++) {
    const x = m.l + k * slot + slot * 0.12;
    const g = global[k], l = local[k];
    if (g !== null && g !== undefined && isFinite(g)) svg.append(el("rect", { class: "bar", x, y: sy(g), width: bw, height: sy(0) - sy(g), rx: 1.5 }));
    if (l !== null && l !== undefined && isFinite(l)) svg.append(el("rect", { class: "bar-sensor", x: x + bw, y: sy(l), width: bw, height: sy(0) - sy(l), rx: 1.5 }));
    if (k % labelEvery === 0) svg.append(el("text", { x: m.l + (k + 0.5) * slot, y: h - m.b + 15, "text-anchor": "middle" }, "+" + (k + 1)));
  }
  mount(box, svg);
}

// ---------- statistics ----------

function counters(s) {
  const st = s.stats;
  const fromPipeline = st.readingsIn > 0 || st.forecastsOut > 0;
  return {
    readings: fromPipeline ? st.readingsIn : s.hubReadings,
    forecasts: fromPipeline ? st.forecastsOut : s.hubForecasts,
    dead: st.deadLetters,
    lag: st.lag,
  };
}

// rates returns per-second rates between consecutive summaries.
function rates() {
  const out = [];
  for (let i = 1; i < state.summaries.length; i++) {
    const a = state.summaries[i - 1], b = state.summaries[i];
    const dt = (b.time - a.time) / 1000;
    if (dt <= 0) continue;
    const ca = counters(a), cb = counters(b);
    out.push({
      time: b.time,
      readings: Math.max(0, cb.readings - ca.readings) / dt,
      forecasts: Math.max(0, cb.forecasts - ca.forecasts) / dt,
      dead: Math.max(0, cb.dead - ca.dead) / dt,
      lag: cb.lag,
    });
  }
  return out;
}

function spark(id, values) {
  const svg = $(id);
  svg.replaceChildren();
  if (values.length < 2) return;
  const w = svg.clientWidth || 120, h = svg.clientHeight || 40;
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  const top = Math.max(...values) * 1.25 || 1;
  const xs = values.map((_, i) => i), sx = (i) => i / (values.length - 1) * w, sy = (v) => h - 2 - v / top * (h - 4);
  const d = pathOf(xs, values, sx, sy);
  svg.append(el("path", { class: "spark-area", d: d + `L${w},${h}L0,${h}Z` }));
  svg.append(el("path", { class: "spark-line", d }));
}

function renderStats() {
  const last = state.summaries[state.summaries.length - 1];
  if (!last) return;
  const c = counters(last), r = rates(), rl = r[r.length - 1];
  $("title").textContent = last.title;
  document.title = last.title;
  $("model").textContent = last.stats.model ? "model " + last.stats.model : "";
  $("s-readings").textContent = rl ? fmtNum(rl.readings, rl.readings < 10 ? 1 : 0) + "/s" : "–";
  $("s-readings-total").textContent = fmtNum(c.readings, 0) + " total";
  $("s-forecasts").textContent = rl ? fmtNum(rl.forecasts, rl.forecasts < 10 ? 1 : 0) + "/s" : "–";
  $("s-forecasts-total").textContent = fmtNum(c.forecasts, 0) + " total";
  $("s-lag").textContent = fmtNum(c.lag, 0);
  $("s-dead").textContent = fmtNum(c.dead, 0);
  $("s-dead-rate").textContent = rl ? fmtNum(rl.dead, 1) + "/s" : "";
  const keys = last.stats.keys || last.sensors;
  $("s-sensors").textContent = fmtNum(keys, 0);
  $("s-sensors-sub").textContent = fmtNum(last.sensors, 0) + " in this view";
  spark("spark-readings", r.map((x) => x.readings));
  spark("spark-forecasts", r.map((x) => x.forecasts));
  spark("spark-lag", r.map((x) => x.lag));
  spark("spark-dead", r.map((x) => x.dead));
  renderThroughput(r);
  document.body.dataset.summaries = state.summaries.length;
}

function renderThroughput(r) {
  const box = $("throughput");
  if (r.length < 2) return;
  const { svg, w, h } = newSVG(box);
  const m = { l: 48, r: 8, t: 8, b: 24 };
  const x0 = r[0].time, x1 = r[r.length - 1].time;
  const top = Math.max(1, ...r.map((x) => Math.max(x.readings, x.forecasts))) * 1.1;
  const sx = (x) => m.l + (x - x0) / Math.max(1, x1 - x0) * (w - m.l - m.r);
  const sy = (y) => m.t + (1 - y / top) * (h - m.t - m.b);
  drawAxes(svg, m, w, h, { x0, x1, y0: 0, y1: top }, sx, sy);
  const xs = r.map((x) => x.time);
  svg.append(el("path", { class: "tp-r", d: pathOf(xs, r.map((x) => x.readings), sx, sy) }));
  svg.append(el("path", { class: "tp-f", d: pathOf(xs, r.map((x) => x.forecasts), sx, sy) }));
  mount(box, svg);
}

// ---------- sensor list ----------

async function loadList() {
  const res = await fetch("api/sensors?limit=200&q=" + encodeURIComponent(state.query));
  if (!res.ok) return;
  const data = await res.json();
  const ul = $("list");
  const items = data.sensors.map((s) => {
    const li = document.createElement("li");
    li.dataset.id = s.id;
    li.className = s.id === state.sensor ? "selected" : "";
    const id = document.createElement("span");
    id.className = "id"; id.textContent = s.id; id.title = s.id;
    const v = document.createElement("span");
    v.className = "v"; v.textContent = s.last ? fmtNum(s.value) : "";
    li.append(id, v);
    li.tabIndex = 0;
    li.setAttribute("role", "option");
    li.addEventListener("click", () => select(s.id));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") select(s.id); });
    return li;
  });
  ul.replaceChildren(...items);
  $("list-info").textContent = data.matched > data.sensors.length
    ? `showing ${data.sensors.length} of ${fmtNum(data.matched, 0)} matching — refine the search`
    : `${fmtNum(data.matched, 0)} of ${fmtNum(data.total, 0)} sensors`;
  if (!state.sensor && data.sensors.length) select(data.sensors[0].id);
}

// ---------- selection and the event stream ----------

async function select(id) {
  state.sensor = id;
  history.replaceState(null, "", "#sensor=" + encodeURIComponent(id));
  document.querySelectorAll("#list li").forEach((li) => li.classList.toggle("selected", li.dataset.id === id));
  const res = await fetch("api/sensor?id=" + encodeURIComponent(id));
  if (id !== state.sensor) return; // another pick won the race
  state.series = res.ok ? await res.json() : null;
  renderChart();
  renderErrors();
  connect();
}

function connect() {
  if (state.es) state.es.close();
  const s = state.series;
  let url = "events?sensor=" + encodeURIComponent(state.sensor);
  if (s) url += "&since=" + s.seq + "&fseq=" + s.fseq;
  const es = new EventSource(url);
  state.es = es;
  es.addEventListener("open", () => setConn("live", "live"));
  es.addEventListener("error", () => setConn("down", "reconnecting"));
  es.addEventListener("summary", (e) => onSummary(JSON.parse(e.data)));
  es.addEventListener("sensor", (e) => onSensor(JSON.parse(e.data)));
}

function setConn(st, text) {
  $("conn").dataset.state = st;
  $("conn-text").textContent = text;
}

function onSummary(s) {
  state.summaries.push(s);
  if (state.summaries.length > 180) state.summaries.shift();
  renderStats();
  renderErrors();
}

// onSensor merges an update into the selected sensor's series.
function onSensor(u) {
  if (u.id !== state.sensor) return;
  let s = state.series;
  if (!s || u.reset) {
    s = state.series = { id: u.id, t: [], v: [], forecast: null, past: [] };
  }
  const last = s.t.length ? s.t[s.t.length - 1] : -Infinity;
  u.t.forEach((t, i) => { // a reconnect may repeat values: keep times increasing
    if (t > last) { s.t.push(t); s.v.push(u.v[i]); }
  });
  if (s.t.length > state.maxPoints) { s.t.splice(0, s.t.length - state.maxPoints); s.v.splice(0, s.v.length - state.maxPoints); }
  s.intervalMs = u.intervalMs || s.intervalMs;
  s.seq = u.seq;
  s.fseq = u.fseq;
  if (u.forecast) { s.forecast = u.forecast; s.past = u.past || []; }
  state.updates++;
  scheduleRender();
}

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  setTimeout(() => { renderPending = false; renderChart(); renderErrors(); }, 50);
}

function start() {
  const m = location.hash.match(/sensor=([^&]+)/);
  if (m) state.sensor = decodeURIComponent(m[1]);
  let timer = 0;
  $("search").addEventListener("input", (e) => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.query = e.target.value.trim(); loadList(); }, 150);
  });
  $("search").addEventListener("keydown", (e) => { // Enter picks the first match
    if (e.key !== "Enter") return;
    clearTimeout(timer);
    state.query = e.target.value.trim();
    loadList().then(() => { const li = document.querySelector("#list li"); if (li) select(li.dataset.id); });
  });
  window.addEventListener("resize", () => { renderChart(); renderErrors(); renderStats(); });
  if (state.sensor) select(state.sensor); else connect();
  loadList();
  setInterval(loadList, 5000);
}

start();
