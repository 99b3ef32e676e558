#!/usr/bin/env bash
# Measurement benchmark: `oneplace measure run` against DuckDB and Polars
# (from PyPI) on the same synthetic activity, in one run on this machine.
#
#     bench/measure.sh
#
# Settings (environment): PEOPLE ("30000 300000 3000000": about 1M, 10M and
# 100M events), SEED (1), RUNS (3 timed runs per command, median taken),
# RUNS_BIG (1, from a million people), SKIP_BUILD=1 (use the release binary
# as it is).
#
# For each size:
#   1. `oneplace synth activity --events parquet` writes the events
#      (Parquet), the cohort and the costing map; the spec's bootstrap is
#      turned off (the peers compute no intervals), so every tool does the
#      same work: read the events, join each to its cohort member and its
#      unit cost, keep those in the member's 12 months before or after
#      start, and sum cost per person, agency and window and arrests per
#      person and window;
#   2. oneplace runs once to report its costing, which the peers are given
#      as their unit costs, and the three tools' totals by agency and
#      window are checked to agree;
#   3. each is timed with hyperfine (median of RUNS) and its peak memory
#      taken with /usr/bin/time -v. oneplace's time includes checking every
#      row (the peers check none); the peers run with two threads, as
#      oneplace does on this two-core machine.
set -euo pipefail

cd "$(dirname "$0")/.."
PEOPLE=${PEOPLE:-30000 300000 3000000}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
RUNS_BIG=${RUNS_BIG:-1}
BIN=target/release/oneplace
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oneplace-measurebench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say() { printf '\n== %s\n' "$*" >&2; }

command -v hyperfine >/dev/null || apt-get install -y hyperfine >&2
[[ -x /usr/bin/time ]] || apt-get install -y time >&2
python3 -c 'import duckdb, polars' 2>/dev/null || pip install duckdb polars >&2

if [[ "${SKIP_BUILD:-0}" != 1 || ! -x "$BIN" ]]; then
    say "building $BIN"
    cargo build --release --bin oneplace >&2
fi

median() { # name command...
    local name=$1 runs=$RUNS
    shift
    ((${n:-0} >= 1000000)) && runs=$RUNS_BIG
    hyperfine --style none --runs "$runs" --warmup 0 \
        --export-json "$WORK/$name.json" "$*" >&2
    python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/$name.json"
}

peak() {
    /usr/bin/time -v "$@" 2>"$WORK/time.txt" >/dev/null
    awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/time.txt"
}

rows=()
for n in $PEOPLE; do
    d="$WORK/people-$n"
    say "$n people: writing synthetic activity"
    "$BIN" synth activity --people "$n" --seed "$SEED" --out "$d" --events parquet
    sed -i 's/^samples = .*/samples = 0/' "$d/measure.toml"
    "$BIN" measure run "$d/measure.toml" --format json --out "$d/ours.json"
    python3 - "$d" <<'PY'
import json, sys
d = sys.argv[1]
m = json.load(open(f"{d}/ours.json"))
with open(f"{d}/unit_costs.csv", "w") as f:
    f.write("event_type,unit_cost,agency\n")
    for c in m["costing"]:
        f.write(f"{c['event_type']},{c['unit_cost']!r},{c['agency']}\n")
PY
    events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events_read"])' "$d/ours.json")
    say "$n people, $events events: checking that the tools agree"
    for peer in duckdb polars; do
        python3 bench/measure_peers.py "$peer" "$d" >"$d/$peer.json"
    done
    python3 - "$d" <<'PY'
import json, sys
d = sys.argv[1]
m = json.load(open(f"{d}/ours.json"))
nt, nc = m["cohort"]["treatment"], m["cohort"]["comparison"]
ours = {}
for p in m["per_person"]:
    for w, (t, c) in enumerate([("treatment_before", "comparison_before"), ("treatment_after", "comparison_after")]):
        ours[f"{p['agency']}/{w}"] = p[t] * nt + (p[c] or 0) * nc
for peer in ["duckdb", "polars"]:
    r = json.load(open(f"{d}/{peer}.json"))
    for k, v in ours.items():
        # Ours are per-person means rounded to the penny: allow a penny a person.
        if abs(r["cost"].get(k, 0) - v) > 0.01 * (nt + nc):
            sys.exit(f"{peer} disagrees on {k}: {r['cost'].get(k)} vs {v}")
    if r["events"] != m["events_counted"]:
        sys.exit(f"{peer} counts {r['events']} events in the windows, oneplace {m['events_counted']}")
    print(f"  {peer} agrees: {r['events']} events in the windows, costs by agency and window", file=sys.stderr)
PY
    say "$n people: timing"
    t_ours=$(median "ours-$n" "$BIN" measure run "$d/measure.toml" --format json --out /dev/null)
    t_duck=$(median "duck-$n" python3 bench/measure_peers.py duckdb "$d")
    t_pol=$(median "polars-$n" python3 bench/measure_peers.py polars "$d")
    m_ours=$(peak "$BIN" measure run "$d/measure.toml" --format json --out /dev/null)
    m_duck=$(peak python3 bench/measure_peers.py duckdb "$d")
    m_pol=$(peak python3 bench/measure_peers.py polars "$d")
    rows+=("$n $events $t_ours $t_duck $t_pol $m_ours $m_duck $m_pol")
done

printf '\n%-9s %-11s | %-9s %-9s %-9s | %-13s %-13s | %-9s %-9s %-9s\n' \
    people events oneplace duckdb polars "duckdb/ours" "polars/ours" "MB ours" "MB duckdb" "MB polars"
for r in "${rows[@]}"; do
    read -r n e a b c ma mb mc <<<"$r"
    printf '%-9s %-11s | %-9s %-9s %-9s | %-13s %-13s | %-9s %-9s %-9s\n' "$n" "$e" "$a" "$b" "$c" \
        "$(python3 -c "print('%.2f' % ($b / $a))")" "$(python3 -c "print('%.2f' % ($c / $a))")" "$ma" "$mb" "$mc"
done
