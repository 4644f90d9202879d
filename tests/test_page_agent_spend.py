"""The Agent spend page under AppTest, over the sample extracts in data/.

Expected figures are worked out here with pandas from the raw .csv.gz files and the court reference
list, never taken from the page's queries.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from tests.apptest_support import DATA, captions, chart, charts, metrics, values

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


def test_default_view_charts(default_page, spend):
    fy = between(spend, *FY)
    by_month = fy.groupby("month")["amount"].sum()
    met = int((by_month <= 300000).sum())  # the agent_spend target in data/reference/targets.csv
    head, spec = chart(default_page, "monthly target")
    assert head == f"Spend within £300,000 monthly target in {met} of 12 months"
    agent_trace = next(t for t in spec["data"] if t["name"] == "Agent fees")
    march = fy[(fy["month"] == "2018-03") & (fy["spend_type"] == "Agent session fee")]
    i = values(agent_trace["x"]).index("2018-03")
    assert dec(values(agent_trace["y"])[i]) == march["amount"].sum()
    # The target is drawn as a dashed line with its value, and the ODP is marked.
    shapes, notes = spec["layout"]["shapes"], spec["layout"]["annotations"]
    assert any(s.get("line", {}).get("dash") == "dash" and s.get("y0") == 300000 for s in shapes)
    assert any("£300,000" in a["text"] for a in notes)
    assert any("Operational Delivery Plan launched, 25 Sep 2017" in a["text"] for a in notes)
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
    # The agent share chart has the one month, at the figure worked out from the files.
    _, spec = chart(at, "Agent share of sessions")
    assert [Decimal(str(y)) for y in values(spec["data"][0]["y"])] == [share]
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
    assert "monthly spend target is for the whole Area" in text
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


def test_a_period_before_the_extract_says_so_plainly(open_page):
    # Published case outcomes start in 2014; the spend extract in April 2015.
    at = open_page(start="2014-01", end="2014-03")
    assert [i.value for i in at.info if "No agent or counsel payments" in i.value]
    assert not at.get("plotly_chart") and not at.metric
