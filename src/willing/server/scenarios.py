"""Packaged scenarios as the service shows them, parsed once per content.

Parsing and validating a scenario takes about 170 ms, and the dashboard asks for the scenario
list and the pledges on every page load. The parsed form is kept under the SHA-256 of the
file's text and the force option, so an edited file is parsed afresh and an unchanged one never
again; the file is read and hashed only when its size or modification time changed.
"""

from __future__ import annotations

import gc
import hashlib
from threading import Lock
from typing import Any

from cachetools import LRUCache, cached

from willing.report import bundle as bundles
from willing.scenario import Scenario, packaged, parse_scenario

CACHED_SCENARIOS = 32
"""Parsed scenarios kept (each a few MB at most; packaged scenarios × force options)."""


def _key(text: str, file: str, force_option: str | None) -> tuple[str, str, str | None]:
    return hashlib.sha256(text.encode()).hexdigest(), file, force_option


@cached(LRUCache(maxsize=CACHED_SCENARIOS), key=_key, lock=Lock())
def parsed(text: str, file: str, force_option: str | None) -> tuple[Scenario, dict[str, Any]]:
    """The scenario of `text` and its `scenario_info` (pledges, nations, assumptions), computed
    once per (content hash, file, force option); raises `ScenarioError` as `parse_scenario`."""
    sc = parse_scenario(text, file, force_option=force_option)
    return sc, bundles.scenario_info(sc)


def packaged_scenario(name: str, force_option: str | None = None) -> tuple[Scenario, dict[str, Any]]:
    """A packaged scenario by name, through `parsed`. Its file is read and hashed again only
    when its size or modification time changed: a `stat` per request, where reading and
    hashing both files was most of the CPU time of an `/api/scenarios` read (bench/service.py)."""
    st = (packaged.DATA / "scenarios" / f"{name}.yaml").stat()
    return _packaged(name, st.st_mtime_ns, st.st_size, force_option)


@cached(LRUCache(maxsize=CACHED_SCENARIOS), lock=Lock())
def _packaged(name: str, _mtime_ns: int, _size: int,
              force_option: str | None) -> tuple[Scenario, dict[str, Any]]:
    out = parsed(packaged.scenario_text(name), packaged.scenario_display_path(name), force_option)
    # A packaged scenario is read for the server's life (a few per file and force option), so
    # it is moved out of the collector's reach: a full collection no longer walks its objects
    # after every few reads (p95 of the reads 405 → 245-310 ms, bench/service.py). Texts from
    # users are not frozen: their parses leave the cache and must be collected.
    gc.collect()
    gc.freeze()
    return out


def listing(name: str) -> dict[str, Any]:
    """What `/api/scenarios` says of one packaged scenario."""
    sc, _info = packaged_scenario(name)
    return {"name": name, "title": sc.spec.title or name, "states": sc.states,
            "default_state": sc.default_state, "force_options": list(sc.spec.force_options),
            "force_option": sc.force_option}


__all__ = ["listing", "packaged_scenario", "parsed"]
