"""The meeting pack (issue 10): one file holding what the dashboard shows for the filters, offline.

The dashboard's headlines come from running each page under AppTest (`open_app`), independently of
the pack's code; the conviction rate from the published CSV (223 ÷ (223 + 12) = 94.89… → 94.9%).
The browser tests open the file in headless Chromium with every request but the file aborted.
"""

from __future__ import annotations

import csv
import html as htmllib
import json
import os
import re
import subprocess
import sys
import zlib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from cjsperf import site
from cjsperf.filters import Filters
from tests.apptest_support import DATA, REPO, chart_specs, metric_values

FILTERS = dict(
    crime_type="Drugs Offences", geography="West Midlands", start="2018-03", end="2018-03"
)


def published_rate() -> str:
    """West Midlands, Drugs Offences, March 2018, from the CPS file with the csv module."""
    path = DATA / "case_outcomes/2018/Principal_Offence_Category_Mar.csv"
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, row = rows[0], next(r for r in rows if r[0] == "West Midlands")
    conv = int(row[header.index("Number of Drugs Offences Convictions")].replace(",", ""))
    uns = int(row[header.index("Number of Drugs Offences Unsuccessful")].replace(",", ""))
    rate = (Decimal(100 * conv) / Decimal(conv + uns)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{rate}%"


def headline(spec: dict) -> str | None:
    """A chart's headline: the bold first part of its title (None for a sparkline)."""
    text = (spec.get("layout", {}).get("title") or {}).get("text")
    if not text:
        return None
    return text.split("</b>")[0].removeprefix("<b>").replace("<br>", " ")


def pack_figures(page: str) -> list[dict]:
    found = re.search(r"const FIGS=(\[.*?\]);const CONFIG=", page, re.S)
    assert found, "no figures in the pack"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def dashboard(open_app) -> dict[str, dict]:
    """Per page: the headlines and metric values the dashboard shows for FILTERS."""
    out = {}
    for p in site.PAGES:
        at = open_app(p.file if p.url_path else None, **FILTERS)
        heads = [h for h in map(headline, chart_specs(at)) if h]
        buttons = [b.proto.label for b in at.get("download_button")]
        out[p.file] = {"headlines": heads, "metrics": metric_values(at), "buttons": buttons,
                       "texts": shown_texts(at)}  # fmt: skip
    return out


def words(text: str) -> str:
    """Markdown as a reader sees it: no :material/…: icons, badges, bold, code marks or link
    targets; entities decoded; spaces collapsed. (Written here, apart from the pack's code.)"""
    text = htmllib.unescape(text)
    text = re.sub(r":material/[a-z_]+:", "", text)
    text = re.sub(r":[a-z-]+\[(.*?)\]", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return " ".join(text.replace("**", "").replace("`", "").split())


def shown_texts(at) -> list[str]:
    """Every caption, info, warning and success text the page shows, as plain words."""
    out = []
    for kind in ("caption", "info", "warning", "success"):
        out += [words(e.value) for e in getattr(at, kind)]
    return [t for t in out if t]


def pack_words(page: str) -> str:
    """The pack's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    body = page.split("<body>", 1)[1].split("<script", 1)[0]
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture(scope="module")
def pack_html(dashboard, tmp_path_factory) -> Path:
    """The pack for FILTERS, built in this process after the pages ran (the same warehouse)."""
    from cjsperf import pack

    html = pack.build(Filters(FILTERS["crime_type"], FILTERS["geography"], ("National",),
                              FILTERS["start"], FILTERS["end"]))  # fmt: skip
    path = tmp_path_factory.mktemp("pack") / "pack.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_pack_holds_the_published_rate_and_every_headline_the_dashboard_shows(dashboard, pack_html):
    page = pack_html.read_text(encoding="utf-8")
    assert published_rate() == "94.9%"
    assert "94.9%" in page
    in_pack = [headline(f) for f in pack_figures(page)]
    every = [h for d in dashboard.values() for h in d["headlines"]]
    assert len(every) >= 8
    assert sorted(every) == sorted(in_pack)  # the same charts, no more, no fewer
    # The headline figures of the pages that show them, as the tiles show them.
    for p in site.PAGES:
        if p.file in ("pages/overview.py", "pages/data_quality.py"):
            continue
        for label, value in dashboard[p.file]["metrics"].items():
            assert f"<td>{label}</td><td>{value}</td>" in page.replace("&#x27;", "'"), (
                p.file,
                label,
            )


def missing_notes(texts: dict[str, list[str]], page: str) -> dict[str, list[str]]:
    """The notes a page shows that the pack lacks. The Overview's tiles are in the pack as one
    table (each tile's figures in columns), so only the Overview's own notes are looked for."""
    text = pack_words(page)
    out = {}
    for file, shown in texts.items():
        if file == "pages/overview.py":
            shown = [t for t in shown if t.startswith("Conviction rate (all crime")]
            assert len(shown) == 1
        if lost := [t for t in shown if t not in text]:
            out[file] = lost
    return out


def tasks_year_before() -> str:
    """The task page's 'A year before' line for FILTERS, from data/tasks/*.csv.gz with pandas:
    Drugs Offences tasks due in Mar 2017 against Mar 2018, on time = completed by the due date."""
    import pandas as pd

    df = pd.concat(pd.read_csv(p, dtype=str) for p in sorted((DATA / "tasks").glob("*.csv.gz")))
    drugs = df[df["offence_category"] == "Drugs Offences"]

    def month(m):
        d = drugs[drugs["due_date"].str[:7] == m]
        on = (d["completed_date"].notna() & (d["completed_date"] <= d["due_date"])).sum()
        return len(d), Decimal(100 * int(on)) / Decimal(len(d))

    (due_then, rate_then), (due_now, rate_now) = month("2017-03"), month("2018-03")
    r_then, r_now = (r.quantize(Decimal("0.1"), ROUND_HALF_UP) for r in (rate_then, rate_now))
    change = (Decimal(100 * (due_now - due_then)) / due_then).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    return (f"A year before (Mar 2017): on time {r_then}% ({r_now - r_then:+} points); "
            f"tasks due {due_then:,} ({change:+}%);")  # fmt: skip


def test_pack_says_every_note_the_pages_show(dashboard, pack_html):
    """Each caption, info, warning the pages show for FILTERS is in the pack, word for word."""
    page = pack_html.read_text(encoding="utf-8")
    texts = {p: d["texts"] for p, d in dashboard.items()}
    assert missing_notes(texts, page) == {}
    assert sum(len(t) for t in texts.values()) >= 40
    # Worked from the task files: 1,776 of 2,241 on time in Mar 2017 (79.3%), 88.0% in Mar 2018
    line = tasks_year_before()
    assert line == "A year before (Mar 2017): on time 79.3% (+8.7 points); tasks due 2,241 (-4.1%);"
    assert line in pack_words(page)
    assert line in " ".join(texts["pages/task_completion.py"])
    # Each of the 7 pages on synthetic extracts says so, as on screen
    words_ = pack_words(page)
    assert words_.count("Sample data. The figures on this page come from synthetic extracts") == 7


def test_pack_for_the_default_filters_says_every_note_the_pages_show(open_app, tmp_path):
    from cjsperf import pack, ui

    texts = {p.file: shown_texts(open_app(p.file if p.url_path else None)) for p in site.PAGES}
    f, errors = pack.parse_filters([], ui._options(ui.warehouse().version))
    assert errors == [] and f.period == "FY 2017-18 (Apr 2017 to Mar 2018)"
    page = pack.build(f)
    assert missing_notes(texts, page) == {}
    assert sum(len(t) for t in texts.values()) >= 40


def test_the_overview_offers_the_pack(dashboard):
    assert dashboard["pages/overview.py"]["buttons"].count("Download meeting pack") == 1
    assert "Download meeting pack" not in dashboard["pages/conviction_rates.py"]["buttons"]


def test_pack_has_every_page_a_cover_and_the_quality_summary(pack_html):
    page = pack_html.read_text(encoding="utf-8")
    for p in site.PAGES:
        assert f">{p.title}</a></li>" in page and f"<h2>{p.title}</h2>" in page
    assert "Data quality summary" in page
    assert "provisional management information, not official statistics" in page
    assert "Open Government Licence v3.0" in page
    assert "Compared with</th><td>National" in page
    # 12 of the 51 months from Jan 2014 to Mar 2018 have no CPS file in data/case_outcomes
    files = list((DATA / "case_outcomes").rglob("*.csv"))
    assert f"{len(files)} of the 51 months from Jan 2014 to Mar 2018 are loaded" in page


def test_every_chart_is_what_plotly_validation_makes_of_it(dashboard, pack_html):
    """The charts are written as plain JSON (`charts.Spec`), never through Plotly's validating
    objects: each must be valid and unchanged by the validation it skips."""
    import plotly.graph_objects as go

    page = pack_html.read_text(encoding="utf-8")
    template = json.loads(re.search(r"const TEMPLATE=(\{.*?\});const FIGS=", page).group(1))
    figs = pack_figures(page)
    assert len(figs) == sum(len(d["headlines"]) for d in dashboard.values())  # every chart shown
    for fig in figs:
        fig["layout"]["template"] = template  # the pack holds it once, for every chart
        checked = json.loads(go.Figure(json.loads(json.dumps(fig))).to_json())
        assert checked == fig


def test_pack_is_lean_and_fetches_nothing(pack_html):
    from plotly.offline import get_plotlyjs

    page = pack_html.read_text(encoding="utf-8")
    assert pack_html.stat().st_size < 8_000_000
    assert page.count(get_plotlyjs()[:200]) == 1  # plotly.js embedded once
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=", page)
    assert '"template"' not in page.split("const FIGS=")[1].split(";const CONFIG")[0]


def _cli(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CJSPERF_DB": str(tmp_path / "cli.duckdb"),
        "CJSPERF_DATA": str(tmp_path / "data"),
    }
    (tmp_path / "data").mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "cjsperf", "pack", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.mark.parametrize(
    ("arg", "named"),
    [("crime_type=Burgling", "crime type 'Burgling'"), ("colour=red", "'colour' is not a filter")],
)
def test_cli_names_an_invalid_value_and_exits_1(tmp_path, arg, named):
    done = _cli(tmp_path, arg, "--out", str(tmp_path / "x.html"))
    assert done.returncode == 1
    assert named in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "x.html").exists()


# ------------------------------------------------------------------------------ in Chromium
CHROMIUM = Path("/usr/bin/chromium")


def _browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing")
    return pytest.importorskip("playwright.sync_api")


@pytest.mark.browser
def test_pack_renders_every_chart_offline(pack_html):
    sync = _browser()
    url = pack_html.resolve().as_uri()
    others: list[str] = []
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()

        def route(r):
            if r.request.url == url:
                r.continue_()
            else:
                others.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(url)
        page.wait_for_function("document.querySelectorAll('.plot .main-svg').length > 0")
        n_figs = page.evaluate("FIGS.length")
        drawn = page.evaluate(
            "[...document.querySelectorAll('.plot')].filter(d => d.querySelector('.main-svg')"
            " && d.querySelector('.gtitle')).length"
        )
        titles = page.evaluate(
            "[...document.querySelectorAll('.plot .gtitle')].map(t => t.textContent)"
        )
        browser.close()
    assert n_figs == len(pack_figures(pack_html.read_text(encoding="utf-8"))) >= 8
    assert drawn == n_figs
    assert any("94.9%" in t for t in titles)
    assert others == []


@pytest.fixture(scope="module")
def pack_pdf(pack_html, tmp_path_factory) -> Path:
    from cjsperf import pack

    _browser()
    pdf = tmp_path_factory.mktemp("pdf") / "pack.pdf"
    assert pack.print_pdf(pack_html, pdf, str(CHROMIUM)) == ""
    return pdf


@pytest.mark.browser
def test_pack_prints_to_pdf_with_a_page_per_section_and_text(pack_pdf):
    data = pack_pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    sections = 2 + len(site.PAGES) + 1  # cover, contents, the pages, the quality summary
    assert pages >= sections
    # The outline (bookmarks) holds each section's heading as text.
    outline = {m.decode("latin-1") for m in re.findall(rb"/Title\s*\(([^)]*)\)", data)}
    assert {p.title for p in site.PAGES} | {"Contents", "Data quality summary"} <= outline
    # Text is text, not pictures: fonts map glyphs back to characters, pages show text.
    assert data.count(b"/ToUnicode") >= 1
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
    shown = 0
    for s in streams:
        try:
            shown += len(re.findall(rb"\bTJ\b|\bTj\b", zlib.decompress(s)))
        except zlib.error:
            continue
    assert shown > 100


@pytest.mark.browser
def test_a_printed_table_keeps_its_caption(pack_pdf):
    """No printed page ends with a table's caption ('Data: …') or with a caption and the table's
    header row, the rows left to the next page (pdftotext from Debian's poppler-utils, which
    scripts/test.sh installs)."""
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", str(pack_pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    pages = [[ln.strip() for ln in p.splitlines() if ln.strip()] for p in text.split("\f")]
    captions = sum(ln.startswith("Data: ") for p in pages for ln in p)
    assert captions >= 30  # the charts' data tables, every one captioned
    stranded = [
        (i + 1, p[-3:])
        for i, p in enumerate(pages)
        if any(
            ln.startswith("Data: ") for ln in [ln for ln in p if not ln.startswith("Page ")][-2:]
        )
    ]
    assert stranded == []
