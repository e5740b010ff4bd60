// The Genlock dashboard: one WebSocket, pushed state, no polling. Plain script, no build step.
"use strict";
const token = new URLSearchParams(location.search).get("token");
const colors = ["#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d", "#dc2626"];
const history = {};          // camera -> [{tMs, ptpOffsetNs, phaseErrorNs}]
let framesetHistory = [];
let latest = null;
const windowMs = 5 * 60 * 1000;

function ns(v) {
  if (v === null || v === undefined) return "–";
  const a = Math.abs(v);
  if (a < 1e3) return v + " ns";
  if (a < 1e6) return (v / 1e3).toFixed(1) + " µs";
  if (a < 1e9) return (v / 1e6).toFixed(2) + " ms";
  return (v / 1e9).toFixed(2) + " s";
}
function bytes(v) {
  if (v === null || v === undefined) return "–";
  return (v / 1e9).toFixed(1) + " GB";
}
function text(v) { return v === null || v === undefined ? "–" : String(v); }
function el(tag, attrs, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children || []) e.append(c);
  return e;
}

function renderTile(t) {
  const classes = ["tile"];
  if (!t.connected) classes.push("missing");
  const locked = t.phaseLockState ? t.phaseLockState === "locked" : t.ptpLocked;
  if (t.connected && locked) classes.push("locked");
  if (t.recording) classes.push("recording");
  const badge = t.finished ? "finished" : !t.connected ? "missing" : t.recording ? "recording" : "ready";
  const tile = el("div", { class: classes.join(" "), id: "tile-" + t.name, "data-camera": t.name,
    "data-locked": String(t.connected && locked), "data-recording": String(t.recording) });
  tile.append(el("h3", {}, [t.name, el("span", { class: "badge" + (t.recording ? " rec" : "") }, [badge])]));
  const preview = el("div", { class: "preview" });
  if (t.preview) {
    const img = el("img", { alt: "preview of " + t.name, src: "/preview/" + encodeURIComponent(t.name) + ".jpg?v=" + t.preview.version });
    preview.append(img);
  } else {
    preview.append(t.connected ? "no preview yet" : (t.missingReason || "missing"));
  }
  tile.append(preview);
  if (t.preview) tile.append(el("div", { class: "muted" }, ["frame " + t.preview.index + ", Tn " + t.preview.scheduledNs]));
  const rows = [
    ["state", t.connected ? "connected" : "missing: " + text(t.missingReason)],
    ["version", text(t.version)],
    ["PTP", text(t.ptpPortState) + (t.ptpLocked ? ", locked" : ", not locked") + ", offset " + ns(t.ptpOffsetNs)],
    ["phase lock", t.phaseLockState ? t.phaseLockState + ", error " + ns(t.phaseErrorNs) : "–"],
    ["frames", text(t.frames) + " (last index " + text(t.lastIndex) + ")"],
    ["dropped / skipped", text(t.dropped) + " / " + text(t.skipped)],
    ["lateness p99", ns(t.latenessP99Ns)],
    ["disk free", bytes(t.diskFreeBytes)],
    ["preflight", text(t.preflight)],
  ];
  const dl = el("dl");
  for (const [k, v] of rows) dl.append(el("dt", {}, [k]), el("dd", {}, [v]));
  tile.append(dl);
  return tile;
}

function render(s) {
  latest = s;
  document.getElementById("session").textContent =
    "session " + s.sessionID + " · " + s.phase + (s.t0Ns ? " · T0 " + s.t0Ns + " ns" : "") + " · " + text(s.rate) + " fps";
  const start = document.getElementById("start"), stop = document.getElementById("stop");
  start.disabled = !s.startEnabled;
  start.title = s.startDisabledReason || "";
  document.getElementById("start-reason").textContent = s.startDisabledReason || "";
  stop.disabled = !s.stopEnabled;
  document.getElementById("stop-index").textContent = s.stopIndex !== null && s.stopIndex !== undefined ? "stop index " + s.stopIndex : "";
  const tiles = document.getElementById("tiles");
  tiles.replaceChildren(...s.cameras.map(renderTile));
  if (s.framesets) document.getElementById("framesets-note").textContent =
    s.framesets.complete + " complete, " + s.framesets.partial + " partial";
  const report = document.getElementById("report");
  if (s.report) {
    report.hidden = false;
    document.getElementById("report-text").textContent = s.report.text;
    document.getElementById("report-folder").textContent = s.report.folder ? "session folder: " + s.report.folder : "";
    const hil = document.getElementById("report-hil");
    hil.replaceChildren(...(s.report.hilReportURL ? [el("a", { href: s.report.hilReportURL, target: "_blank" }, ["HIL analyzer report"])] : []));
    document.getElementById("report-files").replaceChildren(...s.report.files.map(f => el("li", {}, [f])));
  }
}

function plot(canvasId, key) {
  const c = document.getElementById(canvasId), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const now = latest ? latest.nowNs / 1e6 : Date.now();
  const series = Object.entries(history).map(([name, pts]) => [name, pts.filter(p => p[key] !== null && p[key] !== undefined && p.tMs >= now - windowMs)]);
  let lo = Infinity, hi = -Infinity;
  for (const [, pts] of series) for (const p of pts) { lo = Math.min(lo, p[key]); hi = Math.max(hi, p[key]); }
  g.fillStyle = "#6b7280"; g.font = "11px system-ui";
  if (lo === Infinity) { g.fillText("no data", 10, 20); return; }
  if (lo === hi) { lo -= 1; hi += 1; }
  // The x axis spans the data shown: from the oldest sample (at most five minutes back) to now.
  let first = now;
  for (const [, pts] of series) if (pts.length) first = Math.min(first, pts[0].tMs);
  const span = Math.max(1000, now - first);
  const x = t => 40 + (c.width - 100) * (t - first) / span;
  const y = v => c.height - 15 - (c.height - 30) * (v - lo) / (hi - lo);
  g.fillText(ns(Math.round(hi)), 2, 12); g.fillText(ns(Math.round(lo)), 2, c.height - 4);
  g.fillText("-" + Math.round(span / 1000) + " s", 110, c.height - 4); g.fillText("now", c.width - 80, c.height - 4);
  series.forEach(([name, pts], i) => {
    g.strokeStyle = colors[i % colors.length]; g.beginPath();
    pts.forEach((p, j) => j ? g.lineTo(x(p.tMs), y(p[key])) : g.moveTo(x(p.tMs), y(p[key])));
    g.stroke(); g.fillStyle = colors[i % colors.length]; g.fillText(name, c.width - 45, 14 + 12 * i);
  });
}

function plotFramesets() {
  const c = document.getElementById("plot-framesets"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  if (!framesetHistory.length) return;
  const first = framesetHistory[0], last = framesetHistory[framesetHistory.length - 1];
  const total = Math.max(1, last.complete + last.partial);
  const x = t => 40 + (c.width - 50) * (t - first.tMs) / Math.max(1, last.tMs - first.tMs);
  const y = v => c.height - 15 - (c.height - 30) * v / total;
  for (const [key, color] of [["complete", "#059669"], ["partial", "#dc2626"]]) {
    g.strokeStyle = color; g.beginPath();
    framesetHistory.forEach((p, j) => j ? g.lineTo(x(p.tMs), y(p[key])) : g.moveTo(x(p.tMs), y(p[key])));
    g.stroke();
  }
}

function post(path) {
  const headers = { "X-Genlock-Action": "1" };
  if (token) headers["Authorization"] = "Bearer " + token;
  return fetch(path, { method: "POST", headers }).then(r => r.text()).then(t => { document.getElementById("link").textContent = t; });
}
document.getElementById("start").onclick = () => post("/api/start");
document.getElementById("stop").onclick = () => post("/api/stop");

function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + (token ? "?token=" + encodeURIComponent(token) : ""));
  ws.onopen = () => { document.getElementById("link").textContent = "live"; };
  ws.onmessage = ev => {
    const m = JSON.parse(ev.data);
    if (m.type === "history") {
      for (const [k, v] of Object.entries(m.history || {})) history[k] = v;
      framesetHistory = m.framesetHistory || [];
    } else if (m.type === "state") {
      for (const [k, v] of Object.entries(m.samples || {})) (history[k] = history[k] || []).push(v);
      if (m.framesetSample) framesetHistory.push(m.framesetSample);
      render(m.state);
      plot("plot-ptp", "ptpOffsetNs"); plot("plot-phase", "phaseErrorNs"); plotFramesets();
    }
  };
  // The server pushes; the page only reconnects when the connection drops.
  ws.onclose = () => { document.getElementById("link").textContent = "disconnected; reconnecting"; setTimeout(connect, 2000); };
}
connect();
