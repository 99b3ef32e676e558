"""The measurement's costing and aggregation in DuckDB and in Polars, for
bench/measure.sh: the same Parquet events, cohort and unit costs as
`oneplace measure run`, the same windows (12 months before and after each
member's start) and the same sums (cost per person, agency and window;
arrests per person and window).

    python3 bench/measure_peers.py duckdb|polars DIR

DIR holds events.parquet, cohort.csv and unit_costs.csv (event_type,
unit_cost, agency: the costing oneplace reported). Prints one JSON line:
total cost by agency and window, arrests by window, and the rows made.
"""

import json
import sys


def run_duckdb(d):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    cost = con.execute(
        f"""
        WITH c AS (
            SELECT id, start,
                   start - INTERVAL 12 MONTH AS before_from,
                   start + INTERVAL 12 MONTH AS after_to
            FROM read_csv('{d}/cohort.csv', columns = {{
                'id': 'VARCHAR', 'group': 'VARCHAR', 'start': 'DATE',
                'area': 'VARCHAR'}}, header = true)
        ),
        k AS (SELECT * FROM read_csv('{d}/unit_costs.csv', header = true)),
        per AS (
            SELECT e.id, COALESCE(e.agency, k.agency) AS agency,
                   CASE WHEN e.date < c.start THEN 0 ELSE 1 END AS win,
                   SUM(COALESCE(e.cost, e.quantity * k.unit_cost)) AS cost,
                   COUNT(*) AS events
            FROM read_parquet('{d}/events.parquet') e
            JOIN c ON e.id = c.id
            LEFT JOIN k ON e.event_type = k.event_type
            WHERE e.date >= c.before_from AND e.date < c.after_to
            GROUP BY 1, 2, 3
        )
        SELECT agency, win, SUM(cost), SUM(events), COUNT(*) FROM per
        GROUP BY 1, 2 ORDER BY 1, 2
        """
    ).fetchall()
    arrests = con.execute(
        f"""
        WITH c AS (
            SELECT id, start,
                   start - INTERVAL 12 MONTH AS before_from,
                   start + INTERVAL 12 MONTH AS after_to
            FROM read_csv('{d}/cohort.csv', columns = {{
                'id': 'VARCHAR', 'group': 'VARCHAR', 'start': 'DATE',
                'area': 'VARCHAR'}}, header = true)
        ),
        per AS (
            SELECT e.id, CASE WHEN e.date < c.start THEN 0 ELSE 1 END AS win,
                   SUM(e.quantity) AS n
            FROM read_parquet('{d}/events.parquet') e
            JOIN c ON e.id = c.id
            WHERE e.event_type = 'arrest'
              AND e.date >= c.before_from AND e.date < c.after_to
            GROUP BY 1, 2
        )
        SELECT win, SUM(n) FROM per GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    return {
        "cost": {f"{a}/{w}": round(float(c), 2) for a, w, c, _, _ in cost},
        "events": int(sum(n for _, _, _, n, _ in cost)),
        "rows": int(sum(r for _, _, _, _, r in cost)),
        "arrests": {str(w): float(n) for w, n in arrests},
    }


def run_polars(d):
    import polars as pl

    cohort = (
        pl.scan_csv(f"{d}/cohort.csv", schema_overrides={"start": pl.Date})
        .select(
            "id",
            "start",
            pl.col("start").dt.offset_by("-12mo").alias("before_from"),
            pl.col("start").dt.offset_by("12mo").alias("after_to"),
        )
    )
    k = pl.scan_csv(f"{d}/unit_costs.csv")
    windowed = (
        pl.scan_parquet(f"{d}/events.parquet")
        .join(cohort, on="id")
        .filter(
            (pl.col("date") >= pl.col("before_from"))
            & (pl.col("date") < pl.col("after_to"))
        )
        .with_columns(
            pl.when(pl.col("date") < pl.col("start")).then(0).otherwise(1).alias("win")
        )
    )
    per = (
        windowed.join(k, on="event_type", how="left", suffix="_k")
        .with_columns(
            pl.coalesce("agency", "agency_k").alias("agency_of"),
            pl.coalesce("cost", pl.col("quantity") * pl.col("unit_cost")).alias("c"),
        )
        .group_by("id", "agency_of", "win")
        .agg(pl.col("c").sum().alias("cost"), pl.len().alias("events"))
    )
    cost = (
        per.group_by("agency_of", "win")
        .agg(pl.col("cost").sum(), pl.col("events").sum(), pl.len().alias("rows"))
        .sort("agency_of", "win")
        .collect()
    )
    arrests = (
        windowed.filter(pl.col("event_type") == "arrest")
        .group_by("id", "win")
        .agg(pl.col("quantity").sum().alias("n"))
        .group_by("win")
        .agg(pl.col("n").sum())
        .sort("win")
        .collect()
    )
    return {
        "cost": {
            f"{r['agency_of']}/{r['win']}": round(float(r["cost"]), 2)
            for r in cost.iter_rows(named=True)
        },
        "events": int(cost["events"].sum()),
        "rows": int(cost["rows"].sum()),
        "arrests": {str(r["win"]): float(r["n"]) for r in arrests.iter_rows(named=True)},
    }


if __name__ == "__main__":
    which, d = sys.argv[1], sys.argv[2]
    if which == "polars":
        import os

        os.environ.setdefault("POLARS_MAX_THREADS", "2")
    out = run_duckdb(d) if which == "duckdb" else run_polars(d)
    print(json.dumps(out, sort_keys=True))
