#!/usr/bin/env python3
"""The Monte Carlo benchmark peer: a vectorised NumPy evaluation of a oneplace
model over the very draws oneplace made.

oneplace exports every draw of a simulation (`--export-draws FILE.npy`: one
column per uncertain input in model units, then npbi, nppv, financial_roi,
public_value_roi). This script builds the model's numbers from the TOML file
and the reference data in data/ (with the helpers of bench/appraise_peer.py,
the independent plain-Python appraisal), sets each input column by its path,
evaluates the four outputs for all draws at once with NumPy, checks them
against oneplace's own outputs, and times the evaluation alone (file loading
excluded).

    oneplace appraise M.toml --simulate 1000 --seed 1 --export-draws names.csv
    oneplace appraise M.toml --simulate 1000000 --seed 1 --export-draws draws.npy
    python3 bench/simulate_numpy.py M.toml draws.npy names.csv [--reps 7] [--json OUT]
        [--block 16384] [--variants folded,folded-blocked,kernel-order]

It prints each variant's check on standard error and a JSON summary (draws,
the fastest variant's median seconds and seconds per draw, every variant's)
on standard output; --json writes the full result, with every sample. It
exits non-zero when a check fails.

NAMES is any CSV export of the same model (only its header row is read); a
.npy export carries no names. With a .csv DRAWS file, NAMES may be omitted.

Three evaluations are timed; all are vectorised over draws and loop only over
cost lines, outcomes, value lines and years:

* `folded`: what a NumPy user would write. Whatever is not drawn is folded
  into Python floats once per evaluation, so only drawn inputs cost array
  operations (35 for family-support); present values use the algebra
  PV(volume) = sum_s cohort_s * sum_k profile_k * DF(s + k), so starters and
  profiles cost O(years) array operations, not O(years^2).
* `folded-blocked`: the same array operations, recorded once (Plan) and
  replayed over blocks of draws (--block) in a few reused buffers, so they
  stay in cache. Usually the fastest; the summary reports the fastest.
* `kernel-order`: a transcription of the Rust kernel's per-draw loops
  (crates/oneplace-appraise/src/uncertainty/kernel.rs) with arrays in place of
  scalars, in the kernel's order of operations, so its outputs can be compared
  bit for bit with a model oneplace evaluates with the kernel (one with a
  drawn drop-off). Models whose inputs fold (family-support's do) oneplace
  evaluates with the folded form (folded.rs), which sums in another order:
  every variant then agrees with it to rounding, none bit for bit.

Input paths understood (crates/oneplace-appraise/src/params.rs):
cost.ID.scale, cost.ID[FY], cost.ID[FY..FY], outcome.ID.cohort[FY],
outcome.ID.cohort.scale, outcome.ID.{engagement,success,deadweight,
displacement,leakage}, outcome.ID.drop_off, outcome.ID.profile[K],
outcome.ID.value[N].{quantity,scale,fiscal,economic,social}, and
outcome.ID.cashable[.AGENCY] (which moves none of the four outputs). Anything
else stops the script.
"""

import argparse
import copy
import csv
import json
import re
import statistics
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # leave no __pycache__ in bench/
sys.path.insert(0, str(Path(__file__).resolve().parent))
import appraise_peer as peer  # noqa: E402

OUTPUTS = ("npbi", "nppv", "financial_roi", "public_value_roi")
RATES = ("engagement", "success", "deadweight", "displacement", "leakage")
KIND_INDEX = {"fiscal": 0, "economic": 1, "social": 2}


# ---------------------------------------------------------------------------
# The model as flat numbers (each a Python float until a draw replaces it
# with an array of shape (draws,)).


def build(model, ref):
    """The model's numbers, as oneplace's validated model holds them: every
    amount in the price base, optimism bias resolved to factors, values
    resolved to units and shares. Follows bench/appraise_peer.py."""
    deflator, schedules, grades, ucd = ref
    a = model["appraisal"]
    first, years = peer.fy(a["first_year"]), a["years"]
    base = peer.fy(a.get("price_base", a["first_year"]))
    zero = a.get("discount_year_zero", False)
    agencies = [g["id"] for g in model["agency"]]
    index = {k: i for i, k in enumerate(agencies)}
    kinds = {g["id"]: g["kind"] for g in model["agency"]}
    m = {
        "first": first,
        "years": years,
        "df": peer.factors(schedules[a.get("discount_schedule", "standard")], years, zero),
        "df_health": peer.factors(schedules["health"], years, zero),
        "agencies": agencies,
        "costs": [],
        "outcomes": [],
    }
    for c in model["cost"]:
        factor = deflator[base] / deflator[peer.fy(c.get("price_year", a.get("price_base", a["first_year"])))]
        amounts = [0.0] * years
        for t, x in enumerate(c.get("amounts", [])):
            amounts[t] = peer.pounds(x) * factor
        for p in c.get("phase", []):
            for t in range(peer.year_offset(p["from"], first), peer.year_offset(p["to"], first) + 1):
                amounts[t] = peer.pounds(p["annual"]) * factor
        m["costs"].append({
            "id": c["id"],
            "agency": index[c["agency"]],
            "amounts": amounts,
            "scale": peer.pounds(c.get("scale", 1)),
            "uplift": grades[c["confidence"]][0],
        })
    for o in model["outcome"]:
        cohort = [0.0] * years
        if isinstance(o["cohort"], list):
            for t, x in enumerate(o["cohort"]):
                cohort[t] = peer.pounds(x)
        else:
            cohort[peer.year_offset(o.get("start", 0), first)] = peer.pounds(o["cohort"])
        if "profile" in o:
            shape = None
            profile = ([peer.pounds(x) for x in o["profile"]] + [0.0] * years)[:years]
        else:
            shape = {"lag": o.get("lag", 0), "duration": o.get("duration", 1), "drop_off": peer.rate(o.get("drop_off", 0))}
            profile = shape_profile(shape, years)
        values = []
        for v in o["value"]:
            grade = v.get("confidence", o["confidence"])
            unit = [0.0, 0.0, 0.0]
            present = [False, False, False]
            if "ucd" in v:
                row = ucd[v["ucd"].upper()]
                wanted = v.get("kinds", [k for k in peer.KINDS if row[k + "_value"]])
                for k in wanted:
                    unit[KIND_INDEX[k]] = float(row[k + "_value"]) * deflator[base] / deflator[peer.fy(row[k + "_price_year"])]
                    present[KIND_INDEX[k]] = True
            else:
                factor = deflator[base] / deflator[peer.fy(v.get("price_year", a.get("price_base", a["first_year"])))]
                for k in peer.KINDS:
                    if k in v:
                        unit[KIND_INDEX[k]] = peer.pounds(v[k]) * factor
                        present[KIND_INDEX[k]] = True
            shares = []
            if present[0]:
                if "shares" in v:
                    split = {k: peer.rate(x) for k, x in v["shares"].items()}
                elif "ucd" in v:
                    wanted_kinds = peer.UCD_AGENCY_KINDS[ucd[v["ucd"].upper()]["agency_level1"].upper()]
                    (only,) = [g for g in agencies if kinds[g] in wanted_kinds]
                    split = {only: 1.0}
                else:
                    (only,) = agencies
                    split = {only: 1.0}
                transfer = v.get("transfer", False)
                for agency, share in split.items():
                    is_transfer = transfer is True or (isinstance(transfer, list) and agency in transfer)
                    shares.append((index[agency], share, is_transfer))
            values.append({
                "quantity": peer.pounds(v.get("quantity", 1)),
                "scale": peer.pounds(v.get("scale", 1)),
                "unit": unit,
                "present": present,
                "reduction": grades[grade][1],
                "shares": shares,
            })
        m["outcomes"].append({
            "id": o["id"],
            "cohort": cohort,
            "cohort_scale": 1.0,
            "rates": [peer.rate(o.get(r, 0)) for r in RATES],
            "shape": shape,
            "profile": profile,
            "health": o.get("health_discounting", False),
            "values": values,
        })
    return m


def shape_profile(shape, years):
    """Nothing for `lag` years, then (1 − drop_off)^k for `duration` years;
    drop_off may be an array of draws (the powers are built by repeated
    multiplication, as Rust's powi does for small exponents)."""
    lag, duration, drop = shape["lag"], shape["duration"], shape["drop_off"]
    keep = 1.0 - drop
    out, power = [], 1.0
    for k in range(years):
        if k < lag or k >= lag + duration:
            out.append(0.0)
        else:
            out.append(power)
            power = power * keep
    return out


# ---------------------------------------------------------------------------
# Setting inputs by path.

FY = r"(\d{4}/\d{2})"
PATTERNS = [
    ("cost_scale", re.compile(r"^cost\.(?P<id>.+)\.scale$")),
    ("cost_years", re.compile(rf"^cost\.(?P<id>.+)\[{FY}(?:\.\.{FY})?\]$")),
    ("cohort_scale", re.compile(r"^outcome\.(?P<id>.+)\.cohort\.scale$")),
    ("cohort_year", re.compile(rf"^outcome\.(?P<id>.+)\.cohort\[{FY}\]$")),
    ("rate", re.compile(r"^outcome\.(?P<id>.+)\.(engagement|success|deadweight|displacement|leakage)$")),
    ("drop_off", re.compile(r"^outcome\.(?P<id>.+)\.drop_off$")),
    ("profile_year", re.compile(r"^outcome\.(?P<id>.+)\.profile\[(\d+)\]$")),
    ("value", re.compile(r"^outcome\.(?P<id>.+)\.value\[(\d+)\]\.(quantity|scale|fiscal|economic|social)$")),
    ("cashable", re.compile(r"^outcome\.(?P<id>.+)\.cashable(?:\.(.+))?$")),
]


class Unsupported(Exception):
    pass


def resolve(m, path):
    """(kind, where) for an input path, or Unsupported."""
    for kind, pattern in PATTERNS:
        match = pattern.match(path)
        if not match:
            continue
        ident = match.group("id")
        group = "costs" if kind.startswith("cost") else "outcomes"
        found = [i for i, x in enumerate(m[group]) if x["id"] == ident]
        if not found:
            continue  # e.g. an id with a dot: try the other patterns
        i = found[0]
        years = m["years"]

        def year(text):
            t = peer.fy(text) - m["first"]
            if not 0 <= t < years:
                raise Unsupported(f"{path}: {text} is outside the appraisal")
            return t

        g = match.groups()
        if kind == "cost_years":
            lo = year(g[1])
            hi = year(g[2]) if g[2] else lo
            return kind, (i, lo, hi)
        if kind == "cohort_year":
            return kind, (i, year(g[1]))
        if kind == "rate":
            return kind, (i, RATES.index(g[1]))
        if kind == "profile_year":
            k = int(g[1])
            if not 0 <= k < years:
                raise Unsupported(f"{path}: year {k} is outside the appraisal")
            return kind, (i, k)
        if kind == "value":
            n = int(g[1])
            if not 1 <= n <= len(m["outcomes"][i]["values"]):
                raise Unsupported(f"{path}: outcome {ident} has {len(m['outcomes'][i]['values'])} value lines")
            return kind, (i, n - 1, g[2])
        if kind == "cashable":
            if g[1] is not None and g[1] not in m["agencies"]:
                raise Unsupported(f"{path}: no agency {g[1]}")
        return kind, (i,)
    raise Unsupported(f"the NumPy peer does not understand the input path {path!r}")


def apply_inputs(base, names, columns):
    """A copy of the model with each input set to its column of draws. Only
    the containers are copied; the columns are used as they are."""
    m = copy.deepcopy(base)
    for name, column in zip(names, columns):
        kind, where = resolve(m, name)
        if kind == "cost_scale":
            m["costs"][where[0]]["scale"] = column
        elif kind == "cost_years":
            i, lo, hi = where
            for t in range(lo, hi + 1):
                m["costs"][i]["amounts"][t] = column
        elif kind == "cohort_scale":
            m["outcomes"][where[0]]["cohort_scale"] = column
        elif kind == "cohort_year":
            m["outcomes"][where[0]]["cohort"][where[1]] = column
        elif kind == "rate":
            m["outcomes"][where[0]]["rates"][where[1]] = column
        elif kind == "drop_off":
            o = m["outcomes"][where[0]]
            if o["shape"] is not None:  # an explicit profile has no drop-off: oneplace ignores it too
                o["shape"]["drop_off"] = column
                o["profile"] = shape_profile(o["shape"], m["years"])
        elif kind == "profile_year":
            m["outcomes"][where[0]]["profile"][where[1]] = column
        elif kind == "value":
            i, v, field = where
            line = m["outcomes"][i]["values"][v]
            if field in KIND_INDEX:
                line["unit"][KIND_INDEX[field]] = column
            else:
                line[field] = column
        elif kind == "cashable":
            pass  # moves only the cashable ROI, which is not exported
    return m


# ---------------------------------------------------------------------------
# Folded evaluation: scalars stay Python floats, arrays only where drawn.


def is_array(x):
    return isinstance(x, (np.ndarray, Node))


def total(terms):
    """The sum: the floats added as floats, then one addition per array."""
    const, arrays = 0.0, []
    for x in terms:
        if is_array(x):
            arrays.append(x)
        else:
            const += x
    if not arrays:
        return const
    if len(arrays) == 1:
        return arrays[0] + const if const != 0.0 else arrays[0]
    acc = arrays[0] + arrays[1]  # a new array: never write into an input column
    for x in arrays[2:]:
        acc += x
    if const != 0.0:
        acc += const
    return acc


def mul(*factors):
    """The product: the floats multiplied as floats, then one multiplication
    per array (none when a float factor is zero: draws are finite)."""
    const, arrays = 1.0, []
    for f in factors:
        if is_array(f):
            arrays.append(f)
        else:
            const *= f
    if not arrays or const == 0.0:
        return const
    out = arrays[0] * const if const != 1.0 else arrays[0]
    for a in arrays[1:]:
        out = out * a  # a new array: never write into an input column
    return out


def lin(pairs):
    """sum(c * x) over (c, x), c a float."""
    return total([mul(c, x) for c, x in pairs])


def pv_volume(cohort, profile, df):
    """PV of outcomes in benefit per unit success rate:
    sum_s cohort_s sum_k profile_k DF(s + k), s + k < years."""
    years = len(df)
    if not any(is_array(x) for x in profile):
        weights = [sum(profile[k] * df[s + k] for k in range(years - s)) for s in range(years)]
        return lin(zip(weights, cohort))
    if not any(is_array(x) for x in cohort):
        weights = [sum(cohort[s] * df[s + k] for s in range(years - k)) for k in range(years)]
        return lin(zip(weights, profile))
    # Both drawn: O(years^2) array operations.
    return total([mul(cohort[s], lin((df[s + k], profile[k]) for k in range(years - s))) for s in range(years)])


def evaluate_folded(m):
    return headline(*evaluate_folded_parts(m))


def evaluate_folded_parts(m):
    """(PV fiscal benefit, PV public value, PV costs)."""
    df, dfh = m["df"], m["df_health"]
    pv_costs = total([mul(c["scale"], 1.0 + c["uplift"], lin(zip(df, c["amounts"]))) for c in m["costs"]])
    fiscal, public = [], []
    for o in m["outcomes"]:
        r = o["rates"]
        rate = mul(r[0], r[1], 1.0 - r[2], 1.0 - r[3], 1.0 - r[4], o["cohort_scale"])
        # Per successful outcome per year: fiscal benefit; public value at
        # the outcome's discounting; public value at health discounting.
        fiscal_unit, public_unit, social_unit = [], [], []
        for v in o["values"]:
            per = mul(v["quantity"], v["scale"], 1.0 - v["reduction"])
            shares = sum(s for _, s, _ in v["shares"])
            transfers = sum(s for _, s, t in v["shares"] if t)
            uf, ue, us = v["unit"]
            fiscal_unit.append(mul(per, uf, shares))
            if o["health"]:
                public_unit.append(mul(per, total([mul(uf, shares - transfers), ue])))
                social_unit.append(mul(per, us))
            else:
                public_unit.append(mul(per, total([mul(uf, shares - transfers), ue, us])))
        volume = [rate, pv_volume(o["cohort"], o["profile"], df)]
        if all(is_array(x) for x in volume):
            volume = [mul(*volume)]
        fiscal.append(mul(*volume, total(fiscal_unit)))
        public.append(mul(*volume, total(public_unit)))
        if o["health"]:
            public.append(mul(rate, pv_volume(o["cohort"], o["profile"], dfh), total(social_unit)))
    return total(fiscal), total(public), pv_costs


def headline(fiscal, public, costs):
    n = max((x.shape[0] for x in (fiscal, public, costs) if is_array(x)), default=1)
    fiscal, public, costs = (np.broadcast_to(np.asarray(x, dtype=float), (n,)) for x in (fiscal, public, costs))
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = costs > 0.0
        return {
            "npbi": fiscal - costs,
            "nppv": public - costs,
            "financial_roi": np.where(positive, fiscal / costs, np.nan),
            "public_value_roi": np.where(positive, public / costs, np.nan),
        }


class Node:
    """An array operation recorded instead of done. Running the folded
    evaluation once on Nodes leaves only its array work (every float already
    folded), which is then replayed block by block."""

    __array_priority__ = 1000

    def __init__(self, op, args):
        self.op, self.args = op, args

    def __mul__(self, o):
        return Node(np.multiply, (self, o))

    def __rmul__(self, o):
        return Node(np.multiply, (o, self))

    def __add__(self, o):
        return Node(np.add, (self, o))

    def __radd__(self, o):
        return Node(np.add, (o, self))

    def __sub__(self, o):
        return Node(np.subtract, (self, o))

    def __rsub__(self, o):
        return Node(np.subtract, (o, self))

    def __truediv__(self, o):
        return Node(np.divide, (self, o))


class Plan:
    """The folded evaluation's array operations as a list of ufunc calls into
    a few reused buffers (so a block's working set stays in cache), ending in
    the four outputs."""

    def __init__(self, base, names):
        inputs = [Node("input", (j,)) for j in range(len(names))]
        fiscal, public, costs = evaluate_folded_parts(apply_inputs(base, names, inputs))
        if not is_array(costs):
            costs_inverse = 1.0 / costs if costs > 0.0 else float("nan")
            outputs = [fiscal - costs, public - costs, fiscal * costs_inverse, public * costs_inverse]
        else:
            outputs = [fiscal - costs, public - costs, Node(np.divide, (fiscal, costs)), Node(np.divide, (public, costs))]
        self.costs = costs
        order, seen = [], set()

        def visit(x):
            if isinstance(x, Node) and x.op != "input" and id(x) not in seen:
                seen.add(id(x))
                for a in x.args:
                    visit(a)
                order.append(x)

        for x in outputs:
            visit(x)
        last = {}
        for i, x in enumerate(order):
            for a in x.args:
                last[id(a)] = i
        # An output no step reads is written straight into the output array.
        direct = {id(x): j for j, x in enumerate(outputs) if isinstance(x, Node) and id(x) not in last}
        for x in outputs:
            last[id(x)] = len(order)

        def ref(a):
            if not isinstance(a, Node):
                return a
            if a.op == "input":
                return ("in", a.args[0])
            return slot[id(a)]

        # Steps: (ufunc, args, target); an arg or target is ("in", column),
        # ("buf", k), ("out", j) or a float. A buffer is reused once its
        # value is dead (a ufunc may write over its own input).
        slot, free, self.steps, self.buffers = {}, [], [], 0
        for i, x in enumerate(order):
            args = [ref(a) for a in x.args]
            for a in {id(a): a for a in x.args if isinstance(a, Node) and a.op != "input"}.values():
                if last[id(a)] == i:
                    free.append(slot[id(a)][1])
            if id(x) in direct:
                slot[id(x)] = ("out", direct[id(x)])
            else:
                if free:
                    k = free.pop()
                else:
                    k, self.buffers = self.buffers, self.buffers + 1
                slot[id(x)] = ("buf", k)
            self.steps.append((x.op, args, slot[id(x)]))
        self.copies = [(j, ref(x)) for j, x in enumerate(outputs) if id(x) not in direct]
        self.costs_ref = ref(costs)

    def run(self, columns, lo, hi, buffers, outs):
        """Writes the outputs for draws lo..hi into outs[j][lo:hi], working
        in `buffers`."""
        where = {"buf": [b[: hi - lo] for b in buffers], "in": [c[lo:hi] for c in columns], "out": [o[lo:hi] for o in outs]}

        def get(a):
            return where[a[0]][a[1]] if type(a) is tuple else a

        for op, args, target in self.steps:
            op(*[get(a) for a in args], out=get(target))
        for j, r in self.copies:
            where["out"][j][...] = get(r)
        if is_array(self.costs):
            loss = get(self.costs_ref) <= 0.0
            if loss.any():
                for j in (2, 3):
                    where["out"][j][loss] = np.nan


def evaluate_blocked(plan, columns, block):
    n = columns[0].shape[0]
    outs = [np.empty(n) for _ in OUTPUTS]
    buffers = [np.empty(min(block, n)) for _ in range(plan.buffers)]
    with np.errstate(divide="ignore", invalid="ignore"):
        for lo in range(0, n, block):
            plan.run(columns, lo, min(n, lo + block), buffers, outs)
    return dict(zip(OUTPUTS, outs))


# ---------------------------------------------------------------------------
# The Rust kernel's loops, transcribed: arrays in place of scalars, the same
# order of operations (so the outputs can match bit for bit).


def evaluate_kernel_order(m, n):
    df, dfh = m["df"], m["df_health"]
    years = m["years"]
    zeros = lambda: np.zeros(n)  # noqa: E731
    agency_fiscal = [zeros() for _ in m["agencies"]]
    pv_costs = zeros()
    for c in m["costs"]:
        k = c["scale"] * (1.0 + c["uplift"])
        pv = zeros()
        for t, a in enumerate(c["amounts"]):
            pv = pv + (a * k) * df[t]
        pv_costs = pv_costs + pv
    pv_transfers, pv_economic, pv_social = zeros(), zeros(), zeros()
    for o in m["outcomes"]:
        # evaluate::outcome_volume(cohort, 1.0, profile), skipping starters
        # that are zero in every draw (oneplace skips them draw by draw).
        volume = [zeros() for _ in range(years)]
        for s, starters in enumerate(o["cohort"]):
            if not np.any(starters != 0.0):
                continue
            for t in range(s, years):
                volume[t] = volume[t] + starters * 1.0 * o["profile"][t - s]
        pv_volume, pv_volume_health = zeros(), zeros()
        for t in range(years):
            pv_volume = pv_volume + volume[t] * df[t]
            pv_volume_health = pv_volume_health + volume[t] * dfh[t]
        r = o["rates"]
        rate = r[0] * r[1] * (1.0 - r[2]) * (1.0 - r[3]) * (1.0 - r[4]) * o["cohort_scale"]
        for v in o["values"]:
            per = rate * v["quantity"] * v["scale"] * (1.0 - v["reduction"])
            fiscal = v["unit"][0] * per
            pv_line = fiscal * pv_volume
            for a, share, transfer in v["shares"]:
                x = pv_line * share
                agency_fiscal[a] = agency_fiscal[a] + x
                if transfer:
                    pv_transfers = pv_transfers + x
            pv_economic = pv_economic + v["unit"][1] * per * pv_volume
            social_pv = pv_volume_health if o["health"] else pv_volume
            pv_social = pv_social + v["unit"][2] * per * social_pv
    pv_fiscal = zeros()
    for x in agency_fiscal:
        pv_fiscal = pv_fiscal + x
    public = pv_fiscal - pv_transfers + pv_economic + pv_social
    return headline(pv_fiscal, public, pv_costs)


# ---------------------------------------------------------------------------


def read_names(path):
    with open(path, newline="") as f:
        return next(csv.reader(f))


def load_draws(draws_path, names_path):
    """(input names, input columns as contiguous arrays, oneplace's outputs)."""
    if draws_path.suffix.lower() == ".csv":
        names = read_names(draws_path)
        matrix = np.loadtxt(draws_path, delimiter=",", skiprows=1, ndmin=2)
    else:
        if names_path is None:
            sys.exit("a .npy export has no column names: give a CSV export of the same model as NAMES")
        names = read_names(names_path)
        matrix = np.load(draws_path)
    if matrix.ndim != 2 or matrix.shape[1] != len(names):
        sys.exit(f"{draws_path}: {matrix.shape} columns, but {names_path or draws_path} names {len(names)}")
    if tuple(names[-4:]) != OUTPUTS:
        sys.exit(f"expected the last four columns to be {', '.join(OUTPUTS)}, not {names[-4:]}")
    columns = [np.ascontiguousarray(matrix[:, j]) for j in range(matrix.shape[1])]
    inputs = names[:-4]
    outputs = dict(zip(OUTPUTS, columns[-4:]))
    return inputs, columns[:-4], outputs


def compare(ours, theirs):
    """Per output: max |a − b| / max(|a|, |b|) (0 where both are 0, NaN where
    exactly one is NaN), and how many draws are bitwise equal."""
    out = {}
    for k in OUTPUTS:
        a, b = ours[k], theirs[k]
        both_nan = np.isnan(a) & np.isnan(b)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.maximum(np.abs(a), np.abs(b))
            rel = np.where(scale > 0, np.abs(a - b) / scale, 0.0)
        rel = np.where(both_nan, 0.0, rel)
        rel = np.where(np.isnan(rel), np.inf, rel)
        out[k] = {"max_rel_diff": float(rel.max()), "bitwise_equal": int(np.sum((a == b) | both_nan))}
    return out


def timed(f, reps):
    f()  # warm up: page in, allocator settled
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", type=Path)
    p.add_argument("draws", type=Path, help="--export-draws output: .npy (or .csv)")
    p.add_argument("names", type=Path, nargs="?", help="a CSV export of the same model, for the column names")
    p.add_argument("--reps", type=int, default=7, help="timed repetitions (median reported)")
    p.add_argument("--block", type=int, default=16384, help="draws per block for folded-blocked")
    p.add_argument("--tolerance", type=float, default=1e-9)
    p.add_argument("--json", type=Path, help="also write the JSON result here")
    p.add_argument("--variants", default="folded,folded-blocked,kernel-order", help="comma-separated evaluations to check and time")
    args = p.parse_args()

    model = tomllib.loads(args.model.read_text())
    base = build(model, peer.load_reference())
    names, columns, exported = load_draws(args.draws, args.names)
    n = columns[0].shape[0]
    try:
        for name in names:
            resolve(base, name)
    except Unsupported as e:
        sys.exit(f"error: {e}")

    # The base case (no draws applied) must be the plain-Python peer's.
    central = evaluate_folded(base)
    reference = peer.appraise(model, peer.load_reference())
    for k in OUTPUTS:
        x, y = float(central[k][0]), reference[k]
        if abs(x - y) > args.tolerance * max(abs(x), abs(y)):
            sys.exit(f"error: base case {k} = {x!r}, but bench/appraise_peer.py gives {y!r}")

    variants = {
        "folded": lambda: evaluate_folded(apply_inputs(base, names, columns)),
        "folded-blocked": lambda: evaluate_blocked(Plan(base, names), columns, args.block),
        "kernel-order": lambda: evaluate_kernel_order(apply_inputs(base, names, columns), n),
    }
    wanted = args.variants.split(",")
    unknown = set(wanted) - set(variants)
    if unknown:
        sys.exit(f"error: no variant {', '.join(sorted(unknown))} (there are {', '.join(variants)})")
    variants = {k: variants[k] for k in wanted}
    result = {"model": str(args.model), "draws": n, "inputs": names, "numpy": np.__version__, "reps": args.reps, "variants": {}}
    ok = True
    for label, f in variants.items():
        check = compare(f(), exported)
        worst = max(c["max_rel_diff"] for c in check.values())
        passed = worst <= args.tolerance
        ok &= passed
        equal = min(c["bitwise_equal"] for c in check.values())
        print(
            f"check {label:>15}: max relative difference from oneplace {worst:.3g} "
            f"({'≤' if passed else 'EXCEEDS'} {args.tolerance:g}); bitwise equal in {equal}/{n} draws (worst output)",
            file=sys.stderr,
        )
        median, samples = timed(f, args.reps)
        result["variants"][label] = {
            "median_seconds": median,
            "seconds_per_draw": median / n,
            "samples": samples,
            "max_rel_diff": worst,
            "check": check,
        }
    best = min(result["variants"], key=lambda k: result["variants"][k]["median_seconds"])
    result.update(
        best=best,
        median_seconds=result["variants"][best]["median_seconds"],
        seconds_per_draw=result["variants"][best]["seconds_per_draw"],
        check_passed=ok,
    )
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    summary = {k: result[k] for k in ("draws", "best", "median_seconds", "seconds_per_draw", "check_passed")}
    summary["by_variant"] = {
        k: {"seconds_per_draw": v["seconds_per_draw"], "median_seconds": v["median_seconds"], "max_rel_diff": v["max_rel_diff"]}
        for k, v in result["variants"].items()
    }
    print(json.dumps(summary, indent=2))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
