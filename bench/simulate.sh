#!/usr/bin/env bash
# Monte Carlo benchmark: oneplace against a vectorised NumPy evaluation of the
# same model on the same draws, measured in one run on this machine.
#
#     bench/simulate.sh
#
# Settings (environment): MODEL (examples/family-support.toml), DRAWS
# (1000000), SEED (1), RUNS (5, timed runs per command), SMALL (4096: one
# block, to separate fixed start-up costs from per-draw costs), THREADS (2,
# the cores of this machine: the threads of the multi-threaded figures),
# SKIP_BUILD=1 (use target/release/oneplace as it is), FOLDED_BENCH=0 (skip
# the criterion measurement of oneplace's evaluation alone).
#
# What it does:
#   1. builds the release binary (cargo does nothing when it is up to date);
#   2. times `oneplace appraise MODEL --simulate DRAWS --seed SEED --format
#      json --out /dev/null` end to end (median of RUNS; hyperfine when
#      installed), on THREADS threads and on one, and a SMALL-draw run;
#   3. measures its peak memory (max RSS, /usr/bin/time -v);
#   4. exports the same DRAWS draws to .npy (and a few to CSV for the column
#      names) and runs bench/simulate_numpy.py on them: it checks its outputs
#      equal oneplace's, times the vectorised evaluation alone (median of at
#      least 7 repetitions per variant) and measures its peak memory;
#   5. times oneplace's folded block evaluation alone on those very draws:
#      criterion's median (`cargo bench --bench evaluate -- folded`, given
#      the model and the .npy file; it first checks that its outputs are the
#      exported ones, bit for bit) of the four outputs NumPy computes and of
#      every output, on 2 threads and on 1, and of one block of draws in
#      cache; for family-support, also the kernel the folded form replaces;
#   6. prints the table: per draw, oneplace's evaluation against NumPy's
#      best variant (the ratio), the whole run, peak memory, and the
#      arithmetic limit of the evaluation on this machine.
#
# Both evaluations are timed with the draws already in memory, writing the
# outputs into arrays of DRAWS values. NumPy runs on one thread (its array
# operations do); oneplace on 2 and on 1. The whole-run time adds reading
# the model, sampling, inducing the correlations, the summary statistics and
# the JSON report.
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL=${MODEL:-examples/family-support.toml}
DRAWS=${DRAWS:-1000000}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
SMALL=${SMALL:-4096}
THREADS=${THREADS:-2}
BIN=target/release/oneplace
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oneplace-simbench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say() { printf '\n== %s\n' "$*" >&2; }

# 1. The binary.
if [[ "${SKIP_BUILD:-0}" != 1 || ! -x "$BIN" ]]; then
    say "building $BIN"
    cargo build --release --bin oneplace >&2
fi

# 2. Tools.
if ! python3 -c 'import numpy' 2>/dev/null; then
    say "installing numpy"
    python3 -m pip install --quiet numpy >&2
fi
if ! command -v hyperfine >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null \
    && apt-cache policy hyperfine 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    say "installing hyperfine"
    apt-get install -y -qq hyperfine >&2 || true
fi
TIME_V=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true 2>/dev/null; then
    TIME_V=/usr/bin/time
fi

# median_seconds NAME COMMAND...: the median wall time of RUNS runs (after
# one warm-up), written to $WORK/NAME.seconds.
median_seconds() {
    local name=$1
    shift
    if command -v hyperfine >/dev/null; then
        hyperfine -N --warmup 1 --runs "$RUNS" --style basic \
            --export-json "$WORK/$name.hyperfine.json" "$*" >&2
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' \
            "$WORK/$name.hyperfine.json" >"$WORK/$name.seconds"
    else
        python3 - "$RUNS" "$@" >"$WORK/$name.seconds" <<'EOF'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
samples = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    samples.append(time.perf_counter() - start)
print(statistics.median(samples), file=sys.stderr)
print(statistics.median(samples))
EOF
    fi
}

# max_rss NAME COMMAND...: peak resident memory in KiB, to $WORK/NAME.rss
# (empty when /usr/bin/time is missing); the command's stdout to
# $WORK/NAME.out.
max_rss() {
    local name=$1
    shift
    if [[ -n "$TIME_V" ]]; then
        "$TIME_V" -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out"
        sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/$name.time" >"$WORK/$name.rss"
    else
        "$@" >"$WORK/$name.out"
        : >"$WORK/$name.rss"
    fi
}

RUN=("$BIN" appraise "$MODEL" --seed "$SEED" --format json)

say "oneplace: $DRAWS draws, $THREADS threads"
median_seconds all "${RUN[@]}" --simulate "$DRAWS" --threads "$THREADS" --out /dev/null
say "oneplace: $DRAWS draws, one thread"
median_seconds one "${RUN[@]}" --simulate "$DRAWS" --threads 1 --out /dev/null
say "oneplace: $SMALL draws (fixed costs)"
median_seconds small "${RUN[@]}" --simulate "$SMALL" --threads "$THREADS" --out /dev/null

say "oneplace: peak memory, $DRAWS draws"
max_rss oneplace "${RUN[@]}" --simulate "$DRAWS" --threads "$THREADS" --out "$WORK/report.json"

say "exporting the draws"
"${RUN[@]}" --simulate 16 --out /dev/null --export-draws "$WORK/names.csv"
"${RUN[@]}" --simulate "$DRAWS" --out /dev/null --export-draws "$WORK/draws.npy"

say "NumPy peer: check and time"
python3 bench/simulate_numpy.py "$MODEL" "$WORK/draws.npy" "$WORK/names.csv" \
    --reps "$((RUNS > 7 ? RUNS : 7))" --json "$WORK/numpy.json" >&2
say "NumPy peer: peak memory (folded-blocked only)"
max_rss numpy python3 bench/simulate_numpy.py "$MODEL" "$WORK/draws.npy" "$WORK/names.csv" \
    --reps 1 --variants folded-blocked

# 5. oneplace's evaluation alone, on the exported draws.
: >"$WORK/folded.txt"
if [[ "${FOLDED_BENCH:-1}" == 1 ]]; then
    FILTER=folded
    if [[ "$(basename "$MODEL")" == family-support.toml ]]; then
        FILTER='folded|kernel'
    fi
    say "oneplace folded evaluation alone (criterion, filter '$FILTER')"
    rm -rf target/criterion/folded target/criterion/kernel*
    if ! ONEPLACE_BENCH_MODEL="$PWD/$MODEL" ONEPLACE_BENCH_DRAWS="$WORK/draws.npy" \
        cargo bench -p oneplace-appraise --bench evaluate -- "$FILTER" >"$WORK/folded.txt"; then
        say "the criterion benchmark failed: no evaluation figures"
        : >"$WORK/folded.txt"
    fi
    grep '^folded' "$WORK/folded.txt" >&2 || true
fi

# 6. The table.
python3 - "$WORK" "$DRAWS" "$SMALL" "$MODEL" "$THREADS" <<'EOF'
import glob, json, platform, re, sys
from pathlib import Path

work, draws, small, model, threads = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
sec = lambda name: float((work / f"{name}.seconds").read_text())
def rss(name):
    text = (work / f"{name}.rss").read_text().strip()
    return f"{int(text) / 1024:.0f} MiB" if text else "n/a"
def per(s):
    return f"{s * 1e9:.2f} ns" if s < 1e-6 else f"{s * 1e6:.3f} µs"
def criterion(pattern):
    """Criterion's median time per iteration, in seconds (None if absent)."""
    found = sorted(glob.glob(f"target/criterion/{pattern}/new/estimates.json"))
    return json.load(open(found[0]))["median"]["point_estimate"] * 1e-9 if found else None

all_, one, sm = sec("all"), sec("one"), sec("small")
np_ = json.loads((work / "numpy.json").read_text())
report = json.loads((work / "report.json").read_text())
held = report["simulation"]["memory_bytes"]
info = open("/proc/cpuinfo").read().splitlines()
cpu = next((l.split(":", 1)[1].strip() for l in info if l.startswith("model name")), platform.processor())
mhz = next((float(l.split(":", 1)[1]) for l in info if l.startswith("cpu MHz")), float("nan"))
cores = sum(1 for l in info if l.startswith("processor"))
np_best = np_["seconds_per_draw"]
arith = re.search(r"(\d+) flops per draw for the four NumPy outputs, (\d+) for every output",
                  (work / "folded.txt").read_text())
evaluation = {(what, t): criterion(f"folded/{what}/{t} threads")
              for what in ("four outputs", "every output") for t in (2, 1)}
in_cache = {t: criterion(f"folded/four outputs in cache/{t} threads") for t in (2, 1)}
floor = criterion("folded/memory floor, four outputs/2 threads")
kernel = criterion("kernel*")

rows = []
for (what, t), s in evaluation.items():
    if s is not None:
        d = s / draws
        rows.append((f"oneplace folded evaluation, {what}, {t} thread{'s' if t > 1 else ''}", per(d),
                     f"NumPy's best ÷ this: {np_best / d:.1f}×"))
for t, s in in_cache.items():
    if s is not None:
        d = s / (min(16384, draws) * t)
        rows.append((f"oneplace folded evaluation, four outputs, draws in cache (a block of 16,384 per thread), "
                     f"{t} thread{'s' if t > 1 else ''}", per(d), f"NumPy's best ÷ this: {np_best / d:.1f}×"))
if floor is not None:
    d = floor / draws
    rows.append(("memory traffic alone: read the inputs, write four outputs, 2 threads", per(d),
                 f"NumPy's best ÷ this: {np_best / d:.1f}× (the least the four-output evaluation of these draws can take)"))
if kernel is not None:
    rows.append(("oneplace kernel (the fallback), every output, one draw at a time, 1 thread", per(kernel),
                 f"NumPy's best ÷ this: {np_best / kernel:.2f}×"))
for label, v in np_["variants"].items():
    rows.append((f"NumPy {label}, four outputs, 1 thread", per(v["seconds_per_draw"]),
                 f"{v['median_seconds'] * 1e3:.1f} ms in all; max rel. diff {v['max_rel_diff']:.1e}"))
rows += [
    (f"oneplace whole run, {threads} threads (wall)", f"{all_:.3f} s", per(all_ / draws) + " per draw"),
    ("oneplace whole run, 1 thread (wall)", f"{one:.3f} s", per(one / draws) + " per draw"),
    (f"oneplace {small}-draw run (fixed costs), {threads} threads", f"{sm * 1e3:.1f} ms", ""),
    (f"oneplace whole run, marginal per draw: (T(N) − T({small})) ÷ (N − {small})",
     per((all_ - sm) / (draws - small)), ""),
    ("oneplace peak memory (max RSS), whole run", rss("oneplace"), f"draws' outputs held: {held / 2**20:.0f} MiB"),
    ("NumPy peer peak memory (max RSS, folded-blocked)", rss("numpy"), "includes the loaded draws (inputs and outputs)"),
]
print(f"\nMonte Carlo: {model}, {draws:,} draws, seed fixed; {cpu}, {cores} cores at {mhz:.0f} MHz; NumPy {np_['numpy']}")
print(f"NumPy check against oneplace's exported outputs: {'passed' if np_['check_passed'] else 'FAILED'}"
      f" (best NumPy variant: {np_['best']}); evaluation figures are medians\n")
w = max(len(r[0]) for r in rows)
print(f"| {'What'.ljust(w)} | Per draw, or figure | Note |")
print(f"|{'-' * (w + 2)}|---|---|")
for a, b, c in rows:
    print(f"| {a.ljust(w)} | {b} | {c} |")
four2 = evaluation[("four outputs", 2)]
if four2 is not None:
    print(f"\nRatio, NumPy's best ÷ oneplace's folded evaluation, per draw (four outputs, 2 threads, the same "
          f"draws): {np_best / (four2 / draws):.1f}× (target: at least 10×)")
print(f"Whole run: {all_ * 1e6 / draws:.3f} s per 1,000,000 draws on {threads} threads (target: under 2 s)")
if arith:
    # Baseline x86-64 code is SSE2: two f64 lanes, and at most two vector
    # floating-point operations a cycle (no fused multiply-add).
    peak = cores * mhz * 1e6 * 2 * 2
    print(f"\nArithmetic limit, SSE2 ({cores} cores × {mhz:.0f} MHz × 2 lanes × 2 operations a cycle"
          f" = {peak / 1e9:.1f} Gflop/s):")
    for label, flops, s in (("four outputs", int(arith.group(1)), four2),
                            ("every output", int(arith.group(2)), evaluation[("every output", 2)])):
        limit = flops * draws / peak
        got = f"; measured {s * 1e3:.1f} ms, {limit / s:.0%} of the limit" if s else ""
        print(f"  {label}: {flops} flops per draw × {draws:,} draws = {limit * 1e3:.2f} ms "
              f"({per(limit / draws)} per draw){got}")
EOF
