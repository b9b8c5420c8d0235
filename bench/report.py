"""How long the report of the packaged scenario takes, and what the run store costs.

    python bench/report.py [--repeat 3]

Baselines measured in the same run: `willing plan` (same process start-up, imports and plan)
for the end-to-end `willing report`; `willing.plan` for the in-process pieces. Prints best-of
timings and ratios; asserts nothing (the machine is shared, timings are noisy).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import best

CLI = [sys.executable, "-c", "from willing.cli import main; main()"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="willing-bench-report-"))
    db = f"sqlite:///{tmp}/runs.db"

    def cli(*argv: str) -> None:
        subprocess.run([*CLI, "--db", db, *argv], check=True, capture_output=True)

    plan_cli = best(lambda: cli("--no-store", "plan", "--json"), args.repeat)[0]
    report_cli = best(lambda: cli("report", "-o", str(tmp / "report.html")), args.repeat)[0]
    size = (tmp / "report.html").stat().st_size

    import willing
    from willing.report import bundle, render
    from willing.store import Store, jsonable

    sc = willing.load_scenario()
    result = willing.plan(sc)
    plan_s = best(lambda: willing.plan(sc), args.repeat)[0]
    b = bundle.build(sc)
    bundle_s = best(lambda: bundle.build(sc), args.repeat)[0]
    render_s = best(lambda: render(b), args.repeat)[0]

    payload = jsonable(result.to_dict())
    text = json.dumps(payload)
    with Store(db) as st:
        ids: list[int] = []
        write_s = best(lambda: ids.append(st.add("plan", payload, scenario=sc)), args.repeat)[0]
        read_s = best(lambda: st.get(ids[-1]), args.repeat)[0]
        list_s = best(lambda: st.list(limit=100), args.repeat)[0]
    dumps_s = best(lambda: json.dumps(payload), args.repeat)[0]

    rows = [
        ("willing report (end to end, packaged)", report_cli, "willing plan --json", plan_cli),
        ("bundle: plan + build-up, sustain, ORBAT, burden", bundle_s, "willing.plan", plan_s),
        ("render HTML (sections, plotly inline)", render_s, "willing.plan", plan_s),
        ("store: write one plan run", write_s, "json.dumps of its payload", dumps_s),
        ("store: read it back", read_s, "json.dumps of its payload", dumps_s),
        ("store: list 100 newest runs", list_s, "willing.plan", plan_s),
    ]
    print(f"report: {size / 1e6:.1f} MB, payload JSON {len(text) / 1e3:.0f} kB; best of {args.repeat}")
    print(f"{'measure':48} {'time':>9}  {'baseline':28} {'time':>9} {'ratio':>7}")
    for name, t, base, tb in rows:
        print(f"{name:48} {t:8.3f}s  {base:28} {tb:8.3f}s {t / tb:6.2f}x")
    print(f"target: report of the packaged scenario under 10 s -> {report_cli:.1f} s "
          f"({'met' if report_cli < 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
