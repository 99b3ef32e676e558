#!/usr/bin/env python3
"""An analyst's own appraisal of a oneplace model, in plain Python.

This is the peer oneplace is measured against: what an analyst would write
instead of (or to check) the engine, straight from HM Treasury's method for
local partnerships. It is written independently of the Rust code, from the
formulas in the domain primer, reading the same model file and the same
reference data (data/).

    python3 bench/appraise_peer.py examples/family-support.toml            # figures as JSON
    python3 bench/appraise_peer.py examples/family-support.toml --time 2000  # median seconds per evaluation

It supports what the examples use: amounts or phases, price-year
conversion, single or yearly cohorts, lag/duration/drop-off or explicit
profiles, Unit Cost Database or explicit values with kinds, quantity,
shares (or the one agency matching the database's agency), transfers,
cashable shares, optimism bias by grade, and health discounting.
"""

import csv
import json
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("fiscal", "economic", "social")


def fy(text):
    """'2015/16' -> 2015."""
    return int(str(text)[:4])


def load_reference():
    deflator = {}
    index = None
    with open(ROOT / "data/deflators/hmt-march-2015.csv") as f:
        for row in csv.DictReader(f):
            change = float(row["percent_change"])
            index = 100.0 if index is None else (1 + change / 100) * index
            deflator[fy(row["year"])] = index
    schedules = {}
    with open(ROOT / "data/greenbook/discount-schedules.csv") as f:
        for row in csv.DictReader(f):
            schedules.setdefault(row["schedule"], []).append(
                (int(row["from_year"]), int(row["to_year"]) if row["to_year"] else None, float(row["rate_percent"]) / 100)
            )
    grades = {}
    with open(ROOT / "data/optimism-bias/oneplace-default-2026.csv") as f:
        for row in csv.DictReader(f):
            grades[int(row["grade"])] = (float(row["cost_uplift_percent"]) / 100, float(row["benefit_reduction_percent"]) / 100)
    ucd = {}
    with open(ROOT / "data/unit-costs/ucd-v1.4.csv") as f:
        for row in csv.DictReader(f):
            ucd[row["code"].upper()] = row
    return deflator, schedules, grades, ucd


def central(text):
    """The deterministic value of a distribution written as text: the most
    likely value for triangular and PERT, the mean otherwise."""
    name, args = text.strip().split("(", 1)
    name = name.strip().lower()
    if name == "discrete":
        pairs = [a.split(":") for a in args.rstrip(")").split(",")]
        return sum(float(v) * float(p) for v, p in pairs)
    v = [float(a) for a in args.rstrip(")").split(",")]
    if name in ("triangular", "pert"):
        return v[1]
    if name == "uniform":
        return (v[0] + v[1]) / 2
    if name in ("normal", "lognormal") and len(v) == 2:
        return v[0]
    if name == "beta":
        lo, hi = (v[2], v[3]) if len(v) == 4 else (0.0, 1.0)
        return lo + (hi - lo) * v[0] / (v[0] + v[1])
    raise ValueError(f"the peer does not handle {text}")


def rate(x):
    if isinstance(x, str):
        x = x.strip()
        if "(" in x:
            return central(x)
        return float(x[:-1]) / 100 if x.endswith("%") else float(x)
    return float(x)


def pounds(x):
    if isinstance(x, str):
        if "(" in x:
            return central(x)
        return float(x.replace("£", "").replace(",", ""))
    return float(x)


def factors(bands, years, discount_year_zero):
    def r(t):
        for lo, hi, rr in bands:
            if lo <= t and (hi is None or t <= hi):
                return rr
        return bands[-1][2]

    out, df = [], (1 / (1 + r(0)) if discount_year_zero else 1.0)
    for t in range(years):
        if t > 0:
            df /= 1 + r(t)
        out.append(df)
    return out


# The Unit Cost Database's agency names and the model kinds they cover.
UCD_AGENCY_KINDS = {
    "NHS": {"nhs", "icb", "acute-trust", "gp", "mental-health-trust", "community-health-provider"},
    "DWP": {"dwp", "jcp"},
    "POLICE": {"police"},
    "CRIMINAL JUSTICE SYSTEM": {"criminal-justice-system", "court", "legal-aid", "prison", "probation", "youth-offending-team"},
    "LOCAL AUTHORITY": {"local-authority", "county-council", "district-council", "unitary-council", "combined-authority", "social-services", "childrens-services", "housing-services"},
    "HM TREASURY": {"hm-treasury"},
    "HM REVENUE AND CUSTOMS": {"hmrc"},
}


def year_offset(y, first):
    return y if isinstance(y, int) else fy(y) - first


def appraise(model, ref):
    deflator, schedules, grades, ucd = ref
    a = model["appraisal"]
    first, years = fy(a["first_year"]), a["years"]
    base = fy(a.get("price_base", a["first_year"]))
    df = factors(schedules[a.get("discount_schedule", "standard")], years, a.get("discount_year_zero", False))
    dfh = factors(schedules["health"], years, a.get("discount_year_zero", False))
    agencies = {g["id"]: g for g in model["agency"]}
    pv_cost = {k: 0.0 for k in agencies}
    pv_fiscal = {k: 0.0 for k in agencies}
    cost_years = [0.0] * years
    fiscal_years = [0.0] * years
    totals = dict(costs=0.0, fiscal=0.0, cashable=0.0, transfers=0.0, economic=0.0, social=0.0)

    for c in model["cost"]:
        factor = deflator[base] / deflator[fy(c.get("price_year", a.get("price_base", a["first_year"])))]
        amounts = [0.0] * years
        if "amounts" in c:
            for t, x in enumerate(c["amounts"]):
                amounts[t] = pounds(x)
        for p in c.get("phase", []):
            for t in range(year_offset(p["from"], first), year_offset(p["to"], first) + 1):
                amounts[t] = pounds(p["annual"])
        uplift = grades[c["confidence"]][0]
        scale = pounds(c.get("scale", 1))
        for t in range(years):
            x = amounts[t] * factor * scale * (1 + uplift)
            pv_cost[c["agency"]] += x * df[t]
            totals["costs"] += x * df[t]
            cost_years[t] += x

    for o in model["outcome"]:
        cohort = [0.0] * years
        if isinstance(o["cohort"], list):
            for t, x in enumerate(o["cohort"]):
                cohort[t] = pounds(x)
        else:
            cohort[year_offset(o.get("start", 0), first)] = pounds(o["cohort"])
        n_rate = rate(o["engagement"]) * rate(o["success"])
        for key in ("deadweight", "displacement", "leakage"):
            n_rate *= 1 - rate(o.get(key, 0))
        if "profile" in o:
            profile = [pounds(x) for x in o["profile"]] + [0.0] * years
        else:
            lag, duration, drop = o.get("lag", 0), o.get("duration", 1), rate(o.get("drop_off", 0))
            profile = [(1 - drop) ** (k - lag) if lag <= k < lag + duration else 0.0 for k in range(years)]
        volume = [sum(cohort[s] * n_rate * profile[t - s] for s in range(t + 1)) for t in range(years)]
        cashable = {k: rate(agencies[k].get("cashable", 0)) for k in agencies}
        spec = o.get("cashable")
        if isinstance(spec, dict):
            cashable.update({k: rate(v) for k, v in spec.items()})
        elif spec is not None:
            cashable = {k: rate(spec) for k in agencies}
        for v in o["value"]:
            grade = v.get("confidence", o["confidence"])
            per = pounds(v.get("quantity", 1)) * pounds(v.get("scale", 1)) * (1 - grades[grade][1])
            unit = {}
            if "ucd" in v:
                row = ucd[v["ucd"].upper()]
                wanted = v.get("kinds", [k for k in KINDS if row[k + "_value"]])
                for k in wanted:
                    unit[k] = float(row[k + "_value"]) * deflator[base] / deflator[fy(row[k + "_price_year"])]
            else:
                factor = deflator[base] / deflator[fy(v.get("price_year", a.get("price_base", a["first_year"])))]
                for k in KINDS:
                    if k in v:
                        unit[k] = pounds(v[k]) * factor
            if "fiscal" in unit:
                if "shares" in v:
                    shares = {k: rate(x) for k, x in v["shares"].items()}
                elif "ucd" in v:
                    kinds = UCD_AGENCY_KINDS[ucd[v["ucd"].upper()]["agency_level1"].upper()]
                    (only,) = [g["id"] for g in model["agency"] if g["kind"] in kinds]
                    shares = {only: 1.0}
                else:
                    (only,) = agencies
                    shares = {only: 1.0}
                transfer = v.get("transfer", False)
                for t in range(years):
                    for agency, share in shares.items():
                        x = volume[t] * unit["fiscal"] * per * share
                        is_transfer = transfer is True or (isinstance(transfer, list) and agency in transfer)
                        pv_fiscal[agency] += x * df[t]
                        totals["fiscal"] += x * df[t]
                        totals["cashable"] += x * cashable[agency] * df[t]
                        totals["transfers"] += x * df[t] if is_transfer else 0.0
                        fiscal_years[t] += x
            for t in range(years):
                totals["economic"] += volume[t] * unit.get("economic", 0.0) * per * df[t]
                social_df = dfh[t] if o.get("health_discounting", False) else df[t]
                totals["social"] += volume[t] * unit.get("social", 0.0) * per * social_df

    public = totals["fiscal"] - totals["transfers"] + totals["economic"] + totals["social"]
    cumulative, payback = 0.0, None
    for t in range(years):
        cumulative += fiscal_years[t] - cost_years[t]
        if payback is None and sum(cost_years[: t + 1]) > 0 and cumulative >= 0:
            payback = t
    return {
        "npbi": totals["fiscal"] - totals["costs"],
        "financial_roi": totals["fiscal"] / totals["costs"],
        "cashable_financial_roi": totals["cashable"] / totals["costs"],
        "nppv": public - totals["costs"],
        "public_value_roi": public / totals["costs"],
        "payback_year_undiscounted": payback,
        "agencies": {k: {"pv_cost": pv_cost[k], "pv_fiscal_benefit": pv_fiscal[k]} for k in agencies},
    }


def main():
    path = Path(sys.argv[1])
    model = tomllib.loads(path.read_text())
    ref = load_reference()
    if "--time" in sys.argv:
        n = int(sys.argv[sys.argv.index("--time") + 1])
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            appraise(model, ref)
            samples.append(time.perf_counter() - start)
        print(json.dumps({"median_seconds": statistics.median(samples), "runs": n}))
    else:
        print(json.dumps(appraise(model, ref), indent=2))


if __name__ == "__main__":
    main()
