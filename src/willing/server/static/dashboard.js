// willing dashboard: start runs, poll their progress, show a run's charts (no framework, no CDN).
"use strict";

const token = new URLSearchParams(location.search).get("token");
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const $ = (id) => document.getElementById(id);
let scenarios = [];

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { ...headers, ...(options.headers || {}) } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.detail ? JSON.stringify(body.detail) : res.statusText);
  return body;
}

function withToken(path) {
  return token ? `${path}?token=${encodeURIComponent(token)}` : path;
}

function option(select, value, label, selected) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  o.selected = !!selected;
  select.appendChild(o);
}

function fillScenario() {
  const sc = scenarios.find((s) => s.name === $("scenario").value) || scenarios[0];
  $("state").replaceChildren();
  sc.states.forEach((s) => option($("state"), s, s, s === sc.default_state));
  $("force_option").replaceChildren();
  sc.force_options.forEach((f) => option($("force_option"), f, f, f === sc.force_option));
}

function pct(x) {
  return x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)} %`;
}

async function loadRuns() {
  const runs = await api("/api/runs?limit=40");
  const body = $("runs").querySelector("tbody");
  body.replaceChildren();
  for (const r of runs) {
    const tr = document.createElement("tr");
    const states = Object.keys(r.headline || {});
    const cov = states.map((s) => pct(r.headline[s].coverage)).join(", ");
    const state = (r.params.states || [r.params.state || ""]).join(", ");
    for (const text of [r.id, r.command, state, cov || "—"]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    tr.dataset.run = r.id;
    tr.addEventListener("click", () => showRun(r.id).catch(fail));
    body.appendChild(tr);
  }
}

async function loadLedger() {
  const rows = await api("/api/ledger/summary");
  const body = $("ledger").querySelector("tbody");
  body.replaceChildren();
  for (const r of rows) {
    const tr = body.insertRow();
    [r.capability, r.status, r.units].forEach((v) => (tr.insertCell().textContent = v));
  }
  if (!rows.length) body.insertRow().insertCell().textContent = "no entries yet";
}

function table(split) {
  const t = document.createElement("table");
  t.className = "data";
  const head = t.createTHead().insertRow();
  split.columns.forEach((c) => {
    const th = document.createElement("th");
    th.textContent = c;
    head.appendChild(th);
  });
  const body = t.createTBody();
  split.data.forEach((row) => {
    const tr = body.insertRow();
    row.forEach((v) => {
      tr.insertCell().textContent =
        v === null ? "—" : typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(3) : v;
    });
  });
  return t;
}

function fail(e) {
  $("run-title").textContent = `error: ${e.message}`;
}

async function showRun(id) {
  $("empty").hidden = true;
  $("run-view").hidden = false;
  $("run-title").textContent = `Run ${id} — loading…`;
  $("sections").replaceChildren();
  document.querySelectorAll("#runs tr").forEach((tr) => tr.classList.toggle("selected", tr.dataset.run == id));
  const data = await api(`/api/runs/${id}/sections`);
  const run = data.run || {};
  $("run-title").textContent = `Run ${id} — ${run.command || ""} on ${run.scenario || ""} (${run.force_option || "base"}), state ${data.state}`;
  const s = data.summary;
  $("run-summary").textContent = s
    ? `Coverage ${pct(s.coverage)} of units, essential ${pct(s.essential_coverage)}, ${pct(s.personnel_coverage)} of the required personnel` +
      (s.weighted_coverage !== undefined ? `, weighted ${pct(s.weighted_coverage)}` : "") +
      ` · ${s.personnel_deployed.toLocaleString()} personnel from ${s.nations_contributing} nations · ${s.gaps} gaps` +
      (data.stress ? ` · stress: mean essential ${pct(data.stress.mean_essential)}, personnel ${pct(data.stress.mean_personnel)}, P(every essential requirement met) ${pct(data.stress.p_essential_met)}` : "")
    : "";
  $("dl-report").href = withToken(`/api/runs/${id}/report`);
  $("dl-json").href = withToken(`/api/runs/${id}/json`);
  for (const sec of data.sections) {
    const el = document.createElement("section");
    el.id = `section-${sec.id}`;
    const h = document.createElement("h3");
    h.textContent = sec.title;
    const intro = document.createElement("p");
    intro.textContent = sec.intro;
    el.append(h, intro);
    if (sec.figure) {
      const div = document.createElement("div");
      div.className = "chart";
      div.id = `chart-${sec.id}`;
      el.appendChild(div);
      $("sections").appendChild(el);
      await Plotly.newPlot(div, sec.figure.data, sec.figure.layout, { displaylogo: false, responsive: true });
    } else {
      $("sections").appendChild(el);
    }
    const src = document.createElement("p");
    src.className = "source";
    src.textContent = `Source: ${sec.source}`;
    el.appendChild(src);
    if (sec.assumptions.length) {
      const a = document.createElement("p");
      a.className = "assumption";
      a.textContent = `assumption: ${sec.assumptions.length} figure(s) behind this section are assumptions`;
      el.appendChild(a);
    }
    if (sec.table && sec.table.data.length) {
      const d = document.createElement("details");
      d.open = !sec.figure;
      const sum = document.createElement("summary");
      sum.textContent = `Table (${sec.table.data.length} rows)`;
      d.append(sum, table(sec.table));
      el.appendChild(d);
    }
  }
  const own = document.getElementById(`section-${run.command}`);  // a timeline run: its chart
  if (own && run.command !== "plan") own.scrollIntoView();
  document.body.dataset.shownRun = id;
}

async function poll(jobId) {
  const job = await api(`/api/jobs/${jobId}`);
  $("progress").value = job.progress;
  $("job-message").textContent = `${job.status}: ${job.message}`;
  if (job.status === "done") {
    $("run").disabled = false;
    await loadRuns();
    await showRun(job.run_id).catch(fail);
  } else if (job.status === "failed") {
    $("run").disabled = false;
    $("job-message").textContent = `failed: ${job.error}`;
  } else {
    setTimeout(() => poll(jobId), 400);
  }
}

async function start(ev) {
  ev.preventDefault();
  $("run").disabled = true;
  $("job").hidden = false;
  $("progress").value = 0;
  $("job-message").textContent = "starting";
  try {
    const job = await api("/api/jobs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        kind: $("kind").value,
        scenario: $("scenario").value,
        state: $("state").value,
        force_option: $("force_option").value || null,
        draws: Number($("draws").value),
      }),
    });
    poll(job.id);
  } catch (e) {
    $("run").disabled = false;
    $("job-message").textContent = `error: ${e.message}`;
  }
}

async function init() {
  $("to-builder").href = withToken("/builder");
  const me = await api("/api/whoami");
  $("whoami").textContent = me.nation ? `${me.role} · ${me.nation}` : me.role;
  $("compare-link").href = withToken("/compare");
  if (!me.may_run) $("start").querySelectorAll("select, input, button").forEach((x) => (x.disabled = true));
  if (!me.stress_available) $("kind").querySelector('option[value="stress"]').disabled = true;
  scenarios = await api("/api/scenarios");
  scenarios.forEach((s, i) => option($("scenario"), s.name, s.title, i === 0));
  fillScenario();
  $("scenario").addEventListener("change", fillScenario);
  $("kind").addEventListener("change", () => ($("draws-label").hidden = !["stress", "timeline"].includes($("kind").value)));
  $("draws-label").hidden = true;
  $("start").addEventListener("submit", start);
  await Promise.all([loadRuns(), loadLedger()]);
  document.body.dataset.ready = "1";
}

init().catch((e) => {
  $("whoami").textContent = `error: ${e.message}`;
});
