"""The agent spend and court sessions queries over a tiny data folder written here by hand.

Every expected figure is worked out by hand from the rows below (the sums are in the comments);
none is taken from the queries' own output.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cjsperf.db import Warehouse

DATA = Path(__file__).resolve().parent.parent / "data"
WM, WMERCIA = "West Midlands", "West Mercia"
BHAM_MC, COV_MC, TELFORD_MC = (
    "Birmingham Magistrates' Court",
    "Coventry Magistrates' Court",
    "Telford Magistrates' Court",
)
BHAM_CC, WORCS_CC = "Birmingham Crown Court", "Worcester Crown Court"
AGENT, COUNSEL = "Agent session fee", "External counsel fee"

SPEND_HEADER = "payment_id,payment_date,court_centre,force_area,spend_type,offence_category,sessions,amount_gbp"
SPEND_ROWS = [
    # id, date, court, force, type, offence category, sessions, amount
    ("P1", "2018-01-05", BHAM_MC, WM, AGENT, "", 2, "300.00"),
    ("P2", "2018-01-20", COV_MC, WM, AGENT, "", 1, "155.50"),
    ("P3", "2018-02-03", BHAM_MC, WM, AGENT, "Burglary", 1, "160.00"),
    ("P4", "2018-02-10", TELFORD_MC, WMERCIA, AGENT, "", 3, "480.00"),
    ("P5", "2018-01-15", BHAM_CC, WM, COUNSEL, "Drugs Offences", 0, "1000.00"),
    ("P6", "2018-02-15", BHAM_CC, WM, COUNSEL, "Homicide", 0, "4020.00"),
    ("P7", "2018-02-20", WORCS_CC, WMERCIA, COUNSEL, "Drugs Offences", 0, "2000.00"),
    ("P8", "2018-03-01", WORCS_CC, WMERCIA, COUNSEL, "Burglary", 0, "333.33"),
    ("P9", "2017-12-31", BHAM_MC, WM, AGENT, "", 1, "150.00"),  # the day before January
    ("P10", "2018-03-31", TELFORD_MC, WMERCIA, AGENT, "", 1, "170.00"),  # last day of March
    ("P11", "2018-02-25", BHAM_CC, WM, COUNSEL, "Robbery", 0, "980.00"),
    ("P12", "2018-03-10", BHAM_CC, WM, COUNSEL, "Sexual Offences", 0, "700.00"),
]
SESSION_HEADER = "session_id,session_date,court_centre,court_type,sitting,list_type,prosecutor"
MAGS, CROWN = "Magistrates' court", "Crown Court"
SESSION_ROWS = [
    ("S1", "2018-01-08", BHAM_MC, MAGS, "AM", "Trial", "In-house"),
    ("S2", "2018-01-08", BHAM_MC, MAGS, "PM", "Trial", "Agent"),
    ("S3", "2018-01-09", BHAM_MC, MAGS, "AM", "Remand", "In-house"),
    ("S4", "2018-01-09", BHAM_MC, MAGS, "PM", "Youth", "In-house"),
    ("S5", "2018-01-10", TELFORD_MC, MAGS, "AM", "Trial", "Agent"),
    ("S6", "2018-01-10", TELFORD_MC, MAGS, "PM", "Motoring", "Agent"),
    ("S7", "2018-02-05", COV_MC, MAGS, "AM", "Remand", "In-house"),
    ("S8", "2018-02-05", COV_MC, MAGS, "PM", "Trial", "Agent"),
    ("S9", "2018-02-06", TELFORD_MC, MAGS, "AM", "Trial", "In-house"),
    ("S10", "2018-02-06", BHAM_CC, CROWN, "AM", "Trial", "In-house"),
    ("S11", "2018-02-07", WORCS_CC, CROWN, "PM", "Trial", "In-house"),
    ("S12", "2017-12-31", BHAM_MC, MAGS, "AM", "Trial", "Agent"),  # before January
    ("S13", "2018-03-01", COV_MC, MAGS, "AM", "Remand", "Agent"),  # after February
]
AREA = "CPS West Midlands"
JAN_FEB = {"start": "2018-01", "end": "2018-02"}


def _csv(header: str, rows) -> str:
    def cell(v) -> str:
        v = str(v)
        return f'"{v}"' if "," in v or "'" in v else v

    return header + "\n" + "\n".join(",".join(cell(v) for v in r) for r in rows) + "\n"


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    root = tmp_path_factory.mktemp("spend_sessions")
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    (root / "case_outcomes").mkdir()
    (root / "agent_spend").mkdir()
    (root / "court_sessions").mkdir()
    (root / "agent_spend" / "agent_spend_test.csv").write_text(_csv(SPEND_HEADER, SPEND_ROWS))
    (root / "court_sessions" / "court_sessions_test.csv").write_text(
        _csv(SESSION_HEADER, SESSION_ROWS)
    )
    w = Warehouse(root, db_path=None)
    w.sync()
    # Every hand-written row loads: nothing rejected, so the sums below are over all of them.
    assert w.sql("SELECT count(*) AS n FROM stg_agent_spend")["n"][0] == len(SPEND_ROWS)
    assert w.sql("SELECT count(*) AS n FROM stg_court_sessions")["n"][0] == len(SESSION_ROWS)
    yield w
    w.close()


def records(df) -> list[dict]:
    return df.to_dict("records")


# ----------------------------------------------------------------------------- agent spend
def test_spend_by_month_area(wh):
    df = wh.run_query("agent_spend_by_month", area=AREA, start="2017-12", end="2018-03")
    got = {r["month"]: r for r in records(df)}
    assert list(got) == ["2017-12", "2018-01", "2018-02", "2018-03"]
    # Jan: agents P1 300 + P2 155.50 over 2 + 1 sessions; counsel P5 1000.
    jan = got["2018-01"]
    assert (jan["agent_fees"], jan["counsel_fees"], jan["total_spend"]) == (455.5, 1000.0, 1455.5)
    assert (jan["agent_sessions"], jan["payments"]) == (3, 3)
    assert jan["cost_per_agent_session"] == 151.83  # 455.50 / 3 = 151.8333
    # Feb: agents P3 160 + P4 480 over 1 + 3 sessions; counsel P6 4020 + P7 2000 + P11 980.
    feb = got["2018-02"]
    assert (feb["agent_fees"], feb["counsel_fees"], feb["agent_sessions"]) == (640.0, 7000.0, 4)
    assert feb["cost_per_agent_session"] == 160.0
    # Dec holds only P9 (31 Dec); Mar: P10 (31 Mar) 170, counsel P8 333.33 + P12 700.
    assert got["2017-12"]["agent_fees"] == 150.0 and got["2017-12"]["counsel_fees"] == 0
    assert got["2018-03"]["total_spend"] == pytest.approx(1203.33)


def test_spend_by_month_month_with_counsel_only_has_zero_agent_fees(wh):
    # West Midlands force in March: only P12 (counsel 700). Agent fees are £0, not missing.
    df = wh.run_query("agent_spend_by_month", area=WM, start="2018-03", end="2018-03")
    row = records(df)[0]
    assert (row["agent_fees"], row["counsel_fees"], row["agent_sessions"]) == (0.0, 700.0, 0)
    assert row["cost_per_agent_session"] != row["cost_per_agent_session"]  # NaN: no sessions


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        # Jan–Feb, the Area: agents 455.50 + 640 = 1095.50 over 7 sessions (156.50 each);
        # counsel 1000 + 7000 = 8000; 8 payments (P1–P7, P11) in 2 months → 9095.50 / 2.
        (AREA, (1095.5, 8000.0, 9095.5, 7, 156.5, 8, 2, 4547.75)),
        # West Midlands force: agents P1 + P2 + P3 = 615.50 over 4 sessions = 153.875 → 153.88;
        # counsel P5 + P6 + P11 = 6000; 6 payments.
        (WM, (615.5, 6000.0, 6615.5, 4, 153.88, 6, 2, 3307.75)),
        # West Mercia: P4 480 over 3 sessions; counsel P7 2000; both in February only.
        (WMERCIA, (480.0, 2000.0, 2480.0, 3, 160.0, 2, 1, 2480.0)),
    ],
)
def test_spend_summary(wh, area, expected):
    row = records(wh.run_query("agent_spend_summary", area=area, **JAN_FEB))[0]
    cols = [
        "agent_fees",
        "counsel_fees",
        "total_spend",
        "agent_sessions",
        "cost_per_agent_session",
        "payments",
        "months",
        "avg_monthly_spend",
    ]
    assert tuple(row[c] for c in cols) == expected


def test_spend_summary_of_an_empty_period_is_zero_not_missing(wh):
    row = records(wh.run_query("agent_spend_summary", area=AREA, start="2016-01", end="2016-12"))[0]
    assert (row["total_spend"], row["payments"], row["months"]) == (0.0, 0, 0)


def test_spend_by_court_all_crime(wh):
    df = wh.run_query("agent_spend_by_court", area=AREA, crime_type="All crime", **JAN_FEB)
    got = [
        (r["spend_type"], r["court_centre"], r["amount_gbp"], r["payments"]) for r in records(df)
    ]
    assert got == [
        (AGENT, TELFORD_MC, 480.0, 1),  # P4
        (AGENT, BHAM_MC, 460.0, 2),  # P1 300 + P3 160
        (AGENT, COV_MC, 155.5, 1),  # P2
        (COUNSEL, BHAM_CC, 6000.0, 3),  # P5 1000 + P6 4020 + P11 980
        (COUNSEL, WORCS_CC, 2000.0, 1),  # P7
    ]
    bham = df[df.court_centre == BHAM_MC].iloc[0]
    assert (bham["agent_sessions"], bham["cost_per_session"], bham["force_area"]) == (3, 153.33, WM)
    assert df[df.spend_type == COUNSEL]["cost_per_session"].isna().all()


def test_spend_by_court_crime_type_filters_counsel_fees_only(wh):
    df = wh.run_query("agent_spend_by_court", area=AREA, crime_type="Drugs Offences", **JAN_FEB)
    counsel = [(r["court_centre"], r["amount_gbp"]) for r in records(df[df.spend_type == COUNSEL])]
    assert counsel == [(WORCS_CC, 2000.0), (BHAM_CC, 1000.0)]  # P7, P5: Worcester now first
    # Agent fees stay all crime (P3, recorded as Burglary, still counts at Birmingham).
    agents = df[df.spend_type == AGENT].set_index("court_centre")["amount_gbp"].to_dict()
    assert agents == {TELFORD_MC: 480.0, BHAM_MC: 460.0, COV_MC: 155.5}


def test_spend_by_court_one_force(wh):
    df = wh.run_query("agent_spend_by_court", area=WMERCIA, crime_type="All crime", **JAN_FEB)
    assert sorted(df["court_centre"]) == [TELFORD_MC, WORCS_CC]


def test_counsel_fees_by_category_shares_round_half_up(wh):
    df = wh.run_query("agent_counsel_fees_by_category", area=AREA, **JAN_FEB)
    got = [
        (r["offence_category"], r["counsel_fees"], r["payments"], r["average_fee"])
        for r in records(df)
    ]
    assert df["short_name"].tolist() == ["Homicide", "Robbery", "Drugs"]
    # CPS order: Homicide (1), Robbery (5), Drugs Offences (9).
    assert got == [
        ("Homicide", 4020.0, 1, 4020.0),
        ("Robbery", 980.0, 1, 980.0),
        ("Drugs Offences", 3000.0, 2, 1500.0),  # P5 1000 + P7 2000
    ]
    # Of 8000: 4020 is 50.25% → 50.3; 980 is 12.25% → 12.3 (half-up; Python's round gives 12.2);
    # 3000 is 37.5%.
    assert df["share_of_counsel_fees"].tolist() == [50.3, 12.3, 37.5]


def test_counsel_fees_by_category_one_force(wh):
    df = wh.run_query(
        "agent_counsel_fees_by_category", area=WMERCIA, start="2018-01", end="2018-03"
    )
    # West Mercia counsel: P7 Drugs 2000 (Feb), P8 Burglary 333.33 (Mar): 14.29% and 85.71%.
    got = {r["offence_category"]: r["share_of_counsel_fees"] for r in records(df)}
    assert got == {"Burglary": 14.3, "Drugs Offences": 85.7}


def test_targets(wh):
    df = wh.run_query("measures").set_index("key")
    # From data/reference/measures.csv.
    assert df.loc["agent_spend", "target"] == 300000
    assert df.loc["agent_session_share", "target"] == 15.0
    assert df.loc["cost_per_agent_session", "target"] == 160
    value_for_money = ["agent_spend", "agent_session_share", "cost_per_agent_session"]
    assert set(df.loc[value_for_money, "better"]) == {"lower"}


# ----------------------------------------------------------------------------- court sessions
def test_agent_share_by_month(wh):
    df = wh.run_query("agent_share_by_month", area=AREA, **JAN_FEB)
    # Jan: S1–S6, agents S2, S5, S6. Feb (magistrates' only): S7–S9, agent S8.
    assert records(df) == [
        {
            "month": "2018-01",
            "sessions": 6,
            "agent_sessions": 3,
            "in_house_sessions": 3,
            "agent_share": 50.0,
        },
        {
            "month": "2018-02",
            "sessions": 3,
            "agent_sessions": 1,
            "in_house_sessions": 2,
            "agent_share": 33.3,
        },
    ]


@pytest.mark.parametrize(
    ("court_type", "expected"),
    [
        # Jan AM: S1, S3, S5; Feb AM: S7, S9 (S10 is Crown Court).
        (MAGS, [("2018-01", 6, 3, 3, 50.0, 3, 3), ("2018-02", 3, 2, 1, 33.3, 2, 1)]),
        (CROWN, [("2018-02", 2, 2, 0, 0.0, 1, 1)]),  # S10 AM, S11 PM
        ("All courts", [("2018-01", 6, 3, 3, 50.0, 3, 3), ("2018-02", 5, 4, 1, 20.0, 3, 2)]),
    ],
)
def test_sessions_by_month(wh, court_type, expected):
    df = wh.run_query("sessions_by_month", area=AREA, court_type=court_type, **JAN_FEB)
    cols = [
        "month",
        "sessions",
        "in_house_sessions",
        "agent_sessions",
        "agent_share",
        "am_sessions",
        "pm_sessions",
    ]
    assert [tuple(r[c] for c in cols) for r in records(df)] == expected


def test_sessions_by_court_sorted_by_agent_share(wh):
    df = wh.run_query("sessions_by_court", area=AREA, court_type=MAGS, **JAN_FEB)
    cols = ["court_centre", "sessions", "agent_sessions", "agent_share", "am_sessions"]
    assert [tuple(r[c] for c in cols) for r in records(df)] == [
        (TELFORD_MC, 3, 2, 66.7, 2),  # S5, S6 agents, S9 in-house; 2/3 = 66.67
        (COV_MC, 2, 1, 50.0, 1),  # S7, S8
        (BHAM_MC, 4, 1, 25.0, 2),  # S1–S4
    ]
    assert df.set_index("court_centre").loc[TELFORD_MC, "force_area"] == WMERCIA


def test_sessions_by_court_one_force_all_courts(wh):
    df = wh.run_query("sessions_by_court", area=WM, court_type="All courts", **JAN_FEB)
    got = {r["court_centre"]: (r["sessions"], r["agent_share"]) for r in records(df)}
    assert got == {COV_MC: (2, 50.0), BHAM_MC: (4, 25.0), BHAM_CC: (1, 0.0)}


def test_sessions_by_list_type(wh):
    df = wh.run_query("sessions_by_list_type", area=AREA, court_type=MAGS, **JAN_FEB)
    cols = ["list_type", "sessions", "agent_sessions", "agent_share"]
    assert [tuple(r[c] for c in cols) for r in records(df)] == [
        ("Motoring", 1, 1, 100.0),  # S6
        ("Trial", 5, 3, 60.0),  # S1, S2, S5, S8, S9; agents S2, S5, S8
        ("Remand", 2, 0, 0.0),  # S3, S7 (more sessions, so before Youth)
        ("Youth", 1, 0, 0.0),  # S4
    ]
    trial = df.set_index("list_type").loc["Trial"]
    # Trial AM: S1, S5, S9 (agent S5); PM: S2, S8 (both agents).
    assert (trial["am_sessions"], trial["pm_sessions"]) == (3, 2)
    assert (trial["am_agent_sessions"], trial["pm_agent_sessions"]) == (1, 2)


@pytest.mark.parametrize(
    ("area", "court_type", "expected"),
    [
        # 9 magistrates' sessions, 4 agents: 44.44 → 44.4; in-house 5/9 = 55.56 → 55.6.
        (AREA, MAGS, (9, 5, 4, 55.6, 44.4, 2)),
        # Plus S10, S11 in-house: 4 of 11 = 36.36 → 36.4; 7 of 11 = 63.64 → 63.6.
        (AREA, "All courts", (11, 7, 4, 63.6, 36.4, 2)),
        # West Midlands force, magistrates': Birmingham S1–S4, Coventry S7–S8; agents S2, S8.
        (WM, MAGS, (6, 4, 2, 66.7, 33.3, 2)),
    ],
)
def test_sessions_summary(wh, area, court_type, expected):
    row = records(wh.run_query("sessions_summary", area=area, court_type=court_type, **JAN_FEB))[0]
    cols = [
        "sessions",
        "in_house_sessions",
        "agent_sessions",
        "in_house_share",
        "agent_share",
        "months",
    ]
    assert tuple(row[c] for c in cols) == expected


def test_a_changed_file_changes_the_counts_kept_for_the_session_queries(tmp_path):
    """The sessions_ and agent_share_ queries sum a table made once per change of the extract
    (queries/derived/court_session_cells): when S9 (Telford, February, morning trial list) turns
    out to have been covered by an agent, a sync gives the new counts, hand worked from
    SESSION_ROWS."""
    root = tmp_path / "data"
    shutil.copytree(DATA / "reference", root / "reference", ignore=shutil.ignore_patterns(".*"))
    (root / "case_outcomes").mkdir()
    (root / "court_sessions").mkdir()
    path = root / "court_sessions" / "court_sessions_test.csv"
    path.write_text(_csv(SESSION_HEADER, SESSION_ROWS))
    w = Warehouse(root, db_path=tmp_path / "w.duckdb")
    w.sync()
    mags = {"area": AREA, "court_type": MAGS, **JAN_FEB}
    assert records(w.run_query("sessions_summary", **mags))[0]["agent_sessions"] == 4
    agent = [(*r[:6], "Agent") if r[0] == "S9" else r for r in SESSION_ROWS]
    path.write_text(_csv(SESSION_HEADER, agent))
    assert w.sync().changed_extracts == ["court_sessions"]
    share = w.run_query("agent_share_by_month", area=AREA, start="2018-02", end="2018-02")
    # Feb magistrates': S7 in-house; S8 and now S9 agents: 2 / 3
    assert [tuple(r.values()) for r in records(share)] == [("2018-02", 3, 2, 1, 66.7)]
    row = records(w.run_query("sessions_summary", **mags))[0]
    cols = ["sessions", "in_house_sessions", "agent_sessions", "in_house_share", "agent_share"]
    assert tuple(row[c] for c in cols) == (9, 4, 5, 44.4, 55.6)  # 5 / 9 = 55.56 → 55.6
    courts = w.run_query("sessions_by_court", **mags)
    assert [(r["court_centre"], r["agent_share"]) for r in records(courts)][0] == (
        TELFORD_MC,
        100.0,
    )
    trial = w.run_query("sessions_by_list_type", **mags).set_index("list_type").loc["Trial"]
    # Trial: S1, S2, S5, S8, S9; agents S2, S5, S8, S9 (AM: S5, S9)
    assert (trial["sessions"], trial["agent_sessions"], trial["am_agent_sessions"]) == (5, 4, 2)
    w.close()


def test_sessions_summary_of_an_empty_period(wh):
    row = records(
        wh.run_query("sessions_summary", area=AREA, court_type=MAGS, start="2016-01", end="2016-03")
    )[0]
    assert (row["sessions"], row["months"]) == (0, 0)
    assert row["agent_share"] is None or row["agent_share"] != row["agent_share"]
