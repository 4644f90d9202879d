"""The trials extract end to end: staging rejects each kind of bad line (file, line, column, what was
expected); the queries against a tiny hand-made extract whose answers are worked out by hand; the
sample's story and its consistency with the published conviction figures, computed with pandas
from the generated files; the Trials and witnesses page under AppTest.
"""

from __future__ import annotations

import functools
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from cjsperf.db import Warehouse, case_outcome_month
from tests import xmr_reference
from tests.apptest_support import DATA, REPO, chart_specs, metric_values, title_words

HEADER = (
    "trial_id,force_area,court_centre,court_type,offence_category,flags,listed_date,outcome,"
    "reason,attributed_to,witnesses_required,witnesses_attended"
)
BHAM_M, BHAM_M_TYPE = "Birmingham Magistrates' Court", "Magistrates' court"
WARWICK_C = "Warwick Crown Court"
MAGS, CROWN = "Magistrates' court", "Crown Court"
OAP = "Offences Against The Person"

# A hand-made extract: 2017-10 and 2017-11, two forces, both court types.
GOOD = [
    # id, force, court, type, category, flags, date, outcome, reason, attributed, required, attended
    ("G01", "West Midlands", BHAM_M, MAGS, OAP, "Domestic abuse", "2017-10-02", "Effective", "", "", "2", "2"),
    ("G02", "West Midlands", BHAM_M, MAGS, OAP, "Domestic abuse;Hate crime", "2017-10-03", "Cracked", "Prosecution offered no evidence", "Prosecution", "3", "1"),
    ("G03", "West Midlands", BHAM_M, MAGS, "Burglary", "", "2017-10-04", "Ineffective", "Prosecution witness absent", "Prosecution", "2", "1"),
    ("G04", "Warwickshire", WARWICK_C, CROWN, "Burglary", "", "2017-10-05", "Cracked", "Guilty plea on the day", "Defence", "4", "4"),
    ("G05", "Warwickshire", WARWICK_C, CROWN, OAP, "Hate crime", "2017-11-01", "Effective", "", "", "3", "2"),
    ("G06", "Warwickshire", WARWICK_C, CROWN, OAP, "", "2017-11-02", "Ineffective", "No court time", "Court", "2", "2"),
    ("G07", "West Midlands", BHAM_M, MAGS, "Burglary", "", "2017-11-03", "Effective", "", "", "1", "1"),
]  # fmt: skip


def _csv(rows) -> str:
    return "\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n"


def _folder(tmp_path_factory, name: str, text: str):
    root = tmp_path_factory.mktemp(name)
    shutil.copytree(REPO / "data" / "reference", root / "reference")
    (root / "case_outcomes").mkdir()
    (root / "trials").mkdir()
    (root / "trials" / "trials_2017-18.csv").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = Warehouse(_folder(tmp_path_factory, "trials_good", _csv(GOOD)), db_path=None)
    w.sync()
    assert w.sql("SELECT count(*) AS n FROM stg_trials")["n"][0] == len(GOOD)
    assert w.sql("SELECT count(*) AS n FROM load_problems")["n"][0] == 0
    yield w
    w.close()


# ---------------------------------------------------------------- staging: each kind of bad line

GOOD_LINE = ("B00", "West Midlands", BHAM_M, MAGS, OAP, "", "2017-06-01", "Cracked",
             "Guilty plea on the day", "Defence", "2", "2")  # fmt: skip


def _bad(**change) -> tuple[str, ...]:
    cols = HEADER.split(",")
    row = list(GOOD_LINE)
    for k, v in change.items():
        row[cols.index(k)] = v
    return tuple(row)


BAD = [  # the changed line, the column named, words of what was expected
    (_bad(trial_id="B01", outcome="Postponed"), "outcome", "one of: Effective; Cracked; Ineffective"),
    (_bad(trial_id="B02", outcome="Effective", attributed_to=""), "reason", "empty for an effective trial"),
    (_bad(trial_id="B03", reason=""), "reason", "a reason for a cracked trial"),
    (_bad(trial_id="B04", reason="No court time"), "reason",
     "a reason for a cracked trial ('No court time' explains a ineffective trial)"),
    (_bad(trial_id="B05", reason="Weather"), "reason", "a reason in reference/trial_reasons.csv"),
    (_bad(trial_id="B06", witnesses_attended="3"), "witnesses_attended", "at most witnesses_required (2)"),
    (_bad(trial_id="B07", witnesses_required="1.5"), "witnesses_required", "a whole number, 0 or more"),
    (_bad(trial_id="B08", court_type=CROWN), "court_type", "Magistrates' court, the type of " + BHAM_M),
    (_bad(trial_id="B09", force_area="Staffordshire"), "force_area",
     "West Midlands, the force area of " + BHAM_M),
    (_bad(trial_id="B10", court_centre="Gotham Crown Court"), "court_centre", "a court centre in"),
    (_bad(trial_id="B11", listed_date="2081-06-01"), "listed_date", "a date at most 31 days after 2018-03-31"),
    (_bad(trial_id="B12", listed_date="2017-02-30"), "listed_date", "a real date"),
    (_bad(trial_id="B13", flags="Hate"), "flags", "Hate crime and/or Domestic abuse"),
    (_bad(trial_id="B14", attributed_to="Police"), "attributed_to", "one of: Prosecution; Defence"),
    (_bad(trial_id="B15", outcome="Effective", reason="", attributed_to="Defence"), "attributed_to",
     "empty for an effective trial"),
    (_bad(trial_id="B16", offence_category="Piracy"), "offence_category", "one of the 12"),
    (_bad(trial_id="B00"), "trial_id", "each trial once; already at trials/trials_2017-18.csv line 2"),
]  # fmt: skip


@pytest.fixture(scope="module")
def bad_wh(tmp_path_factory):
    text = _csv([GOOD_LINE, *(row for row, _, _ in BAD)])
    w = Warehouse(_folder(tmp_path_factory, "trials_bad", text), db_path=None)
    w.sync()
    yield w
    w.close()


@pytest.mark.parametrize(
    ("i", "column", "expected"), [(i, c, e) for i, (_, c, e) in enumerate(BAD)]
)
def test_staging_rejects_each_kind_of_bad_line(bad_wh, i, column, expected):
    line = 3 + i  # header on line 1, the good line on line 2
    found = bad_wh.sql(
        "SELECT file, \"column\", expected FROM load_problems WHERE extract = 'trials' "
        "AND line = ?",
        [line],
    )
    assert found["file"].tolist() == ["trials/trials_2017-18.csv"]
    assert found["column"].tolist() == [column]
    assert expected in found["expected"][0]


def test_staging_loads_only_the_good_line(bad_wh):
    assert bad_wh.sql("SELECT trial_id FROM stg_trials")["trial_id"].tolist() == ["B00"]


def test_a_bad_reference_reason_is_a_problem_and_the_rest_load(tmp_path):
    root = _folder(type("F", (), {"mktemp": lambda self, n: tmp_path / n})(), "r", _csv(GOOD))
    ref = root / "reference" / "trial_reasons.csv"
    ref.write_text(ref.read_text() + "Sunny day,Effective,Court,\n", encoding="utf-8")
    w = Warehouse(root, db_path=None)
    w.sync()
    p = w.sql("SELECT file, line, \"column\" FROM load_problems WHERE extract = 'reference'")
    assert p.values.tolist() == [["reference/trial_reasons.csv", 13, "outcome"]]
    assert w.sql("SELECT count(*) AS n FROM ref_trial_reasons")["n"][0] == 11
    assert w.sql("SELECT count(*) AS n FROM stg_trials")["n"][0] == len(GOOD)
    w.close()


# ---------------------------------------------------------------- queries, worked by hand


def test_effectiveness_by_month_by_hand(wh):
    df = wh.run_query("trial_effectiveness_by_month", start="2017-10", end="2017-11")
    # Oct: G01 effective, G02 cracked (prosecution), G03 ineffective (prosecution), G04 cracked.
    # 1 of 4 effective = 25.0%; 2 of 4 prosecution = 50.0%. Nov: 2 of 3 effective = 66.666… → 66.7
    # (half-up); 0 prosecution.
    assert df.values.tolist() == [
        ["2017-10", 4, 1, 2, 1, 25.0, 2, 50.0],
        ["2017-11", 3, 2, 0, 1, 66.7, 0, 0.0],
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # hate crime: G02 (flagged both) in Oct and G05 in Nov
        ({"crime_type": "Hate crime"}, [["2017-10", 1, 0, 1, 0], ["2017-11", 1, 1, 0, 0]]),
        ({"crime_type": "Domestic abuse"}, [["2017-10", 2, 1, 1, 0]]),
        ({"crime_type": "Burglary", "court_type": CROWN}, [["2017-10", 1, 0, 1, 0]]),
        ({"area": "Warwickshire"}, [["2017-10", 1, 0, 1, 0], ["2017-11", 2, 1, 0, 1]]),
        ({"area": "National"}, []),
    ],
)
def test_effectiveness_filters(wh, params, expected):
    df = wh.run_query("trial_effectiveness_by_month", **params)
    assert (
        df[["month", "trials", "effective", "cracked", "ineffective"]].values.tolist() == expected
    )


def test_witness_attendance_by_month_by_hand(wh):
    df = wh.run_query("witness_attendance_by_month")
    # Oct: required 2+3+2+4 = 11, attended 2+1+1+4 = 8 → 72.7%; G03 witness absent: 1 of 4 = 25.0%.
    # Nov: required 3+2+1 = 6, attended 2+2+1 = 5 → 83.3%.
    assert df.values.tolist() == [
        ["2017-10", 4, 11, 8, 72.7, 1, 25.0],
        ["2017-11", 3, 6, 5, 83.3, 0, 0.0],
    ]


def test_for_period_by_hand(wh):
    row = wh.run_query("trial_effectiveness_for_period", start="2017-10", end="2017-11")
    # 7 trials, 3 effective = 42.857… → 42.9%; 2 prosecution of 7 = 28.6%; 13 of 17 witnesses = 76.5%
    assert row.iloc[0].tolist() == [7, 3, 2, 2, 42.9, 2, 28.6, 17, 13, 76.5, 1, 14.3]


def test_by_reason_and_attribution_by_hand(wh):
    r = wh.run_query("trials_by_reason")
    assert r.values.tolist() == [
        [MAGS, "Cracked", "Prosecution offered no evidence", "Prosecution", 1, 4, 25.0],
        [MAGS, "Ineffective", "Prosecution witness absent", "Prosecution", 1, 4, 25.0],
        [CROWN, "Cracked", "Guilty plea on the day", "Defence", 1, 3, 33.3],
        [CROWN, "Ineffective", "No court time", "Court", 1, 3, 33.3],
    ]
    a = wh.run_query("trials_by_attribution", court_type=MAGS)
    assert a.values.tolist() == [[MAGS, "Prosecution", 1, 1, 2, 4, 50.0]]


def test_a_changed_file_changes_the_counts_kept_for_the_trial_queries(tmp_path_factory):
    """The trial_ and witness_ queries sum a table made once per change of the extract
    (queries/derived/trial_cells): when G06 (Warwick Crown Court, November, ineffective for no
    court time) goes ahead after all, a sync gives the new counts, hand worked from GOOD."""
    root = _folder(tmp_path_factory, "trials_changed", _csv(GOOD))
    w = Warehouse(root, db_path=root / "w.duckdb")
    w.sync()
    assert w.run_query("trial_effectiveness_for_period").iloc[0]["effective"] == 3
    went = [(*r[:7], "Effective", "", "", *r[10:]) if r[0] == "G06" else r for r in GOOD]
    (root / "trials" / "trials_2017-18.csv").write_text(_csv(went), encoding="utf-8")
    assert w.sync().changed_extracts == ["trials"]
    df = w.run_query("trial_effectiveness_by_month", start="2017-11", end="2017-11")
    # Nov: G05, G06, G07 effective: 3 of 3 = 100.0%, none cracked or ineffective
    assert df.values.tolist() == [["2017-11", 3, 3, 0, 0, 100.0, 0, 0.0]]
    row = w.run_query("trial_effectiveness_for_period", start="2017-10", end="2017-11")
    # 7 trials, 4 effective = 57.142… → 57.1%; the rest as before (G06's witnesses unchanged)
    assert row.iloc[0].tolist() == [7, 4, 2, 1, 57.1, 2, 28.6, 17, 13, 76.5, 1, 14.3]
    r = w.run_query("trials_by_reason", court_type=CROWN)
    assert r.values.tolist() == [
        [CROWN, "Cracked", "Guilty plea on the day", "Defence", 1, 3, 33.3]
    ]
    a = w.run_query("trials_by_attribution", court_type=CROWN)
    assert a.values.tolist() == [[CROWN, "Defence", 1, 0, 1, 3, 33.3]]  # G04; no longer G06
    w.close()


# ---------------------------------------------------------------- the sample's story, with pandas


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    files = sorted((DATA / "trials").glob("trials_*.csv.gz"))
    assert len(files) == 3, "the sample trials extracts are missing from data/trials"
    df = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in files])
    df["month"] = df["listed_date"].str[:7]
    for c in ("witnesses_required", "witnesses_attended"):
        df[c] = df[c].astype(int)
    return df


def test_sample_volumes_and_effective_share(sample):
    per_month = sample.groupby("month").size()
    assert len(per_month) == 36
    assert per_month.between(900, 1600).all(), per_month.describe()
    assert 1000 <= per_month.median() <= 1500
    share = (sample["outcome"] == "Effective").mean()
    assert 0.40 <= share <= 0.60


def test_sample_story_after_the_odp(sample):
    before, after = sample[sample["month"] < "2017-10"], sample[sample["month"] >= "2017-11"]

    def crack_share(df):  # prosecution-attributed share of cracked trials
        cracked = df[df["outcome"] == "Cracked"]
        return (cracked["attributed_to"] == "Prosecution").mean()

    def witness_absence(df):  # trials ineffective because a prosecution witness was absent
        return (df["reason"] == "Prosecution witness absent").mean()

    def attendance(df):
        return df["witnesses_attended"].sum() / df["witnesses_required"].sum()

    assert crack_share(after) < crack_share(before) - 0.04
    assert witness_absence(after) < witness_absence(before) - 0.01
    assert attendance(after) > attendance(before) + 0.02
    assert (after["outcome"] == "Effective").mean() > (before["outcome"] == "Effective").mean()


def _published() -> pd.DataFrame:
    """month, force_area, convictions, unsuccessful (12 categories) of the four forces, read
    straight from the published CPS files."""
    rows = []
    for path in sorted((DATA / "case_outcomes").rglob("*.csv")):
        month = case_outcome_month(path)
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df = df.rename(columns={df.columns[0]: "force_area"})
        cols = {
            what: [c for c in df.columns if re.fullmatch(rf"Number of .* {what}", c)
                   and "Admin Finalised" not in c]
            for what in ("Convictions", "Unsuccessful")
        }  # fmt: skip
        for _, r in df[df["force_area"].isin(AREA)].iterrows():
            conv, uns = (sum(int(r[c].replace(",", "")) for c in cols[w]) for w in cols)
            rows.append((month, r["force_area"], conv, uns))
    return pd.DataFrame(rows, columns=["month", "force_area", "convictions", "unsuccessful"])


AREA = ("Staffordshire", "Warwickshire", "West Mercia", "West Midlands")


def test_sample_never_contradicts_the_published_conviction_figures(sample):
    """A crack by guilty plea is a conviction and one by no evidence is unsuccessful: for every force
    and published month there are fewer of each than CPS published."""
    pub = _published().set_index(["month", "force_area"])
    cracked = sample[sample["outcome"] == "Cracked"]
    pleas = cracked[cracked["reason"].str.startswith("Guilty plea")]
    no_evidence = cracked[cracked["reason"] == "Prosecution offered no evidence"]
    checked = 0
    for (month, force), n in pleas.groupby(["month", "force_area"]).size().items():
        if (month, force) in pub.index:
            assert n < pub.loc[(month, force), "convictions"], (month, force)
            checked += 1
    for (month, force), n in no_evidence.groupby(["month", "force_area"]).size().items():
        if (month, force) in pub.index:
            assert n < pub.loc[(month, force), "unsuccessful"], (month, force)
    assert checked >= 4 * 30  # the published months of the sample's 36


# ---------------------------------------------------------------- the page


def half_up(num: int, den: int) -> str:
    return f"{(Decimal(100 * num) / Decimal(den)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@pytest.fixture(scope="module")
def open_page(open_app):
    return functools.partial(open_app, "pages/trials_witnesses.py")


def test_page_default_view(open_page, sample):
    at = open_page()
    assert at.title[0].value == "Trials and witnesses"
    assert "Sample data" in at.info[0].value
    fy = sample[sample["month"].between("2017-04", "2018-03")]
    m = metric_values(at)
    assert m["Effective trials"] == half_up(int((fy["outcome"] == "Effective").sum()), len(fy))
    assert m["Trials listed"] == f"{len(fy):,}"
    assert m["Witness attendance"] == half_up(
        int(fy["witnesses_attended"].sum()), int(fy["witnesses_required"].sum())
    )
    # the compare filter (National by default) cannot be met: the page says so
    assert any(
        "Comparisons with National and other areas are not available" in c.value for c in at.caption
    )


def test_page_follows_a_flag_and_a_force(open_page, sample):
    at = open_page(crime_type="Domestic abuse", geography="West Mercia", start="2017-10",
                   end="2018-03")  # fmt: skip
    sel = sample[
        sample["month"].between("2017-10", "2018-03")
        & (sample["force_area"] == "West Mercia")
        & sample["flags"].str.contains("Domestic abuse")
    ]
    pros = sel["outcome"].ne("Effective") & sel["attributed_to"].eq("Prosecution")
    m = metric_values(at)
    assert m["Trials listed"] == f"{len(sel):,}"
    assert m["Effective trials"] == half_up(int((sel["outcome"] == "Effective").sum()), len(sel))
    assert m["Prosecution attributed"] == half_up(int(pros.sum()), len(sel))
    # subtitles name the geography and crime type as every page does (not "domestic abuse trials")
    titles = [title_words(spec) for spec in chart_specs(at)]
    assert sum("West Mercia, domestic abuse, Oct 2017 to Mar 2018" in t for t in titles) == 2


ICON = re.compile(r'aria-hidden="true">[^<]*</span>([^<]+)')


def test_overview_tiles_show_the_trial_measures(open_app, sample):
    """The registry's trial measures get Overview tiles: the Mar 2018 value, and its variation
    against limits worked out here from the months before the ODP (Apr 2016 - Sep 2017: the ODP
    changes the process, and fewer than 12 months follow it, so the old limits stay)."""
    at = open_app(None)
    tiles = metric_values(at)
    words = dict(zip(tiles, [w for el in at.html if (w := ICON.findall(el.value))]))
    mar = sample[sample["month"] == "2018-03"]
    eff = half_up(int((mar["outcome"] == "Effective").sum()), len(mar))
    assert tiles["Effective trial rate"] == eff
    by_month = sample.groupby("month")["outcome"]
    effective, listed = by_month.apply(lambda s: int((s == "Effective").sum())), by_month.size()
    rates = {m: float(half_up(int(effective[m]), int(listed[m]))[:-1]) for m in listed.index}
    before = [r for m, r in rates.items() if "2016-04" <= m <= "2017-09"]
    assert len(before) == 18
    _, lower, upper = xmr_reference.limits(before)
    assert float(eff[:-1]) > upper
    # target 50.0%, higher is better: above the upper limit always fails, below the lower passes
    assurance = (
        "Consistently fails the target" if upper < 50.0
        else "Consistently passes the target" if lower > 50.0
        else "Hit and miss against the target"
    )  # fmt: skip
    assert words["Effective trial rate"] == ["Special cause improvement", assurance]
    att = half_up(int(mar["witnesses_attended"].sum()), int(mar["witnesses_required"].sum()))
    assert tiles["Prosecution witness attendance"] == att
    assert words["Prosecution witness attendance"][0] == "Special cause improvement"
