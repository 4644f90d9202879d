"""The Conviction rates page under AppTest, over data/.

Expected figures come from the published CPS files, parsed here with the csv module (or quoted
from domain.md), never from the page's queries.
"""

from __future__ import annotations

import csv
import functools
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.apptest_support import DATA, captions, chart, charts, values

PAGE = "pages/conviction_rates.py"
AREA_FORCES = ("Staffordshire", "Warwickshire", "West Mercia", "West Midlands")


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


def test_default_view_shows_the_area_against_national(open_page):
    at = open_page()
    headlines = list(charts(at))
    assert len(headlines) == 4  # trend, by area, by category, flagged by court type
    headline, spec = chart(at, "Conviction rate in CPS West Midlands")
    # The latest month of the default period, March 2018: 86.4% for the four forces (domain.md).
    assert headline.endswith("86.4%")
    area = next(t for t in spec["data"] if t["name"] == "CPS West Midlands")
    national = next(t for t in spec["data"] if t["name"] == "National")
    months = values(area["x"])
    assert months[0] == "2017-04" and months[-1] == "2018-03"
    assert values(area["y"])[-1] == 86.4
    assert values(national["y"])[-1] == 85.2
    # Apr-Jun 2017 were never published: gaps, and a note that says so.
    assert all(v is None or v != v for v in values(area["y"])[:3])
    assert "No data for 3 month(s): Apr–Jun 2017" in captions(at)
    assert "Open Government Licence" in "\n".join(c.value for c in at.caption)


def test_drugs_offences_west_midlands_march_2018(open_page):
    at = open_page(
        crime_type="Drugs Offences", geography="West Midlands", start="2018-03", end="2018-03"
    )
    conv, uns = published(
        "2018/Principal_Offence_Category_Mar.csv", "West Midlands", "Drugs Offences"
    )
    assert (conv, uns) == (223, 12)
    headline, spec = chart(at, "Drugs Offences conviction rate in West Midlands")
    assert headline == f"Drugs Offences conviction rate in West Midlands was {rate(conv, uns)}%"
    assert rate(conv, uns) == 94.9
    trace = next(t for t in spec["data"] if t["name"] == "West Midlands")
    assert values(trace["y"]) == [94.9]
    # The counts behind the rate travel in the hover data.
    assert values(trace["customdata"])[:2] == [223, 12]

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
    assert chart(burglary, "Burglary conviction rate")[0].endswith("was 88.3%")
    assert chart(all_crime, "Conviction rate in West Midlands")[0].endswith("was 85.6%")


def test_flagged_crime_type_uses_the_sample_and_says_so(open_page):
    at = open_page(crime_type="Hate crime", start="2017-04", end="2018-03")
    assert any("Sample data" in i.value for i in at.info)
    headline, _ = chart(at, "Hate crime conviction rate in CPS West Midlands")
    assert headline.endswith("%")


def test_a_period_with_no_cases_says_so(open_page):
    at = open_page(crime_type="Domestic abuse", start="2014-01", end="2014-03")
    assert not charts(at)
    assert any("No finalised cases" in i.value for i in at.info)
