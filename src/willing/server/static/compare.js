// willing compare page: two runs side by side with their deltas (no framework, no CDN).
"use strict";

const token = new URLSearchParams(location.search).get("token");
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const $ = (id) => document.getElementById(id);

async function api(path) {
  const res = await fetch(path, { headers });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.detail ? JSON.stringify(body.detail) : res.statusText);
  return body;
}

// Figures where more is worse; every other numeric figure is better when larger.
const WORSE_WHEN_HIGHER = new Set(["gaps"]);
const SHARES = new Set(["coverage", "personnel_coverage", "essential_coverage",
  "p_essential_met", "p_all_met", "mean_essential", "mean_coverage"]);

function show(v, figure) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number" && SHARES.has(figure)) return `${(100 * v).toFixed(1)} %`;
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString() : v.toPrecision(3);
  return Array.isArray(v) ? v.join(", ") : String(v);
}

function showDelta(d, figure) {
  if (d === null || d === undefined) return "";
  const sign = d > 0 ? "+" : d < 0 ? "−" : "±";
  const mag = Math.abs(d);
  return SHARES.has(figure) ? `${sign}${(100 * mag).toFixed(1)} pt` : `${sign}${mag.toLocaleString()}`;
}

function tone(d, figure) {
  if (!d) return "same";
  return (d > 0) !== WORSE_WHEN_HIGHER.has(figure) ? "better" : "worse";
}

function table(rows, columns, labels) {
  const t = document.createElement("table");
  t.className = "data compare";
  const head = t.createTHead().insertRow();
  columns.forEach((c) => {
    const th = document.createElement("th");
    th.textContent = labels[c] || c;
    head.appendChild(th);
  });
  const body = t.createTBody();
  rows.forEach((r) => {
    const tr = body.insertRow();
    columns.forEach((c) => {
      const td = tr.insertCell();
      const figure = r.figure || (c === "change" ? "" : c);
      if (c === "delta") {
        td.textContent = showDelta(r.delta, r.figure);
        td.className = `delta ${tone(r.delta, r.figure)}`;
      } else if (c === "change" && typeof r.change === "number") {
        td.textContent = showDelta(r.change, "");
        td.className = `delta ${tone(r.change, "")}`;
      } else if (c === "change") {
        td.textContent = r.change;
        td.className = `delta ${r.change === "opened" ? "worse" : r.change === "closed" ? "better" : "same"}`;
      } else {
        td.textContent = show(r[c], c === "a" || c === "b" ? r.figure : figure);
      }
    });
  });
  if (!rows.length) body.insertRow().insertCell().textContent = "no change";
  return t;
}

function section(title, ...children) {
  const s = document.createElement("section");
  const h = document.createElement("h3");
  h.textContent = title;
  s.append(h, ...children);
  return s;
}

async function compare(a, b) {
  $("empty").hidden = true;
  $("result").hidden = false;
  $("title").textContent = `Run ${a} → run ${b} — loading…`;
  const d = await api(`/api/compare?a=${a}&b=${b}`);
  const labels = { a: `run ${a}`, b: `run ${b}`, delta: "Δ (B − A)" };
  $("title").textContent = `Run ${a} (${d.a.command}, ${d.a.scenario || "—"}) → run ${b} (${d.b.command}, ${d.b.scenario || "—"})`;
  $("plans").replaceChildren();
  for (const p of d.plans) {
    const s = section(`State ${p.state}`, table(p.headline, ["figure", "a", "b", "delta"], labels));
    const more = [["Gaps opened and closed", p.gaps, ["requirement", "change", "a", "b", "reason"]],
      ["Leads changed", p.leads, ["component", "a", "b"]],
      ["Contributions changed (personnel)", p.contributions, ["nation", "a", "b", "change"]]];
    for (const [title, rows, cols] of more) {
      const h = document.createElement("h4");
      h.textContent = title;
      s.append(h, table(rows, cols, labels));
    }
    $("plans").appendChild(s);
  }
  if (!d.plans.length) $("plans").appendChild(section("Plans", document.createTextNode("The two runs share no plan state.")));
  $("stress-section").hidden = !d.stress.length;
  $("stress").replaceChildren(table(d.stress, ["figure", "a", "b", "delta"], labels));
  const ul = $("scenario-summary");
  ul.replaceChildren();
  const lines = d.scenario.same ? ["the same scenario"] : d.scenario.summary;
  lines.forEach((line) => (ul.appendChild(document.createElement("li")).textContent = line));
  if (d.scenario.force_option[0] !== d.scenario.force_option[1])
    ul.appendChild(document.createElement("li")).textContent = `force option: ${d.scenario.force_option.join(" → ")}`;
  history.replaceState(null, "", `/compare?a=${a}&b=${b}${token ? `&token=${encodeURIComponent(token)}` : ""}`);
  document.body.dataset.compared = `${a}-${b}`;
}

/** Two saved versions: only the scenario changes (a version has no plan until it is run). */
async function compareVersions(a, b) {
  $("empty").hidden = true;
  $("result").hidden = false;
  const d = await api(`/api/compare/versions?a=${a}&b=${b}`);
  $("title").textContent = `Version ${a} (${d.a.name}) → version ${b} (${d.b.name})`;
  $("plans").replaceChildren();
  $("stress-section").hidden = true;
  const ul = $("scenario-summary");
  ul.replaceChildren();
  (d.scenario.same ? ["the same scenario"] : d.scenario.summary)
    .forEach((line) => (ul.appendChild(document.createElement("li")).textContent = line));
  document.body.dataset.compared = `v${a}-v${b}`;
}

async function init() {
  const me = await api("/api/whoami");
  $("whoami").textContent = me.nation ? `${me.role} · ${me.nation}` : me.role;
  const runs = await api("/api/runs?limit=200");
  for (const sel of [$("run-a"), $("run-b")]) {
    runs.forEach((r) => {
      const o = document.createElement("option");
      o.value = r.id;
      o.textContent = `#${r.id} ${r.command} · ${r.scenario || "—"} · ${r.force_option || "base"} · ${r.created}`;
      sel.appendChild(o);
    });
  }
  const q = new URLSearchParams(location.search);
  if (runs.length > 1) {
    $("run-a").value = q.get("a") || runs[1].id;
    $("run-b").value = q.get("b") || runs[0].id;
  }
  $("pick").addEventListener("submit", (ev) => {
    ev.preventDefault();
    compare($("run-a").value, $("run-b").value).catch(fail);
  });
  const versions = await api("/api/versions");
  for (const sel of [$("version-a"), $("version-b")]) {
    versions.forEach((v) => {
      const o = document.createElement("option");
      o.value = v.id;
      o.textContent = `#${v.id} ${v.name} · ${v.status} · ${v.created}`;
      sel.appendChild(o);
    });
  }
  if (versions.length > 1) $("version-a").value = versions[1].id;
  $("pick-versions").hidden = versions.length < 2;
  $("pick-versions").addEventListener("submit", (ev) => {
    ev.preventDefault();
    compareVersions($("version-a").value, $("version-b").value).catch(fail);
  });
  document.body.dataset.ready = "1";
  if (q.get("a") && q.get("b")) await compare(q.get("a"), q.get("b"));
}

function fail(e) {
  $("title").textContent = `error: ${e.message}`;
}

init().catch((e) => {
  $("whoami").textContent = `error: ${e.message}`;
});
