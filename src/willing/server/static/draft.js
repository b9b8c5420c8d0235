// willing dashboard: the "read a statement" box — POST /api/draft, tick proposals, download them.
"use strict";

(() => {
  const token = new URLSearchParams(location.search).get("token");
  const el = (id) => document.getElementById(id);
  let proposals = [];

  function cell(tr, content) {
    const td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content;
    tr.appendChild(td);
  }

  function show(body) {
    proposals = body.proposals;
    const tbody = el("draft-proposals").querySelector("tbody");
    tbody.replaceChildren();
    proposals.forEach((p, i) => {
      const tr = document.createElement("tr");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.dataset.index = i;
      cell(tr, box);
      cell(tr, p.kind);
      cell(tr, p.summary);
      cell(tr, p.confidence.toFixed(2));
      tr.title = p.sentence;
      tbody.appendChild(tr);
    });
    const notes = [
      ...body.unknown.map((u) => `unknown name (not guessed): ${u.name}`),
      ...body.groups.map((g) => `group: ${g.text} (${g.stance}), members not named`),
    ];
    el("draft-message").textContent = proposals.length
      ? notes.join(" · ") : ["no proposals", ...notes].join(" · ");
    el("draft-proposals").hidden = !proposals.length;
    el("draft-download").hidden = !proposals.length;
  }

  async function readText(event) {
    event.preventDefault();
    el("draft-message").textContent = "reading…";
    const scenario = el("scenario") ? el("scenario").value : null;
    const res = await fetch("/api/draft", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ text: el("draft-text").value, scenario: scenario || null }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      el("draft-message").textContent = `error: ${body.detail || res.statusText}`;
      return;
    }
    show(body);
  }

  function download() {
    const ticked = [...el("draft-proposals").querySelectorAll("input:checked")]
      .map((b) => proposals[Number(b.dataset.index)]);
    const blob = new Blob([JSON.stringify(ticked, null, 1)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "willing-draft-accepted.json";
    a.click();
    URL.revokeObjectURL(a.href);
  }

  document.addEventListener("DOMContentLoaded", () => {
    el("draft").addEventListener("submit", (e) => readText(e).catch((err) => {
      el("draft-message").textContent = `error: ${err}`;
    }));
    el("draft-download").addEventListener("click", download);
  });
})();
