"""Command line: `python -m cjsperf {check,query,sample,build,pack} ...` (see README)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import duckdb
import pandas as pd

from cjsperf import spc
from cjsperf.db import Warehouse, WarehouseUnavailable, build_database, default_data_dir
from cjsperf.queries import QueryError, list_queries

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe(text) -> str:
    """Text from a file as printable: control characters (a terminal's escape sequences, carriage
    returns, line breaks) shown escaped, as Python writes them (\\x1b, \\r, \\n)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def _format_problem(p) -> str:
    where = safe(p.file)
    if pd.notna(p.line):  # a missing line is NA (pandas nullable Int64), NaN or None
        where += f", line {int(p.line)}"
    if isinstance(p.column, str) and p.column:
        # 'column 8' and '(whole line)' already say what they are
        named = p.column.startswith(("column ", "("))
        where += f", {safe(p.column)}" if named else f", column {safe(p.column)}"
    found = p.value if isinstance(p.value, str) else ""
    text = f"{p.severity.upper():7} {where}: "
    expected = safe(p.expected)
    # repr() escapes control characters; safe() also those that repr() prints as they are (C1)
    text += f"found {safe(repr(found))}; expected {expected}" if found else f"expected {expected}"
    return text


def check(data_dir: Path) -> int:
    """Load everything from scratch and report; exit 1 if anything was rejected or unreadable."""
    if not data_dir.is_dir():
        print(f"No data folder at {data_dir}", file=sys.stderr)
        return 2
    wh = Warehouse(data_dir, db_path=None)
    report = wh.sync()
    return print_check(wh, data_dir, report.seconds)


def print_check(wh: Warehouse, data_dir: Path, seconds: float) -> int:
    """`check`'s report of a synced warehouse: each extract's files and rows, then every problem;
    1 if anything was rejected or unreadable, else 0."""
    summary = wh.summary()
    problems = wh.problems()
    print(f"Data folder: {safe(data_dir)}  (loaded in {seconds:.1f} s)\n")
    # the first column as wide as the longest extract's name (disclosure_assessments)
    width = max([len("extract"), *(len(str(x)) for x in summary.extract)])
    header = (
        f"{'extract':{width}} {'files':>5} {'not loaded':>10} {'rows loaded':>12} "
        f"{'rows rejected':>13} {'warnings':>8}  period"
    )
    print(header)
    print("-" * len(header))
    for r in summary.itertuples():
        period = (
            f"{r.first_date:%Y-%m-%d} to {r.last_date:%Y-%m-%d}"
            if r.first_date == r.first_date and r.first_date is not None
            else "no rows"
        )
        print(
            f"{r.extract:{width}} {r.files:5d} {r.files_not_loaded:10d} {r.rows_loaded:12,d} "
            f"{r.rows_rejected:13,d} {r.warnings:8,d}  {period}"
        )
    if len(problems):
        errors = int((problems.severity == "error").sum())
        print(
            f"\n{len(problems):,} problems ({errors:,} errors, {len(problems) - errors:,} warnings):"
        )
        for p in problems.itertuples():
            print("  " + _format_problem(p))
        return 1
    print("\nNo problems: every row of every file loaded.")
    return 0


def build(data_dir: Path) -> int:
    """Bring the database file (CJSPERF_DB, else .cjsperf.duckdb in the data folder) up to date
    with the data folder, for read-only replicas (CJSPERF_READ_ONLY=1); exit 1 if it cannot."""
    try:
        report = build_database(data_dir)
    except WarehouseUnavailable as exc:
        print(safe(exc), file=sys.stderr)
        return 1
    what = "built" if report.replaced else "already up to date:"
    print(f"{safe(report.path)} {what} build {report.build} ({report.built_at})")
    width = max(len(str(x)) for x in report.summary.extract)
    for r in report.summary.itertuples():
        print(
            f"  {r.extract:{width}} {r.files:5d} files {r.rows_loaded:12,d} rows "
            f"{r.rows_rejected:10,d} rejected {r.warnings:8,d} warnings"
        )
    errors = int((report.problems.severity == "error").sum())
    print(
        f"{len(report.problems):,} problems ({errors:,} errors; `python -m cjsperf check` lists "
        f"them) in {report.seconds:.1f} s"
    )
    return 0


def add_spc(
    df: pd.DataFrame, column: str, better: str, changes: list[str] | None = None
) -> pd.DataFrame:
    """The rows plus spc_mean, spc_lower, spc_upper, spc_signal, spc_special_cause (cjsperf.spc).
    `changes`: the months where a change of process starts new limits (the events of the measure
    the query and column give, as the charts use them).

    Raises ValueError with a message for the user when the rows cannot make an XmR chart.
    """
    if "month" not in df.columns:
        raise ValueError("--spc needs a query with a month column (one row per month)")
    if column not in df.columns:
        raise ValueError(
            f"--spc {column}: no such column; the query returns {', '.join(df.columns)}"
        )
    values = pd.to_numeric(df[column], errors="coerce")
    bad = df[column].notna() & values.isna()
    if bad.any():
        first = df.loc[bad].iloc[0]
        raise ValueError(
            f"--spc {column}: {first[column]!r} in month {first['month']} is not a number"
        )
    result = spc.xmr(list(df["month"]), list(values), better=better, changes=changes or ())
    if result.message:
        print(f"spc: {result.message}", file=sys.stderr)
    points = result.points.set_index("month")
    out = df.copy()
    for src, dst in (
        ("mean", "spc_mean"),
        ("lower", "spc_lower"),
        ("upper", "spc_upper"),
        ("signal", "spc_signal"),
        ("special_cause", "spc_special_cause"),
    ):
        out[dst] = df["month"].map(points[src])
    return out


def query(
    name: str | None,
    pairs: list[str],
    show_list: bool,
    spc_column: str | None = None,
    better: str = "neither",
) -> int:
    if show_list or not name:
        for q in list_queries():
            print(f"{q.name}\n    {q.summary}\n    grain: {q.grain}")
            for p in q.params:
                print(f"    {p.name} (default {p.default!r}): {p.description}")
            print(f"    returns: {q.returns}\n")
        return 0
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            print(f"Parameters are key=value; got {pair!r}", file=sys.stderr)
            return 2
        params[key] = value
    wh = Warehouse()
    if wh.notice:
        print(wh.notice, file=sys.stderr)
    wh.sync()
    try:
        df = wh.run_query(name, **params)
    except QueryError as exc:
        print(exc, file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        print(f"{name}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    if spc_column:
        # The same limits as the charts: a measure of the registry with this query and column
        # starts new limits after its process-changing events (data/reference/events.csv).
        from cjsperf.events import events_from, process_changes
        from cjsperf.measures import registry

        keys = [m.key for m in registry(wh.run_query("measures")).values()
                if m.query == name and spc_column in m.column.split(";")]  # fmt: skip
        events = events_from(wh.run_query("events"))
        changes = sorted({c for k in keys for c in process_changes(events, k)})
        try:
            df = add_spc(df, spc_column, better, changes)
        except ValueError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 2
    df.to_csv(sys.stdout, index=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cjsperf", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check", help="load every extract and report what loaded and why not")
    p_check.add_argument("data_dir", nargs="?", help="data folder (default: CJSPERF_DATA or data/)")
    p_query = sub.add_parser("query", help="run queries/NAME.sql and print CSV")
    p_query.add_argument("name", nargs="?")
    p_query.add_argument("params", nargs="*", metavar="key=value")
    p_query.add_argument("--list", action="store_true", help="list the queries and parameters")
    p_query.add_argument(
        "--spc",
        metavar="COLUMN",
        help="add the XmR chart of COLUMN over the rows' months: spc_mean, spc_lower, spc_upper, "
        "spc_signal (empty or the rule), spc_special_cause",
    )
    p_query.add_argument(
        "--better",
        choices=spc.BETTER,
        default="neither",
        help="which direction of COLUMN is better, for spc_special_cause (default: neither)",
    )
    sub.add_parser("sample", help="write the synthetic sample extracts", add_help=False)
    p_build = sub.add_parser(
        "build", help="bring the database file up to date for read-only replicas, and exit"
    )
    p_build.add_argument("data_dir", nargs="?", help="data folder (default: CJSPERF_DATA or data/)")
    sub.add_parser("pack", help="write the meeting pack (HTML, optionally PDF)", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "sample":
        from cjsperf import sample

        return sample.main(rest)
    if args.command == "pack":
        from cjsperf import pack

        return pack.main(rest)
    if rest:
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    if args.command == "check":
        return check(Path(args.data_dir).resolve() if args.data_dir else default_data_dir())
    if args.command == "build":
        return build(Path(args.data_dir).resolve() if args.data_dir else default_data_dir())
    return query(args.name, args.params, args.list, args.spc, args.better)


def run(argv: list[str] | None = None) -> int:
    """main(), ending quietly when the reader of the output goes away (`... | head`)."""
    try:
        code = main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # Python's own advice: point stdout at devnull so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away
    except Exception as exc:  # a defect: one plain line for the user, never a traceback
        print(
            f"cjsperf: stopped by an unexpected error ({type(exc).__name__}: {safe(exc)}). "
            "Please report it with the command you ran.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(run())
