"""The meeting pack: every page's charts for a set of filters, in one HTML file that opens offline
and prints to A4 landscape (`python -m cjsperf pack ...`, or the Overview's download button).

One code path with the dashboard: each page file of `cjsperf.site.PAGES` is run as it is, with
Streamlit in "bare mode" (a thread of its own, no session, so st.* draws nothing) and a
`ui.Collector` set, so `ui.chart_block`, `ui.show_trend`, `kpis.show` and the status lines record
the very figures and frames they would draw. This module only lays them out: a cover, contents,
each page's section, the data quality summary; plotly.js embedded once, figures as JSON without
their template (given once), tables as escaped HTML.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import itertools
import json
import logging
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cjsperf import downloads, site
from cjsperf.filters import Filters, month_label

REPO = Path(__file__).resolve().parent.parent
CSS = Path(__file__).with_name("pack.css")
TITLE = "CPS West Midlands joint performance: meeting pack"
CHART_WIDTH = 980  # px: the width of A4 landscape inside its margins, on screen and on paper
CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
DQ_TITLE = "Data quality summary"


# ---------------------------------------------------------------------------- collecting
def _install_stop() -> None:
    """`st.stop()` does nothing without a session; while a pack is built (in its thread only) it
    ends the page as it does on screen. Other threads call Streamlit's own, unchanged."""
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    original = st.stop
    if getattr(original, "_pack_aware", False):
        return

    def stop():
        if ui.collecting() is not None:
            raise StopException()
        return original()

    stop._pack_aware = True
    st.stop = stop


# What a page writes straight with st.*: recorded while a pack is built, in the order shown.
RECORDED = ("subheader", "markdown", "caption", "info", "warning", "error", "success")


def _install_recorders() -> None:
    """`st.caption`, `st.info`, … record their text for the pack while one is built (in its thread
    only: `ui.collecting()`), so the pack says what the page says. Other threads, and every call
    outside a build, reach Streamlit's own functions, unchanged."""
    import streamlit as st

    for name in RECORDED:
        original = getattr(st, name)
        if getattr(original, "_pack_aware", False):
            continue

        def record(body="", *args, _name=name, _original=original, **kwargs):
            if (c := ui.collecting()) is not None:
                c.add("text", title=_name, notes=(str(body),))
                return None
            return _original(body, *args, **kwargs)

        record._pack_aware = True
        record.__wrapped__ = original
        record.__doc__ = original.__doc__
        setattr(st, name, record)


@contextlib.contextmanager
def _quiet_streamlit():
    """Streamlit warns on every call without a session ("bare mode"): expected here. Its loggers
    (those made during the build too) say only errors meanwhile."""
    import streamlit.logger as st_logger
    from streamlit import config

    config.get_option("logger.level")  # parsing the config sets the level: parse it first
    before = st_logger._global_log_level
    loggers = [lg for name, lg in logging.root.manager.loggerDict.items()
               if name.startswith("streamlit") and isinstance(lg, logging.Logger)]  # fmt: skip
    levels = [lg.level for lg in loggers]
    st_logger.set_log_level(logging.ERROR)
    try:
        yield
    finally:
        st_logger.set_log_level(before)
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


with _quiet_streamlit():  # the dashboard's blocks, imported without a session: expected
    from cjsperf import ui


@dataclass
class Section:
    page: site.Page
    collected: ui.Collector
    seconds: float


def collect(f: Filters, pages: Sequence[site.Page] = site.PAGES) -> list[Section]:
    """Run each page for the filters `f` and return what each would draw."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    _install_stop()
    _install_recorders()
    out: list[Section] = []

    def work() -> None:
        for page in pages:
            c = ui.Collector(f)
            ui.start_collecting(c)
            t0 = time.perf_counter()
            try:
                runpy.run_path(str(REPO / page.file), run_name="__pack__")
            except StopException:
                pass  # the page stopped, as it does on screen (its note is recorded)
            except Exception as exc:  # one broken page never loses the others
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                c.add("note", notes=(f"This page could not be drawn: {first}",))
            finally:
                ui.start_collecting(None)
            out.append(Section(page, c, time.perf_counter() - t0))

    with _quiet_streamlit():
        worker = threading.Thread(target=work, name="meeting-pack", daemon=True)
        worker.start()
        worker.join()
    return out


# ---------------------------------------------------------------------------- HTML pieces
def esc(text) -> str:
    return html.escape(str(text), quote=True)


def plain(text: str) -> str:
    """A page's text (Markdown with `:material/…:` icons, or a figure's `<br>`) as plain text."""
    return downloads.plain(html.unescape(str(text)))


_BADGE = re.compile(r":[a-z]+(?:-[a-z]+)*\[(.*?)\]")  # Streamlit's :blue-badge[…], :red[…]
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def markdown_text(text: str) -> str:
    """What a page's Markdown (st.caption, st.info, …) shows, as plain text: no icons, bold,
    code marks, badges or link targets. Streamlit shows HTML in it as typed, so '<year>' stays."""
    text = downloads._ICON.sub("", html.unescape(str(text)))
    text = _LINK.sub(r"\1", _BADGE.sub(r"\1", text))
    return re.sub(r"\s+", " ", text.replace("**", "").replace("`", "")).strip()


def _column_cells(s: pd.Series, label: str) -> tuple[list[str], str]:
    """A column's cells as text, and their class: 'n' a number (right-aligned), 'd' a date or
    month (kept on one line), '' text. The workbook's rules (`downloads.number_format`), months
    'Mar 2018'."""
    values = s.tolist()
    if pd.api.types.is_bool_dtype(s):
        return ["Yes" if v else "No" for v in values], ""
    if pd.api.types.is_numeric_dtype(s):
        fmt = downloads.number_format(s, label)
        d = len(fmt.split(".")[1]) if "." in fmt else 0
        return ["" if pd.isna(v) else f"{float(v):,.{d}f}" for v in values], "n"
    if pd.api.types.is_datetime64_any_dtype(s):
        return ["" if pd.isna(v) else f"{v.day} {v:%b %Y}" for v in values], "d"
    text = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values]
    if any(text) and all(downloads.MONTH_RE.match(t) for t in text if t):
        return [month_label(t) if t else "" for t in text], "d"
    return text, ""


KEEP_ROWS = 30  # a table this short is never split across printed pages
_table_ids = itertools.count(1)


def table_html(df: pd.DataFrame, caption: str = "") -> str:
    """An escaped HTML table: headers in words, numbers with separators and one precision per
    column, months as 'Mar 2018' (the same rules as the Excel workbook). In print, a table of up to
    KEEP_ROWS rows stays on one page, and a caption stays with its table (a paragraph naming the
    table, so that it can be kept with it: Chromium breaks a page between a <caption> and its
    rows)."""
    heads, columns, numeric = [], [], []
    for col in df.columns:
        label = downloads.header(col, {})
        cells, kind = _column_cells(df[col], label)
        heads.append(f"<th scope='col'>{esc(label)}</th>")
        columns.append([esc(c) for c in cells])
        numeric.append(kind)
    opens = [f"<td class='{k}'>" if k else "<td>" for k in numeric]
    rows = "".join(
        "<tr>" + "".join(o + c + "</td>" for o, c in zip(opens, row)) + "</tr>"
        for row in zip(*columns)
    )
    wide = " class='wide'" if len(heads) > 7 else ""
    label, cap = "", ""
    if caption:
        tid = f"table-{next(_table_ids)}"
        label, cap = f" aria-labelledby='{tid}'", f"<p class='tcap' id='{tid}'>{esc(caption)}</p>"
    keep = " keep" if len(df) <= KEEP_ROWS else ""
    return (
        f"<div class='table{keep}'>{cap}<table{wide}{label}><thead><tr>{''.join(heads)}</tr>"
        f"</thead><tbody>{rows}</tbody></table></div>"
    )


def _slug(text: str) -> str:
    return downloads.slug(text) or "section"


def _plain_json(value):
    """What `json` cannot write itself: NumPy values and arrays, dates (as ISO text)."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json(obj) -> str:
    """JSON safe inside <script>: no '</script>' or '<!--' can end it early."""
    return (
        json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=_plain_json)
        .replace("<", "\\u003c")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class Figures:
    """The pack's figures as lean JSON: one shared template, each figure without its own."""

    def __init__(self) -> None:
        self.template: dict | None = None
        self.figs: list[dict] = []

    def add(self, spec: Mapping) -> int:
        """Add a chart's `charts.Spec` (not changed: a kept spec is shared); its index."""
        layout = dict(spec.get("layout") or {})
        template = layout.pop("template", None)
        if self.template is None:
            self.template = template
        elif template is not None and template != self.template:
            layout["template"] = template  # a figure with a theme of its own keeps it
        layout["width"] = CHART_WIDTH
        layout.pop("autosize", None)
        self.figs.append({"data": spec.get("data", []), "layout": layout})
        return len(self.figs) - 1


def _note_list(notes: Sequence[str]) -> str:
    items = "".join(f"<li>{esc(t)}</li>" for t in map(markdown_text, notes) if t)
    return f"<ul class='notes'>{items}</ul>" if items else ""


def _item_html(item: ui.Collected, figures: Figures) -> str:
    if item.kind == "chart":
        i = figures.add(item.fig)
        mark = "<p class='mark'>Sample data — not real CPS figures</p>" if item.synthetic else ""
        table = table_html(item.data, f"Data: {plain(item.title)}") if item.data is not None else ""
        return (
            f"<figure class='chart'><div class='keep'>"
            f"<h3 class='headline'>{esc(plain(item.title))}</h3>"
            f"<p class='subtitle'>{esc(plain(item.subtitle))}</p>{mark}"
            f"<div class='plot' id='plot-{i}' role='img' aria-label='{esc(plain(item.title))}'>"
            f"</div></div>{_note_list(item.notes)}"
            f"<details open><summary>Data table</summary>{table}</details>"
            f"<p class='source'>Source: {esc(plain(item.source).replace('`', ''))}."
            f"{' Synthetic sample data.' if item.synthetic else ''}</p></figure>"
        )
    if item.kind == "html":  # status icons: HTML made by cjsperf.icons from escaped text
        return f"<div class='status'>{item.html}</div>"
    if item.kind == "note":
        return _note_list(item.notes)
    if item.kind == "text":  # what the page wrote with st.caption, st.info, …
        text = esc(markdown_text(item.notes[0]) if item.notes else "")
        if not text:
            return ""
        if item.title == "subheader":
            return f"<h3 class='sub'>{text}</h3>"
        if item.title in ("info", "warning", "error", "success"):
            return f"<p class='notice {item.title}'>{text}</p>"
        return f"<p class='{item.title}'>{text}</p>"
    if item.kind == "kpis":
        return f"<div class='kpis keep'>{table_html(item.data, 'Headline figures')}</div>"
    if item.kind == "table":
        return f"<div class='keep'><h3>{esc(item.title)}</h3>{table_html(item.data)}</div>"
    return ""


# ---------------------------------------------------------------------------- cover, quality
def _extracts_table() -> pd.DataFrame:
    from cjsperf.extracts import BY_NAME

    summary = ui.extract_summary(ui.warehouse().version)
    rows = []
    for r in summary.itertuples():
        e = BY_NAME.get(r.extract)
        monthly = e is not None and e.period_column == "month"

        def when(ts, monthly=monthly):
            if pd.isna(ts):
                return ""
            return month_label(f"{ts:%Y-%m}") if monthly else f"{ts.day} {ts:%b %Y}"

        rows.append(
            {
                "Extract": e.title if e else r.extract,
                "Data": "Synthetic sample" if e is not None and e.synthetic else "CPS published",
                "Data as of": when(r.last_date) or "nothing loaded",
                "Period covered": f"{when(r.first_date)} to {when(r.last_date)}"
                if not pd.isna(r.first_date)
                else "nothing loaded",
                "Files last changed": ""
                if pd.isna(r.last_changed)
                else f"{r.last_changed.day} {r.last_changed:%b %Y}",
                "Rows loaded": int(r.rows_loaded),
                "Rows rejected": int(r.rows_rejected),
            }
        )
    return pd.DataFrame(rows)


def _cover(f: Filters, extracts: pd.DataFrame, produced: str) -> str:
    synthetic = extracts.loc[extracts["Data"] == "Synthetic sample", "Extract"].tolist()
    filters = "".join(
        f"<tr><th scope='row'>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in ui.export_filters(f).items()
    )
    sample = (
        "<p class='mark'>Synthetic sample data: "
        + esc("; ".join(synthetic))
        + ". These figures are made by the project's generator to show how the dashboard works; "
        "they are not real CPS figures.</p>"
        if synthetic
        else ""
    )
    return (
        f"<section class='cover' id='cover'><h1>{esc(TITLE)}</h1>"
        f"<p class='lead'>{esc(f.geography)}, {esc(f.crime_type)}, {esc(f.period)}</p>"
        f"<table class='filters'><tbody>{filters}"
        f"<tr><th scope='row'>Produced on</th><td>{esc(produced)}</td></tr></tbody></table>"
        f"<h2>Data as of, per extract</h2>{table_html(extracts)}{sample}"
        f"<p class='caveat'><b>CPS case outcomes</b>: {esc(ui.CPS_SOURCE)}. {esc(ui.CPS_CAVEAT)}</p>"
        f"<p class='licence'>{esc(downloads.OGL)}</p></section>"
    )


def _quality() -> str:
    """Rejected rows, missing months, reconciliation: what the Data quality page says first."""
    wh = ui.warehouse()
    problems = wh.problems()
    parts = [f"<section class='page' id='{_slug(DQ_TITLE)}'><h2>{esc(DQ_TITLE)}</h2>"]
    if problems.empty:
        parts.append("<p>Every row of every file loaded: no rows were rejected, no warnings.</p>")
    else:
        by = (
            problems.groupby(["extract", "severity"]).size().unstack(fill_value=0)
            .reindex(columns=["error", "warning"], fill_value=0).reset_index()
            .rename(columns={"extract": "Extract", "error": "Errors (not loaded)",
                             "warning": "Warnings (loaded, check)"})
        )  # fmt: skip
        parts.append(table_html(by, "Rejected rows and warnings, by extract"))
    months = ui.query("dq_months_loaded")
    if len(months):
        from cjsperf.filters import month_runs

        gone = months[~months["loaded"].astype(bool)]
        span = f"{month_label(months['month'].iloc[0])} to {month_label(months['month'].iloc[-1])}"
        text = (
            f"Every month from {span} is loaded ({len(months)} months)."
            if gone.empty
            else f"{len(months) - len(gone)} of the {len(months)} months from {span} are loaded. "
            f"Missing: {'; '.join(month_runs(gone['month'].tolist()))}."
        )
        parts.append(f"<p><b>Months in the published CPS series.</b> {esc(text)}</p>")
    rec = ui.query("dq_national_reconciliation")
    if len(rec):
        bad = int((~rec["matches"].astype(bool)).sum())
        parts.append(
            "<p><b>National equals the sum of the police force areas</b> (each month and offence "
            f"category): {len(rec):,} checks, {bad:,} mismatches.</p>"
        )
    parts.append("</section>")
    return "".join(parts)


# ---------------------------------------------------------------------------- the file
def _css_string(text: str) -> str:
    """A CSS string literal (for the running header)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def render(f: Filters, sections: Sequence[Section], *, today: dt.date | None = None) -> str:
    from plotly.offline import get_plotlyjs

    produced = ui.produced_on(today)
    figures = Figures()
    extracts = _extracts_table()
    body, contents = [], []
    for s in sections:
        c = s.collected
        title = c.page_title or s.page.title
        anchor = _slug(s.page.url_path or s.page.title)
        contents.append(f"<li><a href='#{anchor}'>{esc(title)}</a></li>")
        parts = [f"<section class='page' id='{anchor}'><h2>{esc(title)}</h2>"]
        if c.intro:
            parts.append(f"<p class='intro'>{esc(plain(c.intro))}</p>")
        parts += [_item_html(item, figures) for item in c.items]
        if not any(item.kind == "chart" for item in c.items) and s.page.url_path:
            parts.append("<p class='muted'>No charts on this page for these filters.</p>")
        parts.append("</section>")
        body.append("".join(parts))
    contents.append(f"<li><a href='#{_slug(DQ_TITLE)}'>{esc(DQ_TITLE)}</a></li>")
    body.append(_quality())
    running = " · ".join(ui.export_filters(f).values())
    css = CSS.read_text(encoding="utf-8").replace("RUNNING_HEADER", _css_string(running))
    config = {
        "displaylogo": False,
        "responsive": False,
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }
    script = (
        f"const TEMPLATE={_json(figures.template or {})};const FIGS={_json(figures.figs)};"
        "const CONFIG=" + _json(config) + ";"
        "FIGS.forEach(function(f,i){f.layout.template=f.layout.template||TEMPLATE;"
        "Plotly.newPlot('plot-'+i,f.data,f.layout,CONFIG);});"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(TITLE)}: {esc(f.geography)}, {esc(f.crime_type)}, {esc(f.period)}</title>"
        f"<style>{css}</style></head><body>"
        f"<div class='running' aria-hidden='true'>{esc(running)}</div>"
        f"{_cover(f, extracts, produced)}"
        f"<nav class='contents' aria-label='Contents'><h2>Contents</h2><ol>{''.join(contents)}"
        "</ol></nav>"
        f"{''.join(body)}"
        # plotly.js once, offline: no MathJax, nothing fetched
        "<script>window.PlotlyConfig={MathJaxConfig:'local'};</script>"
        f"<script>{get_plotlyjs()}</script><script>{script}</script></body></html>"
    )


TIMINGS: dict[str, float] = {}  # seconds of the last build: collect (per page) and render


def build(f: Filters, *, today: dt.date | None = None) -> str:
    """The meeting pack for the filters `f`, as one HTML document."""
    t0 = time.perf_counter()
    ui.warehouse()  # up to date with the data folder once; the pages then read it as it is
    sections = collect(f)
    t1 = time.perf_counter()
    page = render(f, sections, today=today)
    TIMINGS.clear()
    TIMINGS.update({s.page.title: s.seconds for s in sections})
    TIMINGS.update(collect=t1 - t0, render=time.perf_counter() - t1)
    return page


# ---------------------------------------------------------------------------- PDF, command line
def chromium() -> str | None:
    for name in CHROMIUM:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path: Path, pdf_path: Path, browser: str | None = None) -> str:
    """Print the pack to PDF with headless Chromium; '' on success, else what went wrong."""
    browser = browser or chromium()
    if browser is None:
        return (
            "No Chromium found (looked for " + ", ".join(CHROMIUM) + "): the HTML pack was "
            "written; open it in a browser and print it to PDF, or install chromium."
        )
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--no-pdf-header-footer",
            "--generate-pdf-document-outline", "--virtual-time-budget=20000",
            f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri(),
        ]  # fmt: skip
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"Chromium could not print the pack: {exc}"
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        return f"Chromium could not print the pack (exit {done.returncode}): {tail[0]}"
    return ""


def parse_filters(pairs: Sequence[str], options) -> tuple[Filters | None, list[str]]:
    """key=value pairs, checked as the dashboard checks its link (`filters.parse_query_params`);
    any value it would refuse is an error here, named."""
    from cjsperf.filters import KEYS, parse_query_params

    errors: list[str] = []
    qp: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            errors.append(f"{pair!r} is not key=value")
        elif key not in KEYS:
            errors.append(f"{key!r} is not a filter; the keys are {', '.join(KEYS)}")
        else:
            qp.setdefault(key, []).extend(value.split(",") if key == "compare" else [value])
    if errors:
        return None, errors
    state, notices = parse_query_params(qp, options)
    if notices:  # the dashboard's words, less what it would show instead
        return None, [re.sub(r"` ?(.*?) ?`", r"'\1'", plain(n).replace("The link's ", ""))
                      .split(", so ")[0].split(" and was left")[0]
                      + " (python -m cjsperf pack --help)" for n in notices]  # fmt: skip
    return Filters(state["crime_type"], state["geography"], tuple(state["compare"]),
                   state["start"], state["end"]), []  # fmt: skip


def main(argv: Sequence[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m cjsperf pack",
        description="Write the meeting pack: every page's charts for the filters, in one HTML "
        "file that opens offline and prints to A4 landscape.",
    )
    parser.add_argument("filters", nargs="*", metavar="key=value",
                        help="crime_type, geography, start, end (YYYY-MM), compare (comma-"
                        "separated, or none): the dashboard's link parameters")  # fmt: skip
    parser.add_argument("--out", required=True, type=Path, help="the HTML file to write")
    parser.add_argument("--pdf", type=Path, help="also print it to this PDF (headless Chromium)")
    args = parser.parse_args(list(argv))
    t0 = time.perf_counter()
    with _quiet_streamlit():
        wh = ui.warehouse()
        if wh.notice:
            print(wh.notice, file=sys.stderr)
        options = ui._options(wh.version)
    f, errors = parse_filters(args.filters, options)
    if errors:
        for e in errors:
            print(f"pack: {e}", file=sys.stderr)
        return 1
    t1 = time.perf_counter()
    with _quiet_streamlit():
        page = build(f)
    try:
        args.out.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"pack: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    size = args.out.stat().st_size / 1e6
    print(f"Wrote {args.out} ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s (pages and "
          f"layout {time.perf_counter() - t1:.1f} s): {f.geography}, {f.crime_type}, {f.period}")  # fmt: skip
    if os.environ.get("CJSPERF_PACK_TIMINGS"):
        print(", ".join(f"{k} {v:.2f} s" for k, v in TIMINGS.items()), file=sys.stderr)
    if args.pdf:
        problem = print_pdf(args.out, args.pdf)
        if problem:
            print(f"pack: {problem}", file=sys.stderr)
            return 1
        print(f"Wrote {args.pdf}")
    return 0


def summary_of(sections: Sequence[Section]) -> Mapping[str, int]:
    """Charts per page title (for messages and tests)."""
    return {s.page.title: sum(i.kind == "chart" for i in s.collected.items) for s in sections}
