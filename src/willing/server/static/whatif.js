// The what-if panel: toggle nations and pledges, change counts, willingness and the US backstop,
// and see the plan and the stress summary of the edited scenario (POST /api/whatif).
// It renders into <section id="whatif-panel">, on the /whatif page or any page that includes it.
"use strict";

(() => {
  const token = new URLSearchParams(location.search).get("token");
  const auth = token ? { Authorization: `Bearer ${token}` } : {};
  const DEBOUNCE_MS = 150;

  async function post(path, body) {
    const res = await fetch(path, { method: "POST", body: JSON.stringify(body),
      headers: { ...auth, "Content-Type": "application/json" } });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail));
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") e.className = v;
      else if (k in e && typeof v !== "string") e[k] = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  const pct = (x) => (x == null ? "—" : `${(100 * x).toFixed(1)} %`);
  const num = (x) => Number(x).toLocaleString("en");

  function table(rows, cols) {
    const t = el("table", { class: "data" });
    t.append(el("thead", {}, el("tr", {}, ...cols.map(([, h]) => el("th", {}, h)))));
    const body = el("tbody");
    for (const r of rows) {
      body.append(el("tr", {}, ...cols.map(([k, , f]) => el("td", {}, f ? f(r[k], r) : r[k] ?? ""))));
    }
    t.append(body);
    return t;
  }

  class Panel {
    constructor(root, options = {}) {
      this.root = root;
      this.yaml = options.yaml || null; // a version's text, when mounted in the builder
      this.request = { scenario: options.scenario || null, state: null, force_option: null };
      this.base = null; // the scenario as written: willingness, counts, backstop
      this.seq = 0;
      this.timer = null;
      root.classList.add("whatif");
      root.replaceChildren(
        el("div", { class: "whatif-controls" },
          el("label", {}, "Scenario ", this.scenarioSel = el("select", { name: "scenario" })),
          el("label", {}, "Force option ", this.optionSel = el("select", { name: "force_option" })),
          el("label", {}, "State ", this.stateSel = el("select", { name: "state" })),
          el("label", {}, "US backstop ", this.backstop = el("input", {
            type: "range", min: "0", max: "1", step: "0.05", name: "backstop" }),
            this.backstopOut = el("output"))),
        el("div", { class: "whatif-body" },
          this.nations = el("div", { class: "whatif-nations" }),
          this.results = el("div", { class: "whatif-results", "aria-live": "polite" })),
        el("div", { class: "whatif-footer" },
          this.saveBtn = el("button", { type: "button", class: "whatif-save" }, "Save as a new version"),
          this.status = el("span", { class: "muted whatif-status" })));
      this.scenarioSel.onchange = () => this.reset({ scenario: this.scenarioSel.value });
      this.optionSel.onchange = () => this.reset({ force_option: this.optionSel.value });
      this.stateSel.onchange = () => this.reset({ state: this.stateSel.value });
      this.backstop.oninput = () => { this.backstopOut.value = Number(this.backstop.value).toFixed(2); this.changed(); };
      this.saveBtn.onclick = () => this.save();
      if (this.yaml) this.scenarioSel.closest("label").hidden = true;
      this.loadScenarios().then(() => this.reset({}));
    }

    async loadScenarios() {
      if (this.yaml) return;
      const res = await fetch("/api/scenarios", { headers: auth });
      const list = res.ok ? await res.json() : [];
      this.scenarioSel.replaceChildren(...list.map((s) => el("option", { value: s.name }, s.title)));
      if (this.request.scenario) this.scenarioSel.value = this.request.scenario;
      this.request.scenario = this.scenarioSel.value || null;
    }

    body(edits) {
      const b = { ...this.request, edits };
      if (this.yaml) { b.yaml = this.yaml; delete b.scenario; }
      return b;
    }

    async reset(change) {
      Object.assign(this.request, change);
      this.base = null;
      await this.run([]);
    }

    edits() {
      const out = [];
      for (const row of this.nations.querySelectorAll(".whatif-nation")) {
        const iso = row.dataset.nation;
        if (!row.querySelector("input.nation-on").checked) out.push({ kind: "nation", target: iso, value: false });
        const w = Number(row.querySelector("input.willingness").value);
        if (w !== this.base.willingness[iso]) out.push({ kind: "willingness", target: iso, value: w });
        for (const p of row.querySelectorAll(".whatif-pledge")) {
          const id = p.dataset.pledge;
          if (!p.querySelector("input.pledge-on").checked) out.push({ kind: "pledge", target: id, value: false });
          const c = Number(p.querySelector("input.count").value);
          if (Number.isInteger(c) && c !== this.base.counts[id]) out.push({ kind: "count", target: id, value: c });
        }
      }
      const b = Number(this.backstop.value);
      if (b !== this.base.backstop) out.push({ kind: "backstop", value: b });
      return out;
    }

    changed() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.run(this.edits()), DEBOUNCE_MS);
    }

    async run(edits) {
      const seq = ++this.seq;
      this.status.textContent = "computing…";
      this.root.dataset.busy = "true";
      try {
        const r = await post("/api/whatif", this.body(edits));
        if (seq !== this.seq) return; // a later edit is on its way
        if (this.base === null) this.first(r);
        this.show(r);
        this.status.textContent = `${edits.length} edits · ${r.summary.seconds.toFixed(2)} s` +
          (r.summary.reused.length ? ` (kept: ${r.summary.reused.join(", ")})` : "");
      } catch (e) {
        if (seq === this.seq) this.status.textContent = e.message;
      } finally {
        if (seq === this.seq) this.root.dataset.busy = "false";
      }
    }

    first(r) {
      const c = r.choices;
      this.stateSel.replaceChildren(...c.states.map((s) => el("option", { value: s }, s)));
      this.stateSel.value = c.state;
      this.optionSel.replaceChildren(...c.force_options.map((s) => el("option", { value: s }, s)));
      this.optionSel.value = c.force_option || "";
      this.request.state = c.state;
      this.request.force_option = c.force_option;
      this.base = { willingness: {}, counts: {}, backstop: r.summary.us_backstop };
      this.backstop.value = r.summary.us_backstop;
      this.backstopOut.value = Number(r.summary.us_backstop).toFixed(2);
      const byNation = {};
      for (const p of r.pledges || []) (byNation[p.nation] ||= []).push(p);
      this.nations.replaceChildren(el("h3", {}, "Nations and pledges"));
      for (const n of r.nations || []) {
        this.base.willingness[n.nation] = n.willingness;
        const pledges = (byNation[n.nation] || []).map((p) => {
          this.base.counts[p.pledge] = p.count;
          return el("li", { class: "whatif-pledge", "data-pledge": p.pledge },
            el("label", { class: "inline" }, el("input", { type: "checkbox", class: "pledge-on", checked: p.on }),
              ` ${p.pledge} ${p.capability}`),
            el("input", { type: "number", class: "count", min: "0", max: "10000", step: "1",
              value: String(p.count), "aria-label": `count of ${p.pledge}` }));
        });
        const wOut = el("output", {}, n.willingness.toFixed(2));
        const row = el("details", { class: "whatif-nation", "data-nation": n.nation },
          el("summary", {},
            el("label", { class: "inline" }, el("input", { type: "checkbox", class: "nation-on", checked: n.on,
              "aria-label": `${n.nation} takes part` }), ` ${n.name} (${n.nation}, ${n.tier})`)),
          el("label", {}, "willingness ", el("input", { type: "range", class: "willingness", min: "0", max: "1",
            step: "0.05", value: String(n.willingness) }), wOut),
          el("ul", {}, ...pledges));
        row.querySelector("input.willingness").addEventListener("input", (ev) => {
          wOut.value = Number(ev.target.value).toFixed(2);
        });
        this.nations.append(row);
      }
      if (!(r.nations || []).length) this.nations.append(el("p", { class: "muted" }, "No nation is yours to edit."));
      this.nations.oninput = (ev) => { if (ev.target.matches("input")) this.changed(); };
      this.nations.onclick = (ev) => { if (ev.target.matches("summary input")) ev.stopPropagation(); };
    }

    show(r) {
      const s = r.summary;
      const headline = el("dl", { class: "whatif-headline" },
        el("dt", {}, "Coverage (units)"), el("dd", { class: "coverage-units" }, `${num(s.units_filled)} / ${num(s.units_required)} · ${pct(s.coverage)}`),
        el("dt", {}, "Personnel"), el("dd", { class: "coverage-personnel" }, `${num(s.personnel_filled)} / ${num(s.personnel_required)}`),
        el("dt", {}, "Essential coverage"), el("dd", {}, pct(s.essential_coverage)),
        el("dt", {}, "Gaps"), el("dd", { class: "gap-count" }, String(s.gaps)),
        el("dt", {}, `P(essential met), ${num(s.draws)} draws`), el("dd", { class: "p-essential" }, pct(s.p_essential_met)),
        el("dt", {}, "Mean coverage under uncertainty"), el("dd", {}, pct(s.mean_coverage)));
      this.results.replaceChildren(
        el("h3", {}, "Plan and stress"), headline,
        el("h4", {}, "Coverage"),
        table(r.coverage || [], [["mission_line", "mission line"], ["priority", "priority"],
          ["filled", "units", (v, x) => `${v} / ${x.required}`],
          ["personnel_filled", "personnel", (v, x) => `${num(v)} / ${num(x.personnel_required)}`],
          ["coverage", "coverage", pct]]),
        el("h4", {}, "Leads"),
        table(r.leads || [], [["component", "component"], ["lead", "lead"], ["reason", "reason"]]),
        el("h4", {}, `Gaps (${(r.gaps || []).length})`),
        table(r.gaps || [], [["requirement", "requirement"], ["priority", "priority"],
          ["unmet", "unmet"], ["reason", "reason"]]));
    }

    async save() {
      const edits = this.edits();
      try {
        const v = await post("/api/whatif/yaml", { ...this.body(edits), name: null });
        try {
          const saved = await post("/api/versions", { name: v.name, yaml: v.yaml, note: v.note, parent: null });
          this.status.textContent = `saved as version ${saved.id}`;
        } catch (e) {
          if (e.status !== 404) throw e;
          // no versions store on this server: hand the file over instead
          const a = el("a", { href: URL.createObjectURL(new Blob([v.yaml], { type: "application/yaml" })),
            download: "what-if.yaml" }, "download the edited scenario");
          this.status.replaceChildren("this server keeps no versions: ", a);
        }
      } catch (e) {
        this.status.textContent = e.message;
      }
    }
  }

  window.willingWhatIf = { mount: (root, options) => new Panel(root, options) };
  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("whatif-panel");
    if (root && !root.dataset.mounted) {
      root.dataset.mounted = "true";
      new Panel(root, { scenario: new URLSearchParams(location.search).get("scenario") });
    }
  });
})();
