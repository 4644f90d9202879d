"""The Agent spend page under AppTest, over the sample extracts in data/.

Expected figures are worked out here with pandas from the raw .csv.gz files and the court reference
list, never taken from the page's queries.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from tests import xmr_reference
from tests.apptest_support import DATA, captions, chart, charts, metrics, open_table, values

PAGE = "pages/agent_spend.py"
FY = ("2017-04", "2018-03")  # the default period: the latest 12 months of the sample


# ----------------------------------------------------------------------------- raw data
def _courts() -> pd.DataFrame:
    return pd.read_csv(DATA / "reference" / "court_centres.csv", dtype=str)


@pytest.fixture(scope="module")
def spend() -> pd.DataFrame:
    files = sorted((DATA / "agent_spend").glob("*.csv*"))
    df = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in files])
    df["amount"] = df["amount_gbp"].map(Decimal)
    df["month"] = df["payment_date"].str[:7]
    return df


@pytest.fixture(scope="module")
def sessions() -> pd.DataFrame:
    files = sorted((DATA / "court_sessions").glob("*.csv*"))
    df = pd.concat([pd.read_csv(p, dtype=str) for p in files])
    df = df.merge(_courts()[["court_centre", "force_area"]], on="court_centre", how="left")
    df["month"] = df["session_date"].str[:7]
    return df[df["court_type"] == "Magistrates' court"]


def between(df: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return df[(df["month"] >= start) & (df["month"] <= end)]


def half_up(num, den) -> Decimal:
    return (Decimal(100 * int(num)) / Decimal(int(den))).quantize(Decimal("0.1"), ROUND_HALF_UP)


def pounds(v: Decimal) -> str:
    return f"£{v:,.0f}" if v < 1_000_000 else f"£{v / 1_000_000:,.2f}m"


# ----------------------------------------------------------------------------- the page
@pytest.fixture(scope="module")
def open_page(open_app):
    """open_page(**query_params) → a finished AppTest run of the page, opened as from a link."""
    return functools.partial(open_app, PAGE)


def dec(v) -> Decimal:
    """A chart's float as exact pence, to compare with sums of the files' amounts."""
    return Decimal(str(v)).quantize(Decimal("0.01"))


# ----------------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def default_page(open_page):
    return open_page()


def test_default_view_headline_figures(default_page, spend, sessions):
    fy = between(spend, *FY)
    agent = fy[fy["spend_type"] == "Agent session fee"]
    got = metrics(default_page)
    assert got["Total spend"][0] == pounds(fy["amount"].sum())
    assert got["Agent fees"][0] == pounds(agent["amount"].sum())
    assert got["Counsel fees"][0] == pounds(fy["amount"].sum() - agent["amount"].sum())
    cost = agent["amount"].sum() / agent["sessions"].astype(int).sum()
    assert got["Cost per session"][0] == f"£{cost:,.0f}"
    # Agent share and its change on FY 2016-17, in points.
    now = between(sessions, *FY)
    before = between(sessions, "2016-04", "2017-03")
    share_now = half_up((now["prosecutor"] == "Agent").sum(), len(now))
    share_before = half_up((before["prosecutor"] == "Agent").sum(), len(before))
    assert got["Agent share"] == (f"{share_now}%", f"{share_now - share_before:+.1f} points")
    # Spend fell on the year before: the change is negative and worked out from the files.
    prev = between(spend, "2016-04", "2017-03")["amount"].sum()
    change = (fy["amount"].sum() - prev) / prev * 100
    assert got["Total spend"][1] == f"{change:+.1f}%"


def test_agent_fees_by_court_table_counts_the_agent_sessions_paid(open_page, spend):
    """The by-court table's session count is the agent sessions the fees paid for, labelled so
    (not "Sessions listed", which is every session the court listed, on Court sessions)."""
    at = open_page()
    table = open_table(at, "agent-fees-by-court")
    fy = between(spend, *FY)
    paid = fy[fy["spend_type"] == "Agent session fee"].assign(n=lambda d: d["sessions"].astype(int))
    want = paid.groupby("court_centre")["n"].sum().to_dict()
    assert "Sessions listed" not in table.columns
    assert dict(zip(table["Court centre"], table["Agent sessions"], strict=True)) == want
    assert sum(want.values()) == paid["n"].sum()


def test_a_chart_table_runs_only_when_opened(open_page):
    """Each chart's data table and downloads are made and sent only while its expander is open
    (issue 11: a closed table costs a rerun nothing): none at first; the spend chart's table, once
    opened, holds its 24 months (Apr 2016 to Mar 2018), with both downloads."""
    at = open_page()
    assert [e.label for e in at.expander].count("Data table and downloads") == 6
    assert len(at.dataframe) == 0 and len(at.get("download_button")) == 0
    table = open_table(at, "spend-by-month")
    assert list(table["Month"].iloc[[0, -1]]) == ["2016-04", "2018-03"] and len(table) == 24
    assert len(at.dataframe) == 1
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV", "Download Excel"]


def test_default_view_charts(default_page, spend):
    """Spend by month is an SPC chart over the 24 months to Mar 2018. The ODP (25 Sep 2017) changes
    the spend process from Oct 2017, but only 6 points follow it, so the limits stay those of the
    18 months before (events.csv; Making Data Count), and Mar 2018 is judged against them."""
    months = between(spend, "2016-04", "2018-03").groupby("month")["amount"].sum()
    before = [float(v) for m, v in months.items() if m < "2017-10"]
    assert len(months) == 24 and len(before) == 18
    mean, lower, upper = xmr_reference.limits(before)
    march = months["2018-03"]
    head, spec = chart(default_page, "Agent and counsel spend")
    assert head.startswith(f"Agent and counsel spend {pounds(march)}: ")
    if lower <= float(march) <= upper:
        assert f"within its usual range ({pounds(Decimal(lower))}–{pounds(Decimal(upper))})" in head
    # The table behind it (opened): every month with its mean and limits, as worked out here.
    table = open_table(default_page, "spend-by-month")
    assert len(table) == 24
    assert table["Mean"].iloc[0] == pytest.approx(mean)
    assert table["Upper process limit"].iloc[-1] == pytest.approx(upper)
    assert table["Lower process limit"].iloc[-1] == pytest.approx(lower)
    # The target is drawn as a dashed line with its value, and the ODP is marked.
    shapes, notes = spec["layout"]["shapes"], spec["layout"]["annotations"]
    assert any(s.get("line", {}).get("dash") == "dash" and s.get("y0") == 300000 for s in shapes)
    assert any("£300,000" in a["text"] for a in notes)
    assert any("Operational Delivery Plan launched, 25 Sep 2017" in a["text"] for a in notes)
    # The variation and assurance in words, in the chart (for an exported image) and beside it.
    title = spec["layout"]["title"]["text"]
    assert "Common cause" in title or "Special cause" in title
    # The axis spans the 24 months shown (an event label does not widen it).
    assert spec["layout"]["xaxis"]["range"] == ["2016-03-16", "2018-03-17"]
    assert len(charts(default_page)) == 6
    assert "not recorded by crime type" not in captions(default_page)


def test_crime_type_force_and_month(open_page, spend, sessions):
    at = open_page(
        crime_type="Drugs Offences",
        geography="West Midlands",
        start="2018-03",
        end="2018-03",
        compare="National",
    )
    march = spend[(spend["month"] == "2018-03") & (spend["force_area"] == "West Midlands")]
    agent = march[march["spend_type"] == "Agent session fee"]
    drugs = march[
        (march["spend_type"] == "External counsel fee")
        & (march["offence_category"] == "Drugs Offences")
    ]
    mags = sessions[(sessions["month"] == "2018-03") & (sessions["force_area"] == "West Midlands")]
    share = half_up((mags["prosecutor"] == "Agent").sum(), len(mags))

    got = metrics(at)
    assert got["Agent share"][0] == f"{share}%"
    assert got["Total spend"][0] == pounds(march["amount"].sum())  # all crime
    feb = spend[
        (spend["month"] == "2018-02")
        & (spend["force_area"] == "West Midlands")
        & (spend["offence_category"] == "Drugs Offences")
        & (spend["spend_type"] == "External counsel fee")
    ]["amount"].sum()
    change = (drugs["amount"].sum() - feb) / feb * 100
    assert got["Counsel: Drugs"] == (pounds(drugs["amount"].sum()), f"{change:+.1f}%")
    # The agent share SPC chart ends at the one month chosen, at the figure worked out from the
    # files, and shows the 24 months to it (the control limits need them).
    head, spec = chart(at, "Agent share of magistrates' sessions")
    assert head.startswith(f"Agent share of magistrates' sessions {share}%: ")
    line = next(t for t in spec["data"] if t.get("mode") == "lines" and t["line"]["width"] == 2)
    assert len(values(line["x"])) == 24 and values(line["x"])[-1] == "2018-03"
    assert Decimal(str(values(line["y"])[-1])) == share
    assert "24 months for the control limits" in spec["layout"]["title"]["text"]
    # Counsel fees by Crown Court centre are Drugs Offences only; agent fees stay all crime.
    _, counsel = chart(at, "highest counsel fees")
    assert sum(dec(v) for v in values(counsel["data"][0]["x"])) == drugs["amount"].sum()
    _, agents = chart(at, "highest agent fees")
    assert sum(dec(v) for v in values(agents["data"][0]["x"])) == agent["amount"].sum()
    text = captions(at)
    assert "Agent session fees are not recorded by crime type, so this shows all crime, not " \
        "Drugs Offences." in text  # fmt: skip
    assert "Counsel fees are recorded by offence category: Drugs Offences only here." in text
    assert "Comparisons with National and other areas are not available" in text
    assert "No target line: the target is for the whole Area, not West Midlands." in text
    # The chosen category is the highlighted bar and the subject of the headline.
    head, _ = chart(at, "of counsel fees")
    assert head.startswith("Drugs Offences: ")


def test_flag_says_it_is_not_in_the_extract(open_page):
    at = open_page(crime_type="Hate crime", compare="")
    text = captions(at)
    assert "Hate crime flags are not in the spend extract" in text
    assert "not recorded by crime type, so this shows all crime, not Hate crime." in text
    assert "Comparisons with National" not in text


def test_first_months_have_no_previous_period(open_page, spend):
    at = open_page(start="2015-04", end="2015-06")
    got = metrics(at)
    first = between(spend, "2015-04", "2015-06")
    assert got["Total spend"][0] == pounds(first["amount"].sum())
    assert not got["Total spend"][1]  # no change shown
    assert "No change shown" in captions(at)


def test_a_period_before_the_extract_says_so_plainly(open_page, spend):
    # Published case outcomes start in 2014; the spend extract in April 2015. Spend has no crime
    # type to change, so none is suggested, even with one chosen.
    first, last = (dt.datetime.strptime(spend["month"].agg(f), "%Y-%m") for f in ("min", "max"))
    assert (f"{first:%b %Y}", f"{last:%b %Y}") == ("Apr 2015", "Mar 2018")
    at = open_page(start="2014-01", end="2014-03", crime_type="Burglary")
    assert [i.value for i in at.info if "No agent or counsel payments" in i.value] == [
        "No agent or counsel payments for CPS West Midlands, Jan 2014 to Mar 2014: the extract "
        f"starts in {first:%b %Y}. Choose a period from {first:%b %Y} to {last:%b %Y}."
    ]
    assert not at.get("plotly_chart") and not at.metric


def test_a_trend_workbook_states_the_period_chosen(open_page, monkeypatch):
    """A trend's workbook covers the 24 months its chart shows, and its cover gives the filters as
    chosen: the period FY 2017-18, not the 24 months (its subtitle says why it shows more)."""
    from streamlit.delta_generator import DeltaGenerator

    from cjsperf import downloads

    made = {}
    real_button, real_excel = DeltaGenerator.download_button, downloads.excel_bytes

    def button(self, label, data, *args, **kwargs):
        if label == "Download Excel" and callable(data):
            data()  # as when it is clicked
        return real_button(self, label, data, *args, **kwargs)

    def keep(data, **kwargs):
        made.update(kwargs)
        return real_excel(data, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", button)
    monkeypatch.setattr(downloads, "excel_bytes", keep)
    at = open_page()
    table = open_table(at, "spend-by-month")
    assert list(table["Month"].iloc[[0, -1]]) == ["2016-04", "2018-03"]
    assert made["filters"]["Period"] == "FY 2017-18 (Apr 2017 to Mar 2018)"
    assert "period chosen: FY 2017-18" in made["subtitle"]
