"""Burden sharing: who carries the force against a fair share by key (DESIGN §9).

For one plan, each participating nation's contribution (personnel deployed and cost per year)
is set against its fair share by a key — GDP (default), population or defence budget — with
the ratio contribution / fair share; the inequality of contributions (Gini) and their
concentration (Herfindahl); and the Olson–Zeckhauser check.

*Participating* nations are those force generation owed a fair share: lead- and member-tier
nations with a pledge that can serve some requirement in this state (`PlanResult.by_nation`
has their `fair_share`); a participant that ends up contributing nothing counts with zero —
that is exactly the free riding the analysis is for. The backstop and the host carry no share.

Olson & Zeckhauser, "An Economic Theory of Alliances", *Review of Economics and Statistics*
48(3), 1966, pp. 266–279: in an alliance producing a public good, large members bear a
disproportionate share ("exploitation of the great by the small"). They tested it with a
Spearman rank correlation between GNP and defence spending as a share of GNP across NATO
members. Here: Spearman's ρ between GDP (economic size, whatever the fair-share key) and
relative burden (contribution per US$ bn of GDP), with its two-sided p-value (exact by
permutation up to `EXACT_N` nations, scipy's t approximation above).
"""

from __future__ import annotations

import html
import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from willing.forcegen.plan import fair_key_values
from willing.forcegen.result import PlanResult
from willing.results import Field, Result, Table
from willing.scenario.model import FairShareKey

MEASURES = {"personnel": "personnel", "cost": "cost_musd_per_year"}
"""Contribution measures: deployed personnel, and cost in US$ m per year of the deployed units."""

ALPHA = 0.05
"""Significance level of the Olson–Zeckhauser test (the conventional 5 %; O–Z 1966 used it)."""

EXACT_N = 8
"""Up to this many nations the p-value is exact (all n! orderings, 40,320 at n = 8): the t
approximation scipy uses is poor for few nations (n = 3, ρ = −1 gives p = 0; exactly, 1/3)."""


def gini(values: npt.ArrayLike) -> float:
    """Gini coefficient of non-negative contributions: 0 all equal, (n−1)/n one carries all.

    Sorted-rank form G = Σ (2i − n − 1)·x₍ᵢ₎ / (n · Σx), i = 1..n; NaN for no data or a zero
    total.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n, total = x.size, x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def herfindahl(values: npt.ArrayLike) -> float:
    """Herfindahl–Hirschman index: sum of squared shares; 1 for one contributor, 1/n for n equal."""
    x = np.asarray(values, dtype=float)
    total = x.sum()
    return float(((x / total) ** 2).sum()) if total > 0 else float("nan")


@dataclass
class BurdenSharing(Result):
    """Contributions against fair shares in one plan, with indices and the O–Z check."""

    result: PlanResult
    key: str  # key of the fair shares here
    nations: pd.DataFrame  # one row per participating nation
    indices: pd.DataFrame  # one row per measure: total, Gini, Herfindahl, Gini of ratios
    olson_zeckhauser: pd.DataFrame  # one row per measure: rho, p-value, n, verdict

    PARTS = (
        Field("scenario", lambda b: b.result.scenario.name),
        Field("state", lambda b: b.result.state),
        Field("key"),
        Table("nations", nation="nation", index="nation", title="Nations"),
        Table("indices", title="Inequality and concentration"),
        Table("olson_zeckhauser", title="Olson–Zeckhauser"),
        Field("plan_key", lambda b: str(b.result.scenario.spec.fair_share_key)),
    )

    def heading(self) -> str:
        r = self.result
        return (f"<h3>willing burden sharing — {html.escape(r.scenario.name)}, state {r.state}, "
                f"key {self.key}</h3>")


def burden_sharing(result: PlanResult, key: FairShareKey | str | None = None, *,
                   alpha: float = ALPHA) -> BurdenSharing:
    """Fair shares of a plan by `key` (the scenario's key if None): contributions, ratios,
    Gini, Herfindahl and the Olson–Zeckhauser rank test."""
    sc = result.scenario
    valid = [str(k) for k in FairShareKey]
    key = str(key or sc.spec.fair_share_key)
    if key not in valid:
        raise ValueError(f"unknown fair-share key '{key}'; valid: {', '.join(valid)}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha:g}")
    bn = result.by_nation
    part = bn[bn["fair_share"].notna()]
    iso = list(sc.spec.nations)
    key_all = pd.Series(fair_key_values(sc, key), index=iso)
    gdp_all = pd.Series(fair_key_values(sc, FairShareKey.GDP), index=iso)
    k = key_all.reindex(part.index)
    if len(part) and k.sum() <= 0:
        raise ValueError(f"no participating nation has a '{key}' figure; add it to the "
                         "scenario's nations or to nations.csv")
    df = pd.DataFrame({"name": part["name"], "tier": part["tier"], "key_value": k,
                       "fair_share": k / k.sum() if len(part) else k,
                       "gdp_usd_bn": gdp_all.reindex(part.index)})
    for m, col in MEASURES.items():
        x = part[col].astype(float)
        total = float(x.sum())
        df[m] = x
        df[f"{m}_share"] = x / total if total > 0 else np.nan
        df[f"fair_{m}"] = df["fair_share"] * total
        df[f"{m}_ratio"] = (x / df[f"fair_{m}"]).where(df[f"fair_{m}"] > 0)
    df = df.sort_values("personnel", ascending=False, kind="stable")
    indices = pd.DataFrame([
        {"measure": m, "total": float(df[m].sum()), "gini": gini(df[m]),
         "herfindahl": herfindahl(df[m]), "gini_of_ratios": gini(df[f"{m}_ratio"].dropna()),
         "nations": len(df), "contributing": int((df[m] > 0).sum())}
        for m in MEASURES])
    oz = pd.DataFrame([_olson_zeckhauser(df, m, alpha) for m in MEASURES])
    return BurdenSharing(result=result, key=key, nations=df, indices=indices,
                         olson_zeckhauser=oz)


def exact_spearman_p(x: npt.ArrayLike, y: npt.ArrayLike, rho: float) -> float:
    """Two-sided permutation p-value of Spearman's ρ: the share of all orderings of y's ranks
    whose |ρ| is at least the observed one (average ranks for ties)."""
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    cx = rx - rx.mean()
    perms = np.array(list(itertools.permutations(ry - ry.mean())))
    r = perms @ cx / np.sqrt((cx**2).sum() * ((ry - ry.mean()) ** 2).sum())
    return float(np.mean(np.abs(r) >= abs(rho) - 1e-12))


def _olson_zeckhauser(df: pd.DataFrame, measure: str, alpha: float) -> dict[str, Any]:
    """Spearman's ρ between GDP and contribution per US$ bn of GDP, with its p-value."""
    ok = df[df["gdp_usd_bn"] > 0]
    size = ok["gdp_usd_bn"].to_numpy(float)
    relative = (ok[measure] / ok["gdp_usd_bn"]).to_numpy(float)
    row: dict[str, Any] = {"measure": measure, "n": len(ok), "rho": float("nan"),
                           "p_value": float("nan"), "alpha": alpha}
    if len(ok) < 3 or np.ptp(size) == 0 or np.ptp(relative) == 0:
        row["verdict"] = "not testable: fewer than three nations or no variation"
        return row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        res = stats.spearmanr(size, relative)
    rho = float(res.statistic)
    p = exact_spearman_p(size, relative, rho) if len(ok) <= EXACT_N else float(res.pvalue)
    row.update(rho=rho, p_value=p)
    if p < alpha and rho > 0:
        row["verdict"] = (f"large economies carry a disproportionate {measure} burden "
                          "(Olson–Zeckhauser holds)")
    elif p < alpha:
        row["verdict"] = (f"small economies carry more {measure} relative to their size "
                          "(the reverse of Olson–Zeckhauser)")
    else:
        row["verdict"] = (f"no significant relation between economic size and relative "
                          f"{measure} burden at the {alpha:g} level")
    return row


__all__ = ["ALPHA", "EXACT_N", "MEASURES", "BurdenSharing", "burden_sharing",
           "exact_spearman_p", "gini", "herfindahl"]
