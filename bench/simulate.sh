#!/usr/bin/env bash
# Monte Carlo benchmark: oneplace against a vectorised NumPy evaluation of the
# same model on the same draws, measured in one run on this machine.
#
#     bench/simulate.sh
#
# Settings (environment): MODEL (examples/family-support.toml), DRAWS
# (1000000), SEED (1), RUNS (5, timed runs per command), SMALL (4096: one
# block, to separate fixed start-up costs from per-draw costs), SKIP_BUILD=1
# (use target/release/oneplace as it is), KERNEL_BENCH=0 (skip the criterion
# measurement of oneplace's kernel alone).
#
# What it does:
#   1. builds the release binary (cargo does nothing when it is up to date);
#   2. times `oneplace appraise MODEL --simulate DRAWS --seed SEED --format
#      json --out /dev/null` end to end (median of RUNS; hyperfine when
#      installed), on all cores and on one thread, and a SMALL-draw run;
#   3. measures its peak memory (max RSS, /usr/bin/time -v);
#   4. exports the same DRAWS draws to .npy (and a few to CSV for the column
#      names) and runs bench/simulate_numpy.py on them: it checks its outputs
#      equal oneplace's and times the vectorised evaluation alone;
#   5. times oneplace's simulation kernel alone (set the inputs and evaluate
#      one draw, one thread) with its criterion benchmark, when MODEL is
#      family-support (the benchmark's model);
#   6. prints the table.
#
# oneplace's wall time includes reading the model, sampling, inducing the
# correlations, evaluating, the summary statistics and the JSON report; the
# NumPy figure is the evaluation of the four exported outputs only, on one
# thread, with the draws already in memory. The ratio is therefore an upper
# bound on how far oneplace's evaluation is behind (or a lower bound on how
# far ahead it is).
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL=${MODEL:-examples/family-support.toml}
DRAWS=${DRAWS:-1000000}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
SMALL=${SMALL:-4096}
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

say "oneplace: $DRAWS draws, all cores"
median_seconds all "${RUN[@]}" --simulate "$DRAWS" --out /dev/null
say "oneplace: $DRAWS draws, one thread"
median_seconds one "${RUN[@]}" --simulate "$DRAWS" --threads 1 --out /dev/null
say "oneplace: $SMALL draws (fixed costs)"
median_seconds small "${RUN[@]}" --simulate "$SMALL" --out /dev/null

say "oneplace: peak memory, $DRAWS draws"
max_rss oneplace "${RUN[@]}" --simulate "$DRAWS" --out "$WORK/report.json"

say "exporting the draws"
"${RUN[@]}" --simulate 16 --out /dev/null --export-draws "$WORK/names.csv"
"${RUN[@]}" --simulate "$DRAWS" --out /dev/null --export-draws "$WORK/draws.npy"

say "NumPy peer: check and time"
python3 bench/simulate_numpy.py "$MODEL" "$WORK/draws.npy" "$WORK/names.csv" \
    --reps "$((RUNS > 7 ? RUNS : 7))" --json "$WORK/numpy.json" >&2
say "NumPy peer: peak memory (folded-blocked only)"
max_rss numpy python3 bench/simulate_numpy.py "$MODEL" "$WORK/draws.npy" "$WORK/names.csv" \
    --reps 1 --variants folded-blocked

# 5. The kernel alone.
: >"$WORK/kernel.ns"
if [[ "${KERNEL_BENCH:-1}" == 1 && "$(basename "$MODEL")" == family-support.toml ]]; then
    say "oneplace kernel alone (criterion)"
    if cargo bench -p oneplace-appraise --bench evaluate -- kernel >&2; then
        python3 -c 'import json, glob; e = json.load(open(glob.glob("target/criterion/kernel*/new/estimates.json")[0])); print((e.get("slope") or e["mean"])["point_estimate"])' \
            >"$WORK/kernel.ns" || : >"$WORK/kernel.ns"
    fi
fi

# 6. The table.
python3 - "$WORK" "$DRAWS" "$SMALL" "$MODEL" <<'EOF'
import json, platform, sys
from pathlib import Path

work, draws, small, model = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sec = lambda name: float((work / f"{name}.seconds").read_text())
def rss(name):
    text = (work / f"{name}.rss").read_text().strip()
    return f"{int(text) / 1024:.0f} MiB" if text else "n/a"
def per(s):
    return f"{s * 1e9:.1f} ns" if s < 1e-6 else f"{s * 1e6:.3f} µs"

all_, one, sm = sec("all"), sec("one"), sec("small")
np_ = json.loads((work / "numpy.json").read_text())
report = json.loads((work / "report.json").read_text())
held = report["simulation"]["memory_bytes"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
np_best = np_["seconds_per_draw"]
rows = [
    ("oneplace, wall time of the whole run (all cores)", f"{all_:.3f} s", ""),
    ("oneplace, wall time of the whole run (one thread)", f"{one:.3f} s", ""),
    (f"oneplace, wall time of a {small}-draw run (fixed costs)", f"{sm * 1e3:.1f} ms", ""),
    ("oneplace per draw: whole run ÷ draws (all cores)", per(all_ / draws), f"{all_ / draws / np_best:.0f}× NumPy's"),
    ("oneplace per draw: marginal, (T(N) − T(small)) ÷ (N − small)", per((all_ - sm) / (draws - small)), f"{(all_ - sm) / (draws - small) / np_best:.0f}× NumPy's"),
    ("oneplace per draw: whole run ÷ draws (one thread)", per(one / draws), f"{one / draws / np_best:.0f}× NumPy's"),
]
for label, v in np_["variants"].items():
    rows.append((f"NumPy per draw: {label} (one thread, evaluation only)", per(v["seconds_per_draw"]),
                 f"{v['median_seconds'] * 1e3:.1f} ms; max rel. diff {v['max_rel_diff']:.1e}"))
kernel = (work / "kernel.ns").read_text().strip()
if kernel:
    k = float(kernel) * 1e-9
    rows.append(("oneplace kernel alone per draw (criterion estimate, one thread)", per(k), f"{k / np_best:.1f}× NumPy's"))
rows += [
    ("oneplace peak memory (max RSS)", rss("oneplace"), f"draws' outputs held: {held / 2**20:.0f} MiB"),
    ("NumPy peer peak memory (max RSS, folded-blocked)", rss("numpy"), "includes the loaded draws (inputs and outputs)"),
]
print(f"\nMonte Carlo: {model}, {draws:,} draws, seed fixed; {cpu}; NumPy {np_['numpy']}")
print(f"NumPy check against oneplace's exported outputs: {'passed' if np_['check_passed'] else 'FAILED'}"
      f" (best NumPy variant: {np_['best']})\n")
w = max(len(r[0]) for r in rows)
print(f"| {'What'.ljust(w)} | Figure | Note |")
print(f"|{'-' * (w + 2)}|---|---|")
for a, b, c in rows:
    print(f"| {a.ljust(w)} | {b} | {c} |")
ratio = all_ / draws / np_best
print(f"\nRatio, oneplace per draw (whole run, all cores) ÷ NumPy per draw (evaluation only): {ratio:.1f}"
      f" ({'NumPy' if ratio > 1 else 'oneplace'} faster by {max(ratio, 1 / ratio):.1f}×)")
EOF
