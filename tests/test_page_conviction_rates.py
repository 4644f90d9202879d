"""The Conviction rates page under AppTest, over data/.

Expected figures come from the published CPS files, parsed here with the csv module (or quoted
from domain.md), never from the page's queries.
"""

from __future__ import annotations

import csv
import functools
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from cjsperf.extracts import FLAGGED_UNSUCCESSFUL, OFFENCE_CATEGORIES
from cjsperf.headlines import literal
from tests.apptest_support import (
    DATA,
    captions,
    chart,
    charts,
    open_table,
    spc_line,
    spc_point,
    title_words,
    values,
)
from tests.test_real_data import CATEGORIES

PAGE = "pages/conviction_rates.py"
AREA_FORCES = ("Staffordshire", "Warwickshire", "West Mercia", "West Midlands")
RATE_CHOICES = (
    "Headline: administratively finalised cases counted as unsuccessful",
    "Offence categories only: administratively finalised cases left out",
)


@pytest.fixture(scope="module")
def open_page(open_app):
    return functools.partial(open_app, PAGE)


def published(path: str, force: str, category: str) -> tuple[int, int]:
    """(convictions, unsuccessful) for one force and category from a published file."""
    with open(DATA / "case_outcomes" / path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row[""] == force:
                return (
                    int(row[f"Number of {category} Convictions"].replace(",", "")),
                    int(row[f"Number of {category} Unsuccessful"].replace(",", "")),
                )
    raise KeyError(force)


def rate(conv: int, uns: int) -> float:
    pct = Decimal(conv * 100) / Decimal(conv + uns)
    return float(pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def area_counts(path: str, forces) -> tuple[int, int, int]:
    """(convictions, unsuccessful, admin finalised) of these rows of a published file, all 12
    categories summed, read with the csv module."""
    conv = uns = admin = 0
    with open(DATA / "case_outcomes" / path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row[""] in forces:
                for cat in CATEGORIES:
                    conv += int(row[f"Number of {cat} Convictions"].replace(",", ""))
                    uns += int(row[f"Number of {cat} Unsuccessful"].replace(",", ""))
                admin += int(row["Number of Admin Finalised Unsuccessful"].replace(",", ""))
    return conv, uns, admin


HEADLINE_DEFINITION = (
    "headline rate: administratively finalised cases counted as unsuccessful, as CPS publishes it"
)


def test_headline_rate_march_2018_from_the_raw_file():
    """CPS's headline rate for the Area, worked out from the published file alone."""
    conv, uns, admin = area_counts("2018/Principal_Offence_Category_Mar.csv", AREA_FORCES)
    assert rate(conv, uns + admin) == 83.9  # the headline: admin finalised as unsuccessful
    assert rate(conv, uns) == 86.4  # offence categories only (domain.md)


def test_default_view_shows_the_headline_rate_against_national(open_page):
    at = open_page()
    headlines = list(charts(at))
    # trend, by area, by category, the funnel plot, flagged by court type
    assert len(headlines) == 5
    mar = "2018/Principal_Offence_Category_Mar.csv"
    conv, uns, admin = area_counts(mar, AREA_FORCES)
    n_conv, n_uns, n_admin = area_counts(mar, ("National",))
    headline, spec = chart(at, "Headline conviction rate 83.9%")
    # The latest month of the default period, March 2018: CPS's headline rate, 83.9%, judged by
    # statistical process control over the 24 months to it.
    assert headline.startswith(f"Headline conviction rate {rate(conv, uns + admin)}%: ")
    assert HEADLINE_DEFINITION in title_words(spec)
    area = spc_line(spec)
    national = next(t for t in spec["data"] if t["name"] == "National")
    months = values(area["x"])
    assert months[0] == "2016-04" and months[-1] == "2018-03" and len(months) == 24
    assert values(area["y"])[-1] == 83.9
    assert values(national["y"])[-1] == rate(n_conv, n_uns + n_admin)
    assert national["line"]["color"] == "#BFBFBF"  # comparisons light grey: orange means concern
    # By area: headline rates too, the Area's equal to the trend's over one month.
    _, by_area = chart(at, "had the highest rate")
    assert HEADLINE_DEFINITION in title_words(by_area)
    # Apr-Jun 2017 were never published: gaps, and a note that says so.
    assert all(v is None or v != v for v in values(area["y"])[12:15])
    assert "Covers 21 of 24 months; Apr–Jun 2017 not published" in captions(at)
    assert "Open Government Licence" in "\n".join(c.value for c in at.caption)


def test_the_rate_without_admin_finalised_is_one_choice_away(open_page):
    at = open_page(start="2018-03", end="2018-03")
    at.radio(key="rate_definition").set_value(RATE_CHOICES[1]).run()
    conv, uns, _ = area_counts("2018/Principal_Offence_Category_Mar.csv", AREA_FORCES)
    headline, _ = chart(at, "Conviction rate 86.4%")
    assert headline.startswith(f"Conviction rate {rate(conv, uns)}%: ")


def test_a_category_says_it_cannot_include_admin_finalised(open_page):
    at = open_page(crime_type="Homicide", geography="Warwickshire", start="2017-01", end="2017-07")
    text = captions(at)
    assert "cannot include administratively finalised cases" in text
    # Warwickshire Homicide: 2 + 0 in January 2017, no cases in February, March and July 2017
    # (files published, 0 + 0), April-June never published.
    for month, rel in [
        ("February", "2017/principal_offence_category_february_2017.csv"),
        ("March", "2017/principal_offence_category_march_2017.csv"),
        ("July", "2017/Principal_Offence_Category_Jul.csv"),
    ]:
        assert published(rel, "Warwickshire", "Homicide") == (0, 0), month
    assert "No cases in 3 month(s): Feb–Mar 2017; Jul 2017" in text
    # the trend shows the 24 months to Jul 2017, Aug 2015 to Jul 2017, of which CPS never
    # published Nov 2015, Feb–Mar 2016 and Apr–Jun 2017 (no files in data/case_outcomes)
    assert "Covers 18 of 24 months; Nov 2015, Feb–Mar 2016, Apr–Jun 2017 not published" in text
    _, spec = chart(at, "Homicide conviction rate")
    assert spc_point(spec, "2017-01")[0] == rate(2, 0) == 100.0
    line = spc_line(spec)
    month_values = dict(zip(values(line["x"]), values(line["y"])))
    assert all(
        month_values[m] is None or month_values[m] != month_values[m]
        for m in ("2017-02", "2017-03", "2017-07")
    )  # no cases: no rate, not zero


def test_flagged_comparisons_outside_the_sample_say_no_data(open_page):
    at = open_page(
        crime_type="Hate crime", compare=["National", "CPS Wessex"], start="2017-04", end="2018-03"
    )
    text = captions(at)
    note = "No data for National, CPS Wessex: flagged (hate crime, domestic abuse) figures"
    assert text.count(note) == 2  # under the trend and under the chart by area
    _, by_area = chart(at, "had the highest rate")
    assert "National" not in values(by_area["data"][0]["y"])
    assert FLAGGED_UNSUCCESSFUL in text


def test_drugs_offences_west_midlands_march_2018(open_page):
    at = open_page(
        crime_type="Drugs Offences", geography="West Midlands", start="2018-03", end="2018-03"
    )
    conv, uns = published(
        "2018/Principal_Offence_Category_Mar.csv", "West Midlands", "Drugs Offences"
    )
    assert (conv, uns) == (223, 12)
    headline, spec = chart(at, "Drugs Offences conviction rate 94.9%")
    assert headline.startswith(f"Drugs Offences conviction rate {rate(conv, uns)}%: ")
    assert rate(conv, uns) == 94.9
    # The counts behind the rate travel in the hover data.
    value, custom = spc_point(spec, "2018-03")
    assert value == 94.9 and list(custom[:2]) == [223, 12]

    # By area: the four forces and the Area summed, computed from the same file.
    _, by_area = chart(at, "had the highest rate")
    bars = dict(zip(values(by_area["data"][0]["y"]), values(by_area["data"][0]["x"]), strict=True))
    counts = [
        published("2018/Principal_Offence_Category_Mar.csv", f, "Drugs Offences")
        for f in AREA_FORCES
    ]
    assert bars["CPS West Midlands"] == rate(sum(c for c, _ in counts), sum(u for _, u in counts))
    for force, (c, u) in zip(AREA_FORCES, counts, strict=True):
        assert bars[force] == rate(c, u)


def test_a_crime_type_changes_the_figures(open_page):
    all_crime = open_page(geography="West Midlands", start="2016-01", end="2016-01")
    burglary = open_page(
        crime_type="Burglary", geography="West Midlands", start="2016-01", end="2016-01"
    )
    c, u = published(
        "2016/principal_offence_category_january_2016.csv", "West Midlands", "Burglary"
    )
    assert rate(c, u) == 88.3  # domain.md
    assert chart(burglary, "Burglary conviction rate")[0].startswith(
        "Burglary conviction rate 88.3%: "
    )
    # All crime shows the headline rate: 2768 / (2768 + 466 + 83) = 83.449…% → 83.4 (SOURCE.md)
    conv, uns, admin = area_counts(
        "2016/principal_offence_category_january_2016.csv", ("West Midlands",)
    )
    assert (conv, uns, admin) == (2768, 466, 83)
    assert chart(all_crime, "Headline conviction rate")[0].startswith(
        "Headline conviction rate 83.4%: "
    )


def test_flagged_crime_type_uses_the_sample_and_says_so(open_page):
    at = open_page(crime_type="Hate crime", start="2017-04", end="2018-03")
    assert any("Sample data" in i.value for i in at.info)
    headline, _ = chart(at, "Hate crime conviction rate")
    assert headline.startswith("Hate crime conviction rate ")


def test_a_period_with_no_cases_says_so(open_page):
    at = open_page(crime_type="Domestic abuse", start="2014-01", end="2014-03")
    assert not charts(at)
    assert any("No finalised cases" in i.value for i in at.info)


def test_an_incomplete_area_total_is_named_on_the_page(tmp_path):
    """One bad cell (Warwickshire's Burglary convictions, January 2016): the page names the month
    and the force wherever the total lacks it, and only there."""
    from tests.conftest import _app_env, _caches, _clear_st_caches, _run_app
    from tests.test_ingest import edit_cell
    from tests.test_outcomes_completeness import CO_JAN, CO_MAR, folder

    root = folder(tmp_path, CO_JAN, CO_MAR)
    edit_cell(root, CO_JAN, "Warwickshire", "Number of Burglary Convictions", "abc")
    with _app_env(root, tmp_path / "app.duckdb"):
        _caches["from"] = None
        _clear_st_caches()
        try:
            runs = {
                ct: _run_app(
                    "pages/conviction_rates.py",
                    {"crime_type": ct, "start": "2016-01", "end": "2018-03"},
                    90,
                )
                for ct in ("Burglary", "All crime", "Drugs Offences")
            }
        finally:
            _clear_st_caches()
    notices = {ct: [w.value for w in at.warning] for ct, at in runs.items()}
    assert not any(at.exception for at in runs.values())
    # the names come from the files, so they are shown as literal text
    area = literal("CPS West Midlands")
    assert (
        f"Jan 2016: {literal('Warwickshire')} missing from {area} (burglary): the total is "
        "incomplete." in notices["Burglary"]
    )
    assert (
        f"Jan 2016: {literal('Warwickshire (Burglary)')} missing from {area} (all crime): "
        "the total is incomplete." in notices["All crime"]
    )
    assert not any("missing from" in n for n in notices["Drugs Offences"])
    # the chart by area says its period total for the Area is short too
    assert (
        f"{area}, total incomplete: {literal('Warwickshire in Jan 2016')} not loaded."
        in captions(runs["Burglary"])
    )
    # ... and so does the chart by offence category, for Burglary only, whatever the crime type
    for at in runs.values():
        lines = captions(at).splitlines()
        categories = tuple(f":material/warning: {literal(c)}," for c in OFFENCE_CATEGORIES)
        incomplete = [c for c in lines if c.startswith(categories)]
        assert incomplete == [
            f":material/warning: {literal('Burglary')}, total incomplete: "
            f"{literal('Warwickshire in Jan 2016')} not loaded."
        ]


def test_a_force_line_missing_is_one_note_under_the_chart_by_category(tmp_path):
    """Warwickshire's line taken out of the March 2018 file: every category's total lacks it, and
    the chart by offence category says so once, not once a category."""
    from tests.conftest import _app_env, _caches, _clear_st_caches, _run_app
    from tests.test_ingest import drop_area
    from tests.test_outcomes_completeness import CO_JAN, CO_MAR, folder

    root = folder(tmp_path, CO_JAN, CO_MAR)
    drop_area(root, CO_MAR, "Warwickshire")
    with _app_env(root, tmp_path / "app.duckdb"):
        _caches["from"] = None
        _clear_st_caches()
        try:
            at = _run_app("pages/conviction_rates.py", {"start": "2016-01", "end": "2018-03"}, 90)
        finally:
            _clear_st_caches()
    assert not at.exception
    categories = (":material/warning: Every offence category,",
                  *(f":material/warning: {literal(c)}," for c in OFFENCE_CATEGORIES))  # fmt: skip
    notes = [c for c in captions(at).splitlines() if c.startswith(categories)]
    assert notes == [
        ":material/warning: Every offence category, total incomplete: "
        f"{literal('Warwickshire in Mar 2018')} not loaded."
    ]


def test_a_category_with_no_row_loaded_shows_no_counts_and_says_so(tmp_path):
    """Burglary's line of offence_categories.csv refused: the chart by category keeps the other
    11, its table gives Burglary no counts (unknown, not 0), and a note names what is missing."""
    from tests.apptest_support import open_table
    from tests.conftest import _app_env, _caches, _clear_st_caches, _run_app
    from tests.test_outcomes_completeness import CO_JAN, CO_MAR, folder
    from tests.test_references import edit

    root = folder(tmp_path, CO_JAN, CO_MAR)
    edit(root, "offence_categories", "offence_category", "Burglary", "cps_order", "four")
    with _app_env(root, tmp_path / "app.duckdb"):
        _caches["from"] = None
        _clear_st_caches()
        try:
            at = _run_app("pages/conviction_rates.py", {"start": "2016-01", "end": "2016-01"}, 90)
            assert not at.exception, [e.value for e in at.exception]
            table = open_table(at, "conviction-rate-by-category").set_index("Offence category")
        finally:
            _clear_st_caches()
    assert len(table) == 12
    assert table.loc["Burglary", ["Convictions", "Unsuccessful", "Cases"]].isna().all()
    assert table.drop("Burglary")["Cases"].notna().all()
    forces = "; ".join(f"{f} in Jan 2016" for f in AREA_FORCES)
    assert (f":material/warning: {literal('Burglary')}, total incomplete: {literal(forces)} "
            "not loaded.") in captions(at).splitlines()  # fmt: skip


def test_funnel_plot_places_every_force_for_drugs_march_2018(open_page):
    at = open_page(
        crime_type="Drugs Offences", geography="West Midlands", start="2018-03", end="2018-03"
    )
    at.toggle(key="funnel_adjust").set_value(False).run()
    mar = "2018/Principal_Offence_Category_Mar.csv"
    n_conv, n_uns = published(mar, "National", "Drugs Offences")
    p0 = n_conv / (n_conv + n_uns)
    conv, uns = published(mar, "West Midlands", "Drugs Offences")
    n = conv + uns
    half95 = 1.959964 * (p0 * (1 - p0) / n) ** 0.5 * 100
    half998 = 3.090232 * (p0 * (1 - p0) / n) ** 0.5 * 100
    head, spec = chart(at, "99.8% limits")
    # The chosen force, 223 of 235: within the 99.8% limits for its cases.
    assert head == "West Midlands 94.9%: within the 99.8% limits for its 235 cases"
    table = open_table(at, "funnel-force")
    assert len(table) == 42  # every police force area had drugs cases that month
    row = table.set_index("Unit").loc["West Midlands"]
    assert row["Upper 95% limit (%)"] == pytest.approx(p0 * 100 + half95)
    assert row["Lower 99.8% limit (%)"] == pytest.approx(p0 * 100 - half998)
    assert row["Against the 95% limits"] == "within"
    assert "Limits shown: 95% and 99.8% limits" in captions(at)
    # The CPS Areas: 13 units (London North and South share one force row).
    at.radio(key="funnel_level").set_value("CPS Areas").run()
    table = open_table(at, "funnel-area")
    assert len(table) == 13


def test_funnel_plot_for_a_flag_says_no_fair_comparison(open_page):
    at = open_page(crime_type="Hate crime", start="2017-04", end="2018-03")
    assert any("no fair comparison" in i.value for i in at.info)


def test_the_funnel_is_worked_out_once_and_drawn_the_same_on_every_rerun(open_page, monkeypatch):
    """A rerun with the same filters (query results cached) does not work out the funnel again,
    and draws the same figure: the kept one is never finished in place (its source line added, its
    height grown), which a second and third run would show."""
    from cjsperf import funnel

    real, made = funnel.funnel, []
    monkeypatch.setattr(funnel, "funnel", lambda *a, **k: made.append(1) or real(*a, **k))
    at = open_page(crime_type="Burglary", start="2017-10", end="2018-03")
    _, first = chart(at, "99.8% limits")
    for _ in range(2):
        at.run()
        _, again = chart(at, "99.8% limits")
        assert again == first
    assert len(made) <= 1  # once (none if an earlier test left the same funnel kept)
    # the source line once, and the height the figure was built with plus its lines
    sources = [a for a in first["layout"]["annotations"] if a.get("name") == "source_line"]
    assert len(sources) == 1


MONTH_WORDS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def published_months() -> dict[str, str]:
    """{month (YYYY-MM): its file, relative to data/case_outcomes} of every month CPS published:
    a file each in data/case_outcomes/<year>/, the month a word of the file's name
    ('..._march_2017.csv', '..._Mar.csv')."""
    found = {}
    for p in (DATA / "case_outcomes").rglob("*.csv"):
        words = p.stem.lower().split("_")
        (month,) = [MONTH_WORDS.index(w[:3]) + 1 for w in words if w[:3] in MONTH_WORDS]
        found[f"{int(p.parent.name)}-{month:02d}"] = f"{p.parent.name}/{p.name}"
    return found


def test_a_period_cps_did_not_publish_says_so_and_draws_the_rest(open_page):
    """Apr-Jun 2017 have no CPS file: the charts of the period's own CPS figures say the months
    were not published (never 'no finalised cases'); the SPC trend still draws the 24 months to
    June 2017, and the sample's flagged cases by court type still draw."""
    published = published_months()
    assert len(published) == 45  # domain.md: 45 months
    assert not {"2017-04", "2017-05", "2017-06"} & set(published)
    at = open_page(start="2017-04", end="2017-06")
    notices = [i.value for i in at.info]
    assert not any("No finalised cases" in n for n in notices), notices
    # by area, by offence category and the funnel plot: each says so, naming the months
    gone = [n for n in notices if "not published" in n and "Apr–Jun 2017" in n]
    assert len(gone) == 3, notices
    assert len(charts(at)) == 2  # the SPC trend and the flagged cases by court type
    # The trend: Jul 2015 to Jun 2017, a point for each month with a file (18 of the 24).
    _, spec = chart(at, "Headline conviction rate")
    line = spc_line(spec)
    months = values(line["x"])
    assert months[0] == "2015-07" and months[-1] == "2017-06" and len(months) == 24
    drawn = [m for m, v in zip(months, values(line["y"])) if v is not None and v == v]
    assert drawn == [m for m in months if m in published] and len(drawn) == 18
    # Flagged cases by court type, Apr-Jun 2017, the four forces, from the sample with pandas.
    df = pd.concat(pd.read_csv(p) for p in (DATA / "flagged_outcomes").glob("*.csv*"))
    df = df[df["month"].between("2017-04", "2017-06")]
    sums = df.groupby(["flag", "court_type"])[["convictions", "unsuccessful"]].sum()
    rates = {k: rate(c, u) for k, (c, u) in sums.iterrows()}
    assert rates[("Domestic abuse", "Magistrates' court")] == rate(1305, 374) == 77.7
    enough = {k: r for k, r in rates.items() if sums.loc[k].sum() >= 50}
    assert min(enough, key=enough.get) == ("Domestic abuse", "Magistrates' court")
    _, flagged = chart(at, "Domestic abuse in the Magistrates' court lowest at 77.7%")
    shown = {
        (flag, trace["name"]): v
        for trace in flagged["data"]
        for flag, v in zip(values(trace["y"]), values(trace["x"]), strict=True)
    }
    assert shown == rates


def test_a_flag_in_unpublished_months_says_what_is_not_published(open_page):
    """Hate crime, Apr-Jun 2017: the trend, the chart by area and the chart by court type draw
    (sample data); the breakdown by offence category is CPS's, not published for those months,
    and the page says that, not that there were no hate crime cases."""
    at = open_page(crime_type="Hate crime", start="2017-04", end="2017-06")
    notices = [i.value for i in at.info]
    assert not any("No finalised cases" in n for n in notices), notices
    assert any(
        "offence category" in n and "not published" in n and "Apr–Jun 2017" in n for n in notices
    ), notices
    # By area, from the sample with pandas: the forces with 50 cases or more, highest first.
    df = pd.concat(pd.read_csv(p) for p in (DATA / "flagged_outcomes").glob("*.csv*"))
    df = df[df["month"].between("2017-04", "2017-06") & (df["flag"] == "Hate crime")]
    sums = df.groupby("force_area")[["convictions", "unsuccessful"]].sum()
    ranked = sorted(
        ((rate(c, u), force) for force, (c, u) in sums.iterrows() if c + u >= 50), reverse=True
    )
    assert len(ranked) >= 2
    top_rate, top = ranked[0]
    assert len(charts(at)) == 3
    chart(at, f"{top} had the highest rate, {top_rate}%")
    chart(at, "Hate crime conviction rate")
    chart(at, "Hate crime in the Magistrates' court")  # flagged cases by court type


def test_the_funnel_says_on_screen_that_it_leaves_admin_finalised_out(open_page):
    """The default view (FY 2017-18, 9 months published): the chart by area shows CPS's headline
    rate (National 83.3%); the funnel plot leaves administratively finalised cases out (National
    85.2%), and its own title says so, not only its download."""
    fy = [m for m in published_months().items() if "2017-04" <= m[0] <= "2018-03"]
    assert len(fy) == 9
    n_conv, n_uns, n_admin = map(sum, zip(*(area_counts(p, ("National",)) for _, p in fy)))
    assert rate(n_conv, n_uns + n_admin) == 83.3 and rate(n_conv, n_uns) == 85.2
    at = open_page()
    _, by_area = chart(at, "had the highest rate")
    bars = dict(zip(values(by_area["data"][0]["y"]), values(by_area["data"][0]["x"]), strict=True))
    assert bars["National"] == 83.3
    _, funnel = chart(at, "99.8% limits")
    words = title_words(funnel)
    assert "National rate 85.2%" in words
    assert "administratively finalised cases left out" in words


def test_one_ranked_bar_is_not_called_the_highest(open_page):
    """Warwickshire Homicide, March 2017: of the bars by area only National rests on 50 cases or
    more, so the headline gives its rate without ranking it against hollow bars."""
    mar17 = "2017/principal_offence_category_march_2017.csv"
    counts = {a: published(mar17, a, "Homicide") for a in (*AREA_FORCES, "National")}
    area = tuple(map(sum, zip(*(counts[a] for a in AREA_FORCES))))
    assert area == (9, 1) and counts["National"] == (103, 23)
    assert rate(103, 23) == 81.7
    at = open_page(crime_type="Homicide", geography="Warwickshire", start="2017-03", end="2017-03")
    assert not any("highest" in h for h in charts(at)), list(charts(at))
    headline, _ = chart(at, "National")
    assert headline == "National: 81.7%"
