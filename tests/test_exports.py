"""Every export stands on its own (issue 10): the figure carries its source, data date, production
date and the sample mark inside it, with room for the last month's label; the workbook has headers
in words with units, number formats, months as dates, plain text, every filter and note; the CSV
keeps the machine names and the same rows.

Expected values are written out here by hand or read from the published CSV files' names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from cjsperf import charts, downloads
from cjsperf.agent_use import LABELS
from tests.apptest_support import DATA, chart, chart_specs

FILTERED = dict(
    crime_type="Drugs Offences", geography="West Midlands", start="2018-03", end="2018-03"
)


def latest_published_month() -> str:
    """'Mar 2018': the latest CPS file in data/case_outcomes, from the files' names."""
    names = [p.stem.lower() for p in (DATA / "case_outcomes").rglob("*.csv")]
    months = {m: i for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}  # fmt: skip
    found = []
    for p in (DATA / "case_outcomes").rglob("*.csv"):
        year = int(p.parent.name)
        word = next(w for w in p.stem.lower().replace("_", " ").split() if w[:3] in months)
        found.append((year, months[word[:3]]))
    assert names and found
    year, month = max(found)
    return f"{dt.date(year, month, 1):%b %Y}"


def source_annotation(spec: dict) -> dict:
    found = [a for a in spec["layout"].get("annotations", []) if a.get("name") == "source_line"]
    assert len(found) == 1, spec["layout"].get("annotations")
    return found[0]


def test_the_published_chart_carries_its_source_date_and_room_for_the_last_label(open_app):
    at = open_app("pages/conviction_rates.py", **FILTERED)
    _, spec = chart(at, "Drugs Offences conviction rate 94.9%")
    note = source_annotation(spec)
    today = dt.date.today()
    lines = note["text"].split("<br>")  # wrapped to fit a half-width chart
    assert " ".join(lines) == (
        "Source: Crown Prosecution Service, Case Outcomes by Principal Offence Category. "
        f"Data as at {latest_published_month()}. Produced {today.day} {today:%b %Y}."
    )
    assert "Sample data" not in note["text"]
    # In the bottom margin, below the tick labels and the axis title, inside the figure.
    assert note["yref"] == "paper" and note["y"] == 0 and note["yanchor"] == "top"
    assert note["yshift"] <= -34
    margin = spec["layout"]["margin"]
    assert margin["b"] >= -note["yshift"] + 15 * len(lines)  # each line of 11 px text below it
    assert margin["r"] >= 40  # half of 'Mar 2018' at 15 px past the last month's point


def test_every_chart_of_a_sample_page_says_it_is_sample_data_inside_the_figure(open_app):
    at = open_app("pages/task_completion.py")
    specs = chart_specs(at)
    assert len(specs) >= 4
    # Drawn with the figure's own theme (15 px Arial, as in the pack and the exported images), not
    # Streamlit's smaller fonts: the source line's place at the figure's left edge is worked out
    # from the tick labels' size, and under Streamlit's theme it started outside the figure.
    themes = [el.proto.theme for el in at.get("plotly_chart")]
    assert themes == [""] * len(specs)
    assert {spec["layout"]["template"]["layout"]["font"]["size"] for spec in specs} == {15}
    for spec in specs:
        text = source_annotation(spec)["text"].replace("<br>", " ")
        assert text.startswith("<span style='color:#B3400A'><b>Sample data — not real CPS figures")
        assert "Synthetic sample extract made by python -m cjsperf sample" in text
        assert "`" not in text


def test_source_text_is_plain_and_complete():
    assert charts.source_text("CPS", as_at="Mar 2018", produced="1 Dec 2026", synthetic=True) == (
        "Sample data — not real CPS figures. Source: CPS. Data as at Mar 2018. Produced 1 Dec 2026."
    )


SPEND = pd.DataFrame(
    {
        "month": ["2018-01", "2018-02", "2018-03"],
        "agent_fees": [274443.54, 1000.0, 85.0],
        "agent_share": [85.0, 85.2, 9.25],
        "payments": [1200, 3, 45],
        "court": ["Birmingham <Crown>", "Coventry", "Wolverhampton"],
    }
)


@pytest.fixture(scope="module")
def book():
    data = downloads.excel_bytes(
        SPEND,
        title="Agent fees fell<br>to £85",
        subtitle="Agent fees by month, CPS West Midlands<br>Jan 2018 to Mar 2018",
        source="`Synthetic` sample",
        filters={"Crime type": "All crime", "Geography": "CPS West Midlands",
                 "Period": "Jan 2018 to Mar 2018", "Compared with": "National, Staffordshire"},
        definitions=("Agent fees: **paid** to agents.",),
        synthetic=True,
        column_labels=LABELS,
        notes=(":material/date_range: Covers 2 of 3 months; Feb 2018 not in the extract.",),
        as_at="Mar 2018",
        produced="1 Dec 2026",
    )  # fmt: skip
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_text(ws) -> list[str]:
    return [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]


def test_workbook_headers_are_words_with_units(book):
    ws = book["Data"]
    rows = list(ws.iter_rows(values_only=True))
    header_row = next(i for i, r in enumerate(rows) if r[0] == "Month")
    assert rows[header_row] == (
        "Month", "Agent fees (£)", "Agent share (%)", "Payments", "Court",
    )  # fmt: skip


def test_workbook_numbers_and_months_are_formatted(book):
    ws = book["Data"]
    first = next(r for r in ws.iter_rows() if isinstance(r[0].value, dt.datetime))
    month, fees, share, payments, court = first
    assert month.value == dt.datetime(2018, 1, 1) and month.number_format == "mmm yyyy"
    assert fees.value == pytest.approx(274443.54) and fees.number_format == "#,##0.00"
    # 85.0, 85.2 and 9.25 share one precision: two places (9.25 needs them)
    assert share.number_format == "#,##0.00"
    assert payments.value == 1200 and payments.number_format == "#,##0"
    assert court.value == "Birmingham <Crown>"  # data stays as it is
    months = [r[0].value for r in ws.iter_rows() if isinstance(r[0].value, dt.datetime)]
    assert months == [dt.datetime(2018, m, 1) for m in (1, 2, 3)]


def test_one_decimal_column_keeps_one_decimal_throughout():
    table, formats = downloads.workbook_table(
        pd.DataFrame({"rate": [85.0, 85.2]}), {"rate": "Rate (%)"}
    )
    assert list(table.columns) == ["Rate (%)"] and formats == {"Rate (%)": "#,##0.0"}


def test_workbook_text_is_plain_and_says_dates_filters_and_notes(book):
    text = sheet_text(book["Cover"]) + sheet_text(book["Notes"]) + sheet_text(book["Data"])
    joined = "\n".join(text)
    for bad in ("<br", "**", ":material/", "`"):
        assert bad not in joined, bad
    cover = sheet_text(book["Cover"])
    assert cover[0] == "Agent fees fell, to £85"
    assert "Agent fees by month, CPS West Midlands, Jan 2018 to Mar 2018" in cover
    assert ("Filters: Crime type: All crime; Geography: CPS West Midlands; Period: Jan 2018 to "
            "Mar 2018; Compared with: National, Staffordshire") in cover  # fmt: skip
    assert "Produced on 1 Dec 2026." in cover and "Data as at Mar 2018." in cover
    assert "Covers 2 of 3 months; Feb 2018 not in the extract." in joined
    assert "Agent fees: paid to agents." in joined


def test_csv_keeps_machine_names_and_the_same_rows():
    rows = list(csv.DictReader(io.StringIO(downloads.csv_bytes(SPEND).decode())))
    assert list(rows[0]) == ["month", "agent_fees", "agent_share", "payments", "court"]
    assert [r["month"] for r in rows] == ["2018-01", "2018-02", "2018-03"]
    assert rows[0]["agent_fees"] == "274443.54"


@pytest.mark.browser
def test_the_source_line_starts_at_the_figures_left_edge_and_is_not_clipped(tmp_path):
    """Drawn by plotly.js in headless Chromium at 700 px (an image export's size): the source
    line begins within 12 px of the figure's left edge, left of the plot, and ends inside it."""
    from pathlib import Path

    from plotly.offline import get_plotlyjs

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium is missing")
    sync = pytest.importorskip("playwright.sync_api")
    df = pd.DataFrame({"m": ["2018-01-01", "2018-02-01", "2018-03-01"], "v": [78.0, 88.0, 81.6]})
    fig = charts.line_chart(df, x="m", y="v", headline="Tasks on time", subtitle="By month",
                            y_title="On time", y_suffix="%", y_format=".1f")  # fmt: skip
    source = "Synthetic sample extract made by python -m cjsperf sample (not real CPS data), " * 2
    charts.add_source(fig, source, as_at="Mar 2018", produced="1 Dec 2026", synthetic=True)
    fig["layout"]["width"] = 700
    page = tmp_path / "fig.html"
    page.write_text(
        f"<html><body style='margin:0'><div id='f'></div><script>{get_plotlyjs()}</script>"
        f"<script>Plotly.newPlot('f', {go.Figure(fig).to_json()});</script></body></html>",
        encoding="utf-8",
    )
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 800, "height": 700})
        tab.goto(page.resolve().as_uri(), timeout=120_000)
        box = tab.evaluate(
            "(() => { const r = e => e.getBoundingClientRect();"
            " const a = [...document.querySelectorAll('.annotation-text')]"
            "   .find(t => t.textContent.includes('Synthetic sample extract'));"
            " return {a: r(a).left, right: r(a).right, "
            "   plot: r(document.querySelector('.bglayer rect, .nsewdrag')).left,"
            "   fig: r(document.querySelector('.main-svg')).right}; })()"
        )
        browser.close()
    assert 0 <= box["a"] <= 12  # the figure's left edge is at 0
    assert box["a"] < box["plot"] - 40  # well left of the plot (the y labels and title between)
    assert box["right"] <= box["fig"]  # nothing cut off at the right
