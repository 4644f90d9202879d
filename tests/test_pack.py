"""The meeting pack (issue 10): one file holding what the dashboard shows for the filters, offline.

The dashboard's headlines come from running each page under AppTest (`open_app`), independently of
the pack's code; the conviction rate from the published CSV (223 ÷ (223 + 12) = 94.89… → 94.9%).
The browser tests open the file in headless Chromium with every request but the file aborted.
"""

from __future__ import annotations

import csv
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
        out[p.file] = {"headlines": heads, "metrics": metric_values(at), "buttons": buttons}
    return out


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


@pytest.mark.browser
def test_pack_prints_to_pdf_with_a_page_per_section_and_text(pack_html, tmp_path):
    from cjsperf import pack

    _browser()
    pdf = tmp_path / "pack.pdf"
    assert pack.print_pdf(pack_html, pdf, str(CHROMIUM)) == ""
    data = pdf.read_bytes()
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
