// willing scenario builder: edit a scenario's YAML (CodeMirror 5, served by willing) or through
// forms, see every problem at its line as `willing validate` words it, save versions, propose.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const $ = (id) => document.getElementById(id);
const VALIDATE_AFTER_MS = 400;
const state = { me: null, parent: null, off: {}, conditions: [], timer: null, quiet: false };
let editor = null;

class ApiError extends Error {
  constructor(status, body) {
    super(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail || body));
    this.status = status;
    this.body = body;
  }
}

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { ...headers, ...(options.headers || {}) } });
  const type = res.headers.get("content-type") || "";
  const body = type.includes("json") ? await res.json().catch(() => ({})) : await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof body === "string" ? { detail: body } : body);
  return body;
}

const post = (path, body) => api(path, { method: "POST", body: JSON.stringify(body),
                                         headers: { "Content-Type": "application/json" } });

function withToken(path) {
  return token ? `${path}?token=${encodeURIComponent(token)}` : path;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => (k in e ? (e[k] = v) : e.setAttribute(k, v)));
  children.forEach((c) => e.append(c));
  return e;
}

// --- problems: a gutter marker and a line highlight for each, and the list below ---------------

function showProblems(problems) {
  editor.clearGutter("problems");
  for (let i = 0; i < editor.lineCount(); i++) editor.removeLineClass(i, "background");
  const list = $("problems");
  list.replaceChildren();
  problems.forEach((p) => {
    const where = p.line ? `line ${p.line}:${p.column || 1}` : "file";
    const item = el("li", { className: p.severity }, `${where} ${p.field}: ${p.message}`);
    item.dataset.line = p.line || "";
    list.append(item);
    if (!p.line) return;
    const line = p.line - 1;
    editor.setGutterMarker(line, "problems", el("span", { className: `marker ${p.severity}`,
                                                          title: p.message }, "●"));
    editor.addLineClass(line, "background", `problem-${p.severity}`);
    item.addEventListener("click", () => {
      editor.setCursor({ line, ch: (p.column || 1) - 1 });
      editor.focus();
    });
  });
  const errors = problems.filter((p) => p.severity === "error").length;
  $("status").textContent = errors ? `${errors} error(s)` :
    problems.length ? `valid, ${problems.length} warning(s)` : "valid";
  $("status").className = errors ? "bad" : "good";
}

async function validate() {
  const res = await post("/api/validate", { yaml: editor.getValue() });
  showProblems(res.problems);
  if (res.ok) await refreshForms([]);
  return res;
}

function changed() {
  if (state.quiet) return;
  clearTimeout(state.timer);
  $("status").textContent = "checking…";
  state.timer = setTimeout(() => validate().catch(report), VALIDATE_AFTER_MS);
}

function setText(text) {
  state.quiet = true;
  const scroll = editor.getScrollInfo();
  editor.setValue(text);
  editor.scrollTo(scroll.left, scroll.top);
  state.quiet = false;
}

function report(e) {
  $("save-message").textContent = e.message;
  $("save-message").className = "bad";
}

// --- forms: each change is sent as a path and value; the server edits the YAML ------------------

function editable(nation) {
  if (state.me.role === "observer") return false;
  return state.me.role === "planner" || state.me.nation === nation;
}

async function refreshForms(changes) {
  const res = await post("/api/scenario/edit", { yaml: editor.getValue(), changes });
  state.conditions = res.conditions;
  if (changes.length) setText(res.yaml);
  renderNations(res.nations);
  return res;
}

async function change(changes) {
  try {
    await refreshForms(changes);
    const res = await post("/api/validate", { yaml: editor.getValue() });
    showProblems(res.problems);
  } catch (e) {
    report(e);
  }
}

function numberInput(value, step, disabled, onChange, label) {
  const input = el("input", { type: "number", value: value ?? "", step, disabled, className: "num" });
  input.setAttribute("aria-label", label);
  input.addEventListener("change", () => onChange(input.value === "" ? null : Number(input.value)));
  return input;
}

function conditionsInput(values, disabled, onChange, label) {
  const box = el("span", { className: "conditions" });
  state.conditions.forEach((c) => {
    const tick = el("input", { type: "checkbox", checked: values.includes(c), disabled });
    tick.setAttribute("aria-label", `${label} ${c}`);
    tick.addEventListener("change", () => {
      const now = [...box.querySelectorAll("input")].filter((t) => t.checked).map((t) => t.dataset.c);
      onChange(now);
    });
    tick.dataset.c = c;
    box.append(el("label", {}, tick, c));
  });
  return box;
}

function renderNations(nations) {
  const root = $("nations");
  root.replaceChildren();
  const planner = state.me.role === "planner";
  nations.forEach((n) => {
    const mine = editable(n.nation);
    const at = (...path) => ["nations", n.nation, ...path];
    const on = el("input", { type: "checkbox", checked: true, disabled: !planner });
    on.setAttribute("aria-label", `${n.nation} on`);
    on.addEventListener("change", () => {
      state.off[n.nation] = n.entry;
      change([{ path: at(), value: null }]);
    });
    const head = el("div", { className: "nation-head" }, el("label", {}, on, el("b", {}, n.nation)),
      ` ${n.tier ?? ""} · willingness `,
      numberInput(n.willingness, 0.05, !planner, (v) => change([{ path: at("willingness"), value: v }]),
                  `${n.nation} willingness`),
      " · conditions ",
      conditionsInput(n.conditions, !planner, (v) => change([{ path: at("conditions"), value: v }]),
                      `${n.nation} condition`));
    const rows = n.pledges.map((p) => el("tr", {},
      el("td", {}, p.id), el("td", {}, p.capability ?? ""),
      el("td", {}, p.count === null || p.count === undefined
        ? `${p.share_of_active} of active personnel`
        : numberInput(p.count, 1, !mine, (v) => change([{ path: at("pledges", p.index, "count"), value: v }]),
                      `${p.id} count`)),
      el("td", {}, conditionsInput(p.conditions, !mine,
        (v) => change([{ path: at("pledges", p.index, "conditions"), value: v }]), `${p.id} condition`))));
    const table = el("table", { className: "data" },
      el("thead", {}, el("tr", {}, ...["pledge", "capability", "count", "conditions"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows));
    const box = el("details", { className: mine ? "nation mine" : "nation", open: mine && !planner },
                   el("summary", {}, head), table);
    box.dataset.nation = n.nation;
    root.append(box);
  });
  Object.entries(state.off).filter(([iso]) => !nations.some((n) => n.nation === iso)).forEach(([iso, entry]) => {
    const on = el("input", { type: "checkbox", checked: false, disabled: !planner });
    on.setAttribute("aria-label", `${iso} on`);
    on.addEventListener("change", () => {
      delete state.off[iso];
      change([{ path: ["nations", iso], value: entry }]);
    });
    root.append(el("div", { className: "nation off" }, el("label", {}, on, el("b", {}, iso)), " off"));
  });
}

// --- opening, saving, versions ------------------------------------------------------------------

function open(text, name, parent) {
  state.parent = parent;
  state.off = {};
  setText(text);
  $("name").value = name || $("name").value;
  $("download").hidden = parent === null;
  if (parent !== null) $("download").href = withToken(`/api/versions/${parent}/download`);
  validate().then((res) => { if (res.ok) whatIf(); }).catch(report);
}

/** Mount the what-if panel (whatif.js) on the editor's text as it is now. */
function whatIf() {
  if (window.willingWhatIf) window.willingWhatIf.mount($("whatif-panel"), { yaml: editor.getValue() });
}

async function openPackaged() {
  const name = $("packaged").value;
  open(await api(`/api/scenarios/${encodeURIComponent(name)}/yaml`), name, null);
}

function upload() {
  const file = $("upload").files[0];
  if (!file) return;
  file.text().then((text) => open(text, file.name.replace(/\.ya?ml$/i, ""), null));
}

async function save(event) {
  event.preventDefault();
  $("save-message").textContent = "";
  try {
    const v = await post("/api/versions", { name: $("name").value, yaml: editor.getValue(),
                                             note: $("note").value, parent: state.parent });
    const proposal = v.status === "proposed";
    $("save-message").textContent = proposal
      ? `proposal ${v.id} sent: a planner accepts or rejects it` : `saved version ${v.id}`;
    $("save-message").className = "good";
    if (!proposal) open(v.yaml, v.name, v.id);
    await loadVersions();
  } catch (e) {
    if (e.body && e.body.problems) showProblems(e.body.problems);
    report(e);
  }
}

async function decide(id, verdict) {
  try {
    const v = await post(`/api/versions/${id}/${verdict}`, {});
    $("save-message").textContent = verdict === "accept" ? `proposal ${id} accepted as version ${v.id}`
      : `proposal ${id} rejected`;
    $("save-message").className = "good";
    await loadVersions();
  } catch (e) {
    report(e);
  }
}

async function pick(id) {
  try {
    const v = await api(`/api/versions/${id}`);
    if (v.yaml === undefined) {
      $("status").textContent = `version ${v.id}: ${JSON.stringify(v.aggregates)}`;
      return;
    }
    open(v.yaml, v.name, v.status === "version" ? v.id : v.parent);
  } catch (e) {
    report(e);
  }
}

async function loadVersions() {
  const name = $("name").value;
  const rows = await api(`/api/versions${name ? `?name=${encodeURIComponent(name)}` : ""}`);
  const body = $("versions").querySelector("tbody");
  body.replaceChildren();
  rows.forEach((v) => {
    const what = el("td", {}, v.note || "", el("div", { className: "muted" }, (v.summary || []).join("; ")));
    if (v.status !== "version") what.prepend(el("span", { className: `tag ${v.status}` }, v.status), " ");
    if (v.status === "proposed" && state.me.role === "planner") {
      const yes = el("button", { type: "button", className: "small" }, "accept");
      const no = el("button", { type: "button", className: "small" }, "reject");
      yes.addEventListener("click", (e) => { e.stopPropagation(); decide(v.id, "accept"); });
      no.addEventListener("click", (e) => { e.stopPropagation(); decide(v.id, "reject"); });
      what.append(yes, " ", no);
    }
    const tr = el("tr", {}, el("td", {}, String(v.id)), el("td", {}, v.author || v.role || ""),
                  el("td", {}, (v.created || "").replace("T", " ").slice(0, 16)), what);
    tr.dataset.id = v.id;
    tr.addEventListener("click", () => pick(v.id));
    body.append(tr);
  });
}

async function init() {
  $("to-dashboard").href = withToken("/");
  $("to-compare").href = withToken("/compare");
  editor = CodeMirror.fromTextArea($("yaml"), { mode: "yaml", lineNumbers: true, indentUnit: 2,
                                                gutters: ["problems", "CodeMirror-linenumbers"] });
  editor.on("change", changed);
  state.me = await api("/api/whoami");
  $("whoami").textContent = state.me.nation ? `${state.me.role} · ${state.me.nation}` : state.me.role;
  if (state.me.role === "observer") {
    editor.setOption("readOnly", true);
    $("save").disabled = true;
  } else if (state.me.role === "national") {
    $("save").textContent = `Propose ${state.me.nation}'s pledges`;
  }
  const scenarios = await api("/api/scenarios");
  scenarios.forEach((s) => $("packaged").append(el("option", { value: s.name }, s.title)));
  $("open-packaged").addEventListener("click", () => openPackaged().catch(report));
  $("upload").addEventListener("change", upload);
  $("whatif-refresh").addEventListener("click", whatIf);
  $("save-form").addEventListener("submit", save);
  $("name").addEventListener("change", () => loadVersions().catch(report));
  if (state.me.role !== "observer") await openPackaged();
  await loadVersions();
  document.body.dataset.ready = "1";
}

init().catch((e) => {
  $("whoami").textContent = `error: ${e.message}`;
});
