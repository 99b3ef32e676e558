#!/usr/bin/env bash
# Ledger benchmark: oneplace against hledger and ledger-cli on the same
# synthetic pooled-fund ledgers, measured in one run on this machine.
#
#     bench/ledger.sh
#
# Settings (environment): SIZES ("100000 1000000" postings), SEED (1), RUNS
# (5, timed runs per command; RUNS_BIG, 3, at a million postings and more),
# SKIP_BUILD=1 (use the release binary as it is), CRITERION=1 (also run the
# criterion bench, `cargo bench -p oneplace-ledger --bench ledger`).
#
# What it does, for each size:
#   1. writes a synthetic journal (`oneplace synth ledger`) and exports it
#      for hledger (`oneplace ledger export --to hledger`) and for ledger-cli
#      (`--to ledger`: the same journal with ledger-cli's metadata syntax for
#      the dimensions);
#   2. checks that the three tools agree on every account's balance;
#   3. times, with hyperfine (median of RUNS, after a warm-up run where a
#      run is short):
#        oneplace    `oneplace ledger balance F.journal`: read the file, parse,
#                    book and check every rule (balance, dimensions, open
#                    years, unique references, balance assertions), print
#                    the balance report;
#        hledger     `hledger -f F.hledger bal` (it checks the assertions too);
#        ledger      `ledger -f F.ledger bal` (the metadata parsed);
#        ledger*     `ledger -f F.hledger bal` (ledger-cli reading the hledger
#                    export, where the dimensions are plain comments to it:
#                    less work than the others do);
#   4. measures each one's peak memory (max RSS, /usr/bin/time -v);
#   5. prints the table: seconds, how many times slower than oneplace, MB.
set -euo pipefail

cd "$(dirname "$0")/.."
SIZES=${SIZES:-100000 1000000}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
RUNS_BIG=${RUNS_BIG:-3}
BIN=target/release/oneplace
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oneplace-ledgerbench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say() { printf '\n== %s\n' "$*" >&2; }

# Tools.
missing=()
for tool in hledger ledger hyperfine; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing ${missing[*]}"
        apt-get install -y "${missing[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; }
    else
        echo "needs ${missing[*]} (apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != 1 || ! -x "$BIN" ]]; then
    say "building $BIN"
    cargo build --release --bin oneplace >&2
fi

# Median seconds of a command, from hyperfine's JSON.
median() { # name runs warmup command...
    local name=$1 runs=$2 warmup=$3
    shift 3
    hyperfine --style none --runs "$runs" --warmup "$warmup" \
        --export-json "$WORK/$name.json" "$*" >&2
    python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/$name.json"
}

# Peak memory in MB.
peak() {
    /usr/bin/time -v "$@" 2>"$WORK/time.txt" >/dev/null
    awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/time.txt"
}

# Whether oneplace, hledger and ledger-cli report the same balances: every
# account of oneplace's report and hledger's (with parents), and every account
# ledger-cli's flat report lists (those with postings, sub-accounts included).
agree() { # journal hledger-file ledger-file
    "$BIN" ledger balance "$1" --format csv --table balances >"$WORK/ours.csv"
    hledger -f "$2" bal -O csv -N --tree --no-elide >"$WORK/hledger.csv"
    ledger -f "$3" bal --flat --no-total \
        --balance-format '%(account)\t%(quantity(scrub(display_total)))\n' >"$WORK/ledger.txt"
    python3 - "$WORK" <<'PY'
import csv, sys
from decimal import Decimal
work = sys.argv[1]
def pence(text):
    t = text.replace("£", "").replace(",", "").strip()
    return int(Decimal(t) * 100)
ours = {row[0]: pence(row[1]) for row in list(csv.reader(open(f"{work}/ours.csv")))[1:]}
hl = {row[0]: pence(row[1]) for row in list(csv.reader(open(f"{work}/hledger.csv")))[1:]}
le = dict((a, pence(q)) for a, q in (l.rstrip("\n").split("\t") for l in open(f"{work}/ledger.txt")))
bad = [f"hledger {a}: {hl.get(a)} != {ours.get(a)}" for a in set(ours) | set(hl) if ours.get(a, 0) != hl.get(a, 0)]
bad += [f"ledger-cli {a}: {q} != {ours.get(a)}" for a, q in le.items() if ours.get(a, 0) != q]
if bad or len(le) < 3:
    sys.exit("the tools disagree:\n" + "\n".join(sorted(bad)))
print(f"  oneplace, hledger and ledger-cli agree on all {len(ours)} account balances", file=sys.stderr)
PY
}

rows=()
for n in $SIZES; do
    say "$n postings: generating and exporting"
    j="$WORK/synthetic-$n.journal"
    "$BIN" synth ledger --postings "$n" --seed "$SEED" --out "$j"
    "$BIN" ledger export --to hledger "$j" --out "$WORK/synthetic-$n.hledger"
    "$BIN" ledger export --to ledger "$j" --out "$WORK/synthetic-$n.ledger"
    postings=$(grep -cE '^  (assets|liabilities|equity|income|expenditure)' "$j" || true)
    size=$(du -m "$j" | cut -f1)
    say "$n postings ($postings in the file, $size MB): checking that the tools agree"
    agree "$j" "$WORK/synthetic-$n.hledger" "$WORK/synthetic-$n.ledger"

    runs=$RUNS
    (( n >= 1000000 )) && runs=$RUNS_BIG
    say "$n postings: timing"
    t_one=$(median "one-$n" "$runs" 1 "$BIN" ledger balance "$j")
    t_hl=$(median "hl-$n" "$runs" 0 hledger -f "$WORK/synthetic-$n.hledger" bal)
    t_le=$(median "le-$n" "$runs" 1 ledger -f "$WORK/synthetic-$n.ledger" bal)
    t_le2=$(median "le2-$n" "$runs" 1 ledger -f "$WORK/synthetic-$n.hledger" bal)
    say "$n postings: peak memory"
    m_one=$(peak "$BIN" ledger balance "$j")
    m_hl=$(peak hledger -f "$WORK/synthetic-$n.hledger" bal)
    m_le=$(peak ledger -f "$WORK/synthetic-$n.ledger" bal)
    m_le2=$(peak ledger -f "$WORK/synthetic-$n.hledger" bal)
    ratio() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$t_one"; }
    rows+=("$n|oneplace (load, check, balance report)|$t_one|1.0|$m_one")
    rows+=("$n|hledger -f F bal|$t_hl|$(ratio "$t_hl")|$m_hl")
    rows+=("$n|ledger -f F bal (ledger-cli export, metadata)|$t_le|$(ratio "$t_le")|$m_le")
    rows+=("$n|ledger -f F bal (hledger export, tags as comments)|$t_le2|$(ratio "$t_le2")|$m_le2")
done

if [[ "${CRITERION:-0}" == 1 ]]; then
    say "criterion: cargo bench -p oneplace-ledger --bench ledger"
    cargo bench -p oneplace-ledger --bench ledger >&2
fi

printf '\n%s, %s cores, %s, hledger %s, %s\n' "$(date -u +%F)" "$(nproc)" \
    "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
    "$(hledger --version | awk '{ print $2 }' | tr -d ,)" "$(ledger --version | head -1 | awk '{ print "ledger", $2 }' | tr -d ,)"
printf '| Postings | What | Median (s) | × oneplace | Peak RSS (MB) |\n|---:|---|---:|---:|---:|\n'
for r in "${rows[@]}"; do
    IFS='|' read -r n what t x m <<<"$r"
    printf '| %s | %s | %s | %s | %s |\n' "$n" "$what" "$t" "$x" "$m"
done
