#!/usr/bin/env bash
# Web application benchmark: `oneplace serve --demo` on SQLite, loaded with
# wrk against the main read pages and their API equivalents.
#
#     bench/web.sh
#
# Settings (environment): DURATION (20s per run), THREADS (2), CONNECTIONS
# (32), RUNS (3; the table shows the median of each figure), BENCH_USER (viewer:
# the role the requests are made as), SKIP_BUILD=1 (use the release binary
# as it is), PORT (18089).
#
# What it does:
#   1. builds the release binary (cargo does nothing when it is up to date);
#   2. starts `oneplace serve --demo` on a fresh SQLite file in a temporary
#      directory (the request log on standard error goes to a file there);
#   3. logs in as BENCH_USER through `POST /api/session` and sends the session
#      cookie with every request;
#   4. checks each endpoint answers 200, then runs
#      `wrk --latency -t THREADS -c CONNECTIONS -d DURATION` on it RUNS
#      times, one endpoint after another;
#   5. prints a Markdown table: requests a second, p50 and p99 latency
#      (medians over the runs), and any non-2xx answers or socket errors.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
RUNS=${RUNS:-3}
USER_NAME=${BENCH_USER:-viewer}
PORT=${PORT:-18089}
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/oneplace
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oneplace-webbench.XXXXXX")
SERVER=
cleanup() {
    if [[ -n "$SERVER" ]]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
    say "installing wrk"
    apt-get install -y wrk >&2
fi

if [[ "${SKIP_BUILD:-0}" != 1 || ! -x "$BIN" ]]; then
    say "building $BIN"
    cargo build --release --bin oneplace >&2
fi

say "starting oneplace serve --demo (SQLite, $WORK/demo.db)"
"$BIN" serve --demo --db "$WORK/demo.db" --bind "127.0.0.1:$PORT" >"$WORK/out.txt" 2>"$WORK/requests.log" &
SERVER=$!
for _ in $(seq 1 100); do
    grep -q "Ctrl-C stops" "$WORK/out.txt" 2>/dev/null && break
    sleep 0.1
done
BASE="http://127.0.0.1:$PORT"
PASSWORD=$(awk -v u="$USER_NAME" '$2 == u { print $NF }' "$WORK/out.txt")
[[ -n "$PASSWORD" ]] || { echo "no password for $USER_NAME in the demo output" >&2; exit 1; }
COOKIE=$(curl -s -o /dev/null -D - -H 'Content-Type: application/json' \
    -d "{\"username\": \"$USER_NAME\", \"password\": \"$PASSWORD\"}" "$BASE/api/session" |
    sed -n 's/^[Ss]et-[Cc]ookie: \(oneplace_session=[^;]*\).*/\1/p' | tr -d '\r')
[[ -n "$COOKIE" ]] || { echo "logging in as $USER_NAME failed" >&2; exit 1; }

ENDPOINTS=(
    "Overview|/p/northshire"
    "Monitoring report|/p/northshire/ledger/northshire-bcf"
    "Appraisal list|/p/northshire/appraisals"
    "Appraisal results|/p/northshire/appraisals/family-support"
    "Unit Cost Database search|/ucd?q=domestic+violence"
    "API: overview|/api/places/northshire"
    "API: monitoring report|/api/places/northshire/ledger/northshire-bcf/monitoring"
    "API: appraisal list|/api/places/northshire/appraisals"
    "API: appraisal results|/api/places/northshire/appraisals/family-support"
    "API: Unit Cost Database search|/api/ucd?q=domestic+violence"
)

# wrk's latency ("1.23ms", "850.00us", "1.02s") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n
    }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ROWS=()
for e in "${ENDPOINTS[@]}"; do
    name=${e%%|*}
    path=${e#*|}
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE$path")
    [[ "$code" == 200 ]] || { echo "$path answered $code" >&2; exit 1; }
    rps=() p50=() p99=() bad=0
    for run in $(seq 1 "$RUNS"); do
        say "$name ($path), run $run of $RUNS"
        out=$(wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" -H "Cookie: $COOKIE" "$BASE$path")
        echo "$out" >&2
        rps+=("$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')")
        p50+=("$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")")
        p99+=("$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")")
        n=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ { print $NF } /Socket errors:/ { s = 0; for (i = 3; i <= NF; i++) s += $i; print s }' | awk '{ t += $1 } END { print t + 0 }')
        bad=$((bad + n))
    done
    ROWS+=("| $name | \`$path\` | $(printf '%s\n' "${rps[@]}" | median | awk '{ printf "%\047.0f", $1 }') | $(printf '%s\n' "${p50[@]}" | median) | $(printf '%s\n' "${p99[@]}" | median) | $bad |")
done

echo
echo "wrk --latency -t $THREADS -c $CONNECTIONS -d $DURATION, median of $RUNS runs, as $USER_NAME, SQLite:"
echo
echo "| Endpoint | Path | Requests/s | p50 (ms) | p99 (ms) | Errors |"
echo "|---|---|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
