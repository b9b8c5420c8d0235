"""The service, bounded: parameters out of range, oversized bodies, full queues and quotas get a
4xx with a message (never a 500), each documented in the OpenAPI schema; scenarios are parsed
once per content."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx versions, not ours
    from fastapi.testclient import TestClient

import willing
from willing.report import bundle as bundles
from willing.scenario import packaged
from willing.server import create_app, scenarios
from willing.server.access import Role, Viewer, releasable
from willing.server.limits import MAX_ID, Limits, RoleQuota, load_limits

USERS = {"plan-token": Viewer(Role.PLANNER, name="J5"),
         "pol-token": Viewer(Role.NATIONAL, "POL", "Polish representative"),
         "obs-token": Viewer(Role.OBSERVER, name="press")}
PLAN, POL = {"Authorization": "Bearer plan-token"}, {"Authorization": "Bearer pol-token"}
HUGE = 2**63
LIMITS = Limits(max_body_bytes=4096, max_queued_jobs=2,
                roles={Role.PLANNER: RoleQuota(max_draws=1_000_000, max_active_jobs=2),
                       Role.NATIONAL: RoleQuota(max_draws=5_000, max_active_jobs=1)})


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("limits") / "runs.db"
    with TestClient(create_app(f"sqlite:///{db}", USERS, LIMITS)) as c:
        yield c


def entry(**kw: Any) -> dict[str, Any]:
    return {"nation": "POL", "pledge": "POL-1", "capability": "infantry-battalion", "count": 2,
            "status": "announced", "date": "2025-03-01", "source": "press release", **kw}


def _field(res: Any) -> list[str]:
    """The fields a 422 names (the last part of each error's location)."""
    assert res.status_code == 422, (res.status_code, res.text)
    return [str(e["loc"][-1]) for e in res.json()["detail"]]


def test_ids_counts_and_limits_of_2_63_are_422_not_500(client: TestClient) -> None:
    for path in ("", "/sections", "/report", "/json"):
        assert _field(client.get(f"/api/runs/{HUGE}{path}", headers=PLAN)) == ["run_id"]
    assert _field(client.get(f"/api/runs/{MAX_ID + 1}", headers=PLAN)) == ["run_id"]
    assert client.get(f"/api/runs/{MAX_ID}", headers=PLAN).status_code == 404  # in range, absent
    assert _field(client.get(f"/api/runs/{-1}", headers=PLAN)) == ["run_id"]
    assert _field(client.get(f"/api/runs?limit={HUGE}", headers=PLAN)) == ["limit"]
    assert _field(client.get("/api/runs?limit=0", headers=PLAN)) == ["limit"]
    assert _field(client.post("/api/ledger", json=entry(count=HUGE), headers=PLAN)) == ["count"]
    assert _field(client.post("/api/ledger", json=entry(count=-1), headers=PLAN)) == ["count"]
    assert _field(client.post("/api/jobs", json={"kind": "stress", "draws": HUGE},
                              headers=PLAN)) == ["draws"]
    assert _field(client.get("/api/ledger?nation=Poland", headers=PLAN)) == ["nation"]
    assert _field(client.get(f"/api/jobs/{'a' * 40}", headers=PLAN)) == ["job_id"]
    assert _field(client.get(f"/api/scenarios/{'x' * 81}/pledges", headers=PLAN)) == ["name"]
    msg = client.get(f"/api/runs?limit={HUGE}", headers=PLAN).json()["detail"][0]["msg"]
    assert "less than or equal to 1000" in msg


def test_ledger_fields_are_bounded(client: TestClient) -> None:
    assert _field(client.post("/api/ledger", json=entry(source="s" * 2001), headers=PLAN)) == [
        "source"]
    assert _field(client.post("/api/ledger", json=entry(pledge="P" * 81), headers=PLAN)) == [
        "pledge"]
    assert _field(client.post("/api/ledger", json=entry(date="1 March 2025"), headers=PLAN)) == [
        "date"]
    assert client.post("/api/ledger", json=entry(source="s" * 2000), headers=PLAN).status_code == 201


def test_oversized_bodies_are_413_declared_or_streamed(client: TestClient) -> None:
    big = entry(source="s" * 10_000)
    res = client.post("/api/ledger", json=big, headers=PLAN)
    assert res.status_code == 413 and "4,096 bytes" in res.json()["detail"]
    chunks = (b"x" * 1000 for _ in range(10))  # no Content-Length: counted as it arrives
    res = client.post("/api/jobs", content=chunks, headers={**PLAN, "Content-Type": "application/json"})
    assert res.status_code == 413
    assert client.get("/api/ledger", headers=PLAN).status_code == 200  # the server is fine
    # a text to read has its own, larger bound
    text = "France will send a frigate to the Black Sea. " * 120
    assert client.post("/api/draft", json={"text": text}, headers=PLAN).status_code == 200


def _wait_idle(client: TestClient, ids: list[str], timeout: float = 180) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if all(client.get(f"/api/jobs/{i}", headers=PLAN).json()["status"] in ("done", "failed")
               for i in ids):
            return
        time.sleep(0.2)
    raise AssertionError(f"jobs {ids} did not finish")


def test_quotas_and_the_queue_answer_with_a_message(client: TestClient) -> None:
    over = client.post("/api/jobs", json={"kind": "stress", "draws": 10_000_000}, headers=POL)
    assert over.status_code == 422 and "at most 5,000 draws" in over.json()["detail"]
    # a plan job runs for seconds; the second request comes within milliseconds
    first = client.post("/api/jobs", json={"kind": "plan"}, headers=POL)
    assert first.status_code == 202
    second = client.post("/api/jobs", json={"kind": "plan"}, headers=POL)
    assert second.status_code == 429 and "(1)" in second.json()["detail"]
    third = client.post("/api/jobs", json={"kind": "plan"}, headers=PLAN)
    assert third.status_code == 202
    full = client.post("/api/jobs", json={"kind": "plan"}, headers=PLAN)
    assert full.status_code == 429 and "queue is full" in full.json()["detail"]
    _wait_idle(client, [first.json()["id"], third.json()["id"]])
    again = client.post("/api/jobs", json={"kind": "plan", "state": "nowhere"}, headers=POL)
    assert again.status_code == 202  # a finished job frees its place
    _wait_idle(client, [again.json()["id"]])
    who = client.get("/api/whoami", headers=POL).json()
    assert (who["max_draws"], who["max_active_jobs"]) == (5_000, 1)


BAD_REQUESTS: list[tuple[str, str, str, dict[str, Any] | None, dict[str, str]]] = [
    ("get", "/api/runs", "/api/runs", None, {}),
    ("get", "/api/runs", "/api/runs?limit=-5", None, PLAN),
    ("get", "/api/whoami", "/api/whoami", None, {"Authorization": "Bearer nobody"}),
    ("get", "/api/analyses", "/api/analyses", None, {}),
    ("get", "/api/scenarios", "/api/scenarios", None, {}),
    ("get", "/api/scenarios/{name}/pledges", "/api/scenarios/mars/pledges", None, PLAN),
    ("get", "/api/scenarios/{name}/pledges", "/api/scenarios/ukraine-2025/pledges?force_option=xl",
     None, PLAN),
    ("get", "/api/runs/{run_id}", "/api/runs/77", None, PLAN),
    ("get", "/api/runs/{run_id}/sections", "/api/runs/77/sections", None, PLAN),
    ("get", "/api/runs/{run_id}/report", "/api/runs/77/report", None, PLAN),
    ("get", "/api/runs/{run_id}/json", "/api/runs/abc/json", None, PLAN),
    ("get", "/api/ledger", "/api/ledger", None, {}),
    ("get", "/api/ledger/summary", "/api/ledger/summary", None, {}),
    ("post", "/api/ledger", "/api/ledger", entry(capability="death-star"), PLAN),
    ("post", "/api/ledger", "/api/ledger", entry(nation="FRA"), POL),
    ("post", "/api/ledger", "/api/ledger", entry(source="s" * 5000), PLAN),
    ("post", "/api/jobs", "/api/jobs", {"kind": "plan"}, {"Authorization": "Bearer obs-token"}),
    ("post", "/api/jobs", "/api/jobs", {"kind": "plan", "scenario": "mars"}, PLAN),
    ("post", "/api/jobs", "/api/jobs", {"kind": "x" * 5000}, PLAN),
    ("get", "/api/jobs/{job_id}", "/api/jobs/0123456789ab", None, PLAN),
    ("post", "/api/draft", "/api/draft", {"text": "France will send a frigate.", "scenario": "mars"},
     PLAN),
    ("post", "/api/validate", "/api/validate", {"yaml": 5}, PLAN),
    ("post", "/api/scenario/edit", "/api/scenario/edit",
     {"yaml": "a: 1", "changes": [{"path": ["nations", "FRA", "tier"], "value": "lead"}]}, POL),
    ("get", "/api/scenarios/{name}/yaml", "/api/scenarios/mars/yaml", None, PLAN),
    ("post", "/api/versions", "/api/versions", {"name": "x", "yaml": "a: 1"},
     {"Authorization": "Bearer obs-token"}),
    ("get", "/api/versions", "/api/versions", None, {}),
    ("get", "/api/versions/{version_id}", "/api/versions/77", None, PLAN),
    ("get", "/api/versions/{version_id}/download", "/api/versions/77/download", None, PLAN),
    ("post", "/api/versions/{version_id}/accept", "/api/versions/77/accept", None, POL),
    ("post", "/api/versions/{version_id}/reject", "/api/versions/77/reject", None, PLAN),
    ("get", "/api/compare", "/api/compare?a=77&b=78", None, PLAN),
    ("get", "/api/compare/versions", "/api/compare/versions?a=77&b=78", None, PLAN),
    ("post", "/api/whatif", "/api/whatif",
     {"edits": [{"kind": "nation", "value": False, "target": "XXX"}]}, PLAN),
    ("post", "/api/whatif/yaml", "/api/whatif/yaml", {"edits": []}, POL),
]


def test_every_4xx_a_route_gives_is_in_its_openapi_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    api = {p: ops for p, ops in spec["paths"].items() if p.startswith("/api/")}
    for path, ops in api.items():
        for method, op in ops.items():
            assert "401" in op["responses"], f"{method.upper()} {path} does not list 401"
            assert "422" in op["responses"], f"{method.upper()} {path} does not list 422"
    assert {(m, p) for m, p, *_ in BAD_REQUESTS} == {(m, p) for p, ops in api.items() for m in ops}
    for method, template, url, body, headers in BAD_REQUESTS:
        res = client.request(method.upper(), url, json=body, headers=headers)
        assert 400 <= res.status_code < 500, (url, res.status_code, res.text)
        documented = spec["paths"][template][method]["responses"]
        assert str(res.status_code) in documented, f"{method.upper()} {url}: {res.status_code}"
        assert res.json()["detail"], url


def test_scenarios_are_parsed_once_per_content(client: TestClient) -> None:
    name = packaged.DEFAULT_SCENARIO
    served = client.get(f"/api/scenarios/{name}/pledges", headers=POL).json()
    fresh = bundles.scenario_info(willing.load_scenario(name))
    assert served == releasable(fresh["pledges"], USERS["pol-token"]) and served
    assert client.get(f"/api/scenarios/{name}/pledges", headers=POL).json() == served
    listed = client.get("/api/scenarios", headers=POL).json()
    assert listed == client.get("/api/scenarios", headers=POL).json()
    assert [s["name"] for s in listed] == packaged.scenario_names()

    text, file = packaged.scenario_text(name), packaged.scenario_display_path(name)
    sc, info = scenarios.parsed(text, file, None)
    assert scenarios.parsed(text, file, None)[0] is sc  # a hit: no second parse
    old = "- {capability: armoured-battalion, count: 3, readiness_days: 60, regions: [ua-kyiv, ua-west]"
    assert text.count(old) == 1
    edited, edited_info = scenarios.parsed(text.replace(old, old.replace("count: 3", "count: 9")),
                                           file, None)
    assert edited is not sc and edited.sha256 != sc.sha256
    assert edited_info["pledges"] != info["pledges"]
    changed = [(a["count"], b["count"]) for a, b in zip(info["pledges"], edited_info["pledges"],
                                                        strict=True) if a != b]
    assert changed == [(3, 9)]
    small, _ = scenarios.parsed(text, file, "small")
    assert small is not sc and small.force_option == "small"


def test_a_packaged_file_edited_in_place_is_read_again(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    name = packaged.DEFAULT_SCENARIO
    (tmp_path / "scenarios").mkdir()
    path = tmp_path / "scenarios" / f"{name}.yaml"
    path.write_text(packaged.scenario_text(name), encoding="utf-8")
    monkeypatch.setattr(packaged, "DATA", tmp_path)  # a copy of the data a developer edits
    sc, _ = scenarios.packaged_scenario(name)
    assert scenarios.packaged_scenario(name)[0] is sc  # unchanged: no read, no parse
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title:", "title: Edited —", 1), encoding="utf-8")
    edited, _ = scenarios.packaged_scenario(name)
    assert edited is not sc and edited.spec.title.startswith("Edited")


def test_limits_file_keeps_defaults_and_names_bad_lines(tmp_path: Path) -> None:
    f = tmp_path / "limits.yaml"
    f.write_text("max_queued_jobs: 3\nroles:\n  national: {max_draws: 50000}\n", encoding="utf-8")
    limits = load_limits(f)
    default = Limits()
    assert limits.max_queued_jobs == 3 and limits.max_body_bytes == default.max_body_bytes
    assert limits.quota(Role.NATIONAL) == RoleQuota(
        max_draws=50_000, max_active_jobs=default.quota(Role.NATIONAL).max_active_jobs)
    assert limits.quota(Role.PLANNER) == default.quota(Role.PLANNER)
    f.write_text("max_queued_jobs: 3\nroles:\n  national:\n    max_draws: 99999999999\n",
                 encoding="utf-8")
    with pytest.raises(ValueError, match=r"limits\.yaml:4: roles\.national\.max_draws: .*less than"):
        load_limits(f)
    f.write_text("max_jobs: 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"limits\.yaml:1: max_jobs: Extra inputs"):
        load_limits(f)


def test_dashboard_page_is_rendered_from_its_template(client: TestClient) -> None:
    page = client.get("/").text
    assert f"willing <small>{willing.__version__}</small>" in page and "{{" not in page


def test_the_limits_documented_are_the_defaults_and_the_example_loads(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "service.md").read_text(encoding="utf-8")
    section = doc.split("### Limits and quotas", 1)[1].split("\n### ", 1)[0]
    default = Limits()
    for role in Role:
        quota = default.quota(role)
        assert f"| {role.value} | {quota.max_draws:,} | {quota.max_active_jobs}" in section, role
    assert f"`max_body_bytes` (default {default.max_body_bytes:,})" in section
    assert f"`max_queued_jobs` (default {default.max_queued_jobs})" in section
    f = tmp_path / "limits.yaml"
    f.write_text(section.split("```yaml\n", 1)[1].split("```", 1)[0], encoding="utf-8")
    limits = load_limits(f)
    assert limits.quota(Role.NATIONAL) == RoleQuota(max_draws=50_000, max_active_jobs=1)
    assert limits.quota(Role.PLANNER).max_active_jobs == 2
