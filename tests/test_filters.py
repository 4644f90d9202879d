"""The shared filters: period choices, URL parsing (valid and invalid values), labels."""

from urllib.parse import parse_qs, urlencode

import pytest

from cjsperf.filters import (
    Filters,
    Options,
    financial_year,
    month_label,
    month_runs,
    nothing_to_show,
    parse_query_params,
    period_choices,
    period_label,
    shift_month,
    to_query_params,
)
from cjsperf.headlines import literal

MONTHS = tuple(f"{y}-{m:02d}" for y in (2014, 2015, 2016, 2017, 2018) for m in range(1, 13))[:51]
OPTIONS = Options(MONTHS, ("National", "CPS Wessex", "Kent", "West Midlands"))


@pytest.mark.parametrize(
    ("month", "fy"),
    [
        ("2018-03", "2017-18"),
        ("2017-04", "2017-18"),
        ("2017-03", "2016-17"),
        ("2014-01", "2013-14"),
    ],
)
def test_financial_year_runs_april_to_march(month, fy):
    assert financial_year(month) == fy


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [("2018-03", -11, "2017-04"), ("2017-12", 1, "2018-01"), ("2016-01", -1, "2015-12")],
)
def test_shift_month(month, n, expected):
    assert shift_month(month, n) == expected


def test_labels():
    assert MONTHS[-1] == "2018-03"
    assert month_label("2018-03") == "Mar 2018"
    assert period_label("2018-03", "2018-03") == "Mar 2018"
    assert period_label("2017-04", "2018-03") == "FY 2017-18 (Apr 2017 to Mar 2018)"
    assert period_label("2017-01", "2018-03") == "Jan 2017 to Mar 2018"
    assert Filters(start="2017-11", end="2018-02").months == [
        "2017-11",
        "2017-12",
        "2018-01",
        "2018-02",
    ]


def test_period_choices_cover_years_and_quarters_clipped_to_the_data():
    choices = period_choices(MONTHS)
    assert choices["Latest month (Mar 2018)"] == ("2018-03", "2018-03")
    assert choices["Latest 12 months"] == ("2017-04", "2018-03")
    assert choices["FY 2017-18"] == ("2017-04", "2018-03")
    assert choices["FY 2015-16"] == ("2015-04", "2016-03")
    # The data starts in January 2014: FY 2013-14 is clipped to its last quarter.
    assert choices["FY 2013-14"] == ("2014-01", "2014-03")
    assert choices["2017-18 Q3 (Oct to Dec 2017)"] == ("2017-10", "2017-12")
    assert choices["2017-18 Q1 (Apr to Jun 2017)"] == ("2017-04", "2017-06")
    assert "2018-19 Q1 (Apr to Jun 2018)" not in choices


def test_url_values_are_taken_when_valid():
    qp = {
        "crime_type": ["Drugs Offences"],
        "geography": ["West Midlands"],
        "compare": ["National", "CPS Wessex"],
        "start": ["2018-03"],
        "end": ["2018-03"],
    }
    state, notices = parse_query_params(qp, OPTIONS)
    assert notices == []
    assert state == {
        "crime_type": "Drugs Offences",
        "geography": "West Midlands",
        "compare": ["National", "CPS Wessex"],
        "start": "2018-03",
        "end": "2018-03",
    }
    assert to_query_params(state)["compare"] == ["National", "CPS Wessex"]


def test_defaults_without_url():
    state, notices = parse_query_params({}, OPTIONS)
    assert notices == []
    assert state["crime_type"] == "All crime"
    assert state["geography"] == "CPS West Midlands"
    assert state["compare"] == ["National"]
    assert (state["start"], state["end"]) == ("2017-04", "2018-03")


@pytest.mark.parametrize(
    ("qp", "field", "fallback", "words"),
    [
        ({"crime_type": ["Nonsense"]}, "crime_type", "All crime", "type ` Nonsense ` is"),
        ({"geography": ["Kent"]}, "geography", "CPS West Midlands", "geography ` Kent ` is"),
        ({"start": ["2030-01"], "end": ["2030-02"]}, "start", "2017-04", "` 2030-01 `"),
    ],
)
def test_invalid_url_values_are_ignored_with_a_notice(qp, field, fallback, words):
    state, notices = parse_query_params(qp, OPTIONS)
    assert state[field] == fallback
    assert len(notices) == 1 and words in notices[0]


# MONTHS runs from 2014-01 to 2018-03; the default period is the latest 12, 2017-04 to 2018-03.
@pytest.mark.parametrize(
    ("qp", "period"),
    [
        # Only an end: the 12 months to it (2015-07 to 2016-06 is 12 months) ...
        ({"end": ["2016-06"]}, ("2015-07", "2016-06")),
        ({"end": ["2018-01"]}, ("2017-02", "2018-01")),
        # ... or from the first month loaded when the data holds fewer before it.
        ({"end": ["2014-05"]}, ("2014-01", "2014-05")),
        # Only a start: from it to the latest month loaded.
        ({"start": ["2016-06"]}, ("2016-06", "2018-03")),
        ({"start": ["2018-03"]}, ("2018-03", "2018-03")),
        # An empty value is no value.
        ({"start": [""], "end": ["2016-06"]}, ("2015-07", "2016-06")),
    ],
)
def test_a_link_with_one_end_of_the_period_is_honoured(qp, period):
    state, notices = parse_query_params(qp, OPTIONS)
    assert notices == []
    assert (state["start"], state["end"]) == period


LOADED = "(2014-01 to 2018-03)"
LATEST = "so the latest 12 months are shown."


@pytest.mark.parametrize(
    ("qp", "notice"),
    [
        (
            {"start": ["2018-03"], "end": ["2017-01"]},
            f"The link's period starts (` 2018-03 `) after it ends (` 2017-01 `), {LATEST}",
        ),
        (
            {"start": ["2030-01"]},
            f"The link's start month ` 2030-01 ` is not within the months loaded {LOADED}, {LATEST}",
        ),
        (
            {"end": ["2013-12"]},
            f"The link's end month ` 2013-12 ` is not within the months loaded {LOADED}, {LATEST}",
        ),
        (
            {"start": ["{0}"], "end": ["{}"]},
            f"The link's period ` {{0}} ` to ` {{}} ` is not within the months loaded {LOADED}, "
            f"{LATEST}",
        ),
        (
            {"start": ["March"]},
            f"The link's start month ` March ` is not within the months loaded {LOADED}, {LATEST}",
        ),
        (
            {"start": ["2030-01"], "end": ["2030-02"]},
            f"The link's period ` 2030-01 ` to ` 2030-02 ` is not within the months loaded "
            f"{LOADED}, {LATEST}",
        ),
    ],
)
def test_a_bad_period_in_a_link_is_named_as_given_with_its_real_fault(qp, notice):
    state, notices = parse_query_params(qp, OPTIONS)
    assert notices == [notice]
    assert (state["start"], state["end"]) == ("2017-04", "2018-03")


@pytest.mark.parametrize(
    ("qp", "period", "notice"),
    [
        # A good start and an end past the data: from the start to the latest month loaded.
        (
            {"start": ["2016-01"], "end": ["2030-01"]},
            ("2016-01", "2018-03"),
            f"The link's end month ` 2030-01 ` is not within the months loaded {LOADED}, so "
            "2016-01 to the latest month loaded, 2018-03, is shown.",
        ),
        (
            {"start": ["2017-06"], "end": ["2018-13"]},
            ("2017-06", "2018-03"),
            f"The link's end month ` 2018-13 ` is not within the months loaded {LOADED}, so "
            "2017-06 to the latest month loaded, 2018-03, is shown.",
        ),
        # A bad start and a good end: the 12 months to the end (2015-07 to 2016-06).
        (
            {"start": ["June"], "end": ["2016-06"]},
            ("2015-07", "2016-06"),
            f"The link's start month ` June ` is not within the months loaded {LOADED}, so "
            "the 12 months to 2016-06 are shown.",
        ),
        (
            {"start": ["2013-01"], "end": ["2014-05"]},
            ("2014-01", "2014-05"),
            f"The link's start month ` 2013-01 ` is not within the months loaded {LOADED}, so "
            "the months to 2014-05 are shown, from 2014-01.",
        ),
    ],
)
def test_a_link_keeps_the_good_end_of_its_period_when_the_other_is_bad(qp, period, notice):
    state, notices = parse_query_params(qp, OPTIONS)
    assert notices == [notice]
    assert (state["start"], state["end"]) == period


def test_unknown_comparison_is_dropped_and_the_rest_kept():
    state, notices = parse_query_params({"compare": ["Kent", "Atlantis"]}, OPTIONS)
    assert state["compare"] == ["Kent"]
    assert len(notices) == 1 and "comparison ` Atlantis ` is" in notices[0]


def test_filters_params_and_file_names():
    f = Filters("Drugs Offences", "West Midlands", ("National",), "2018-03", "2018-03")
    assert f.params() == {
        "crime_type": "Drugs Offences",
        "area": "West Midlands",
        "start": "2018-03",
        "end": "2018-03",
    }
    assert f.for_file()["Period"] == "2018-03 to 2018-03"
    assert f.period == "Mar 2018"


def test_month_runs_name_consecutive_months_once():
    assert month_runs(["2015-11", "2016-02", "2016-03", "2017-04", "2017-05", "2017-06"]) == [
        "Nov 2015",
        "Feb–Mar 2016",
        "Apr–Jun 2017",
    ]
    assert month_runs(["2017-12", "2018-01"]) == ["Dec 2017–Jan 2018"]


def _through_a_link(params: dict) -> dict[str, list[str]]:
    """What a browser sends back for these query parameters: URL-encoded, then parsed."""
    return parse_qs(urlencode(params, doseq=True), keep_blank_values=True)


# Every kind of filter state, each written to a link and read back must be itself.
ROUND_TRIP_STATES = [
    {"compare": []},  # every comparison removed
    {"compare": ["National"]},
    {"compare": ["Kent"]},
    {"compare": ["National", "CPS Wessex", "Kent", "West Midlands"]},
    {"crime_type": "Hate crime", "compare": []},
    {"crime_type": "Domestic abuse", "geography": "Staffordshire"},
    {"crime_type": "Motoring Offences", "geography": "West Mercia", "compare": ["CPS Wessex"]},
    {"geography": "Warwickshire", "start": "2014-01", "end": "2014-01", "compare": []},
    {"start": "2014-01", "end": "2018-03"},
    {"start": "2016-02", "end": "2016-11", "compare": ["West Midlands", "National"]},
]


@pytest.mark.parametrize("change", ROUND_TRIP_STATES)
def test_every_filter_state_survives_its_own_link(change):
    state = {**parse_query_params({}, OPTIONS)[0], **change}
    back, notices = parse_query_params(_through_a_link(to_query_params(state)), OPTIONS)
    assert notices == []
    assert back == state


def test_no_comparison_is_written_to_the_link_as_none():
    state = {**parse_query_params({}, OPTIONS)[0], "compare": []}
    assert _through_a_link(to_query_params(state))["compare"] == ["none"]
    # A hand-written link with an empty compare also means no comparison.
    assert parse_query_params({"compare": [""]}, OPTIONS)[0]["compare"] == []
    # Without compare in the link at all: the default, National.
    assert parse_query_params({"crime_type": ["Burglary"]}, OPTIONS)[0]["compare"] == ["National"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # A Markdown link, HTML, a bare address: one code span, its content exactly as typed.
        (
            "[Session expired: sign in again](https://evil.example)",
            "` [Session expired: sign in again](https://evil.example) `",
        ),
        ("<b>html</b>", "` <b>html</b> `"),
        ("www.evil.example", "` www.evil.example `"),
        # Backticks in the value: a longer fence, so the value cannot close the span.
        ("a `b` c", "`` a `b` c ``"),
        ("``x", "``` ``x ```"),
        # A line break would end the span: it becomes a space.
        ("two\nlines", "` two lines `"),
        ("", ""),
    ],
)
def test_literal_makes_a_value_a_code_span(value, shown):
    assert literal(value) == shown


def test_link_values_in_notices_are_literal():
    value = "[Session expired: sign in again](https://evil.example)"
    _, notices = parse_query_params({"crime_type": [value]}, OPTIONS)
    assert notices == [
        f"The link's crime type ` {value} ` is not one the dashboard knows, so All crime is shown."
    ]


# An extract holding Apr 2015 to Mar 2018, but not Apr-Jun 2017.
HELD = [m for m in MONTHS if m >= "2015-04" and not "2017-04" <= m <= "2017-06"]
SPRING_2014 = Filters("Burglary", "Staffordshire", (), "2014-01", "2014-03")


@pytest.mark.parametrize(
    ("f", "crime_type", "said"),
    [
        # Wholly before the extract: when it starts and what it holds, whatever the crime type.
        (
            SPRING_2014,
            None,
            "No payments for Staffordshire, Jan 2014 to Mar 2014: the extract starts in Apr 2015. "
            "Choose a period from Apr 2015 to Mar 2018.",
        ),
        (
            SPRING_2014,
            "Burglary",
            "No payments for Staffordshire, burglary, Jan 2014 to Mar 2014: the extract starts in "
            "Apr 2015. Choose a period from Apr 2015 to Mar 2018.",
        ),
        # Wholly in a gap: the months it lacks, named as the coverage notes name them.
        (
            Filters(start="2017-05", end="2017-06"),
            "All crime",
            "No payments for CPS West Midlands, all crime, May 2017 to Jun 2017: May–Jun 2017 not "
            "in the extract. Choose a period from Apr 2015 to Mar 2018.",
        ),
        # Months held, but nothing in them: a wider period; another crime type only where the
        # data has one and a crime type narrowed it.
        (
            Filters("Burglary", start="2016-01", end="2016-01"),
            "Burglary",
            "No payments for CPS West Midlands, burglary, Jan 2016. "
            "Choose a wider period or another crime type.",
        ),
        (
            Filters("Burglary", start="2016-01", end="2016-01"),
            None,
            "No payments for CPS West Midlands, Jan 2016. Choose a wider period.",
        ),
        (
            Filters(start="2016-01", end="2016-01"),
            "All crime",
            "No payments for CPS West Midlands, all crime, Jan 2016. Choose a wider period.",
        ),
        # Part of the period held: not 'outside' it.
        (
            Filters(start="2015-01", end="2015-06"),
            None,
            "No payments for CPS West Midlands, Jan 2015 to Jun 2015. Choose a wider period.",
        ),
    ],
)
def test_nothing_to_show_says_why(f, crime_type, said):
    assert nothing_to_show(f, "payments", HELD, crime_type) == said


def test_nothing_to_show_after_the_extract_ends_and_with_nothing_loaded():
    f = Filters(start="2018-03", end="2018-03")
    held = [m for m in MONTHS if m <= "2017-12"]
    assert nothing_to_show(f, "tasks due", held, None) == (
        "No tasks due for CPS West Midlands, Mar 2018: the extract ends in Dec 2017. "
        "Choose a period from Jan 2014 to Dec 2017."
    )
    assert nothing_to_show(f, "tasks due", [], None) == (
        "No tasks due for CPS West Midlands, Mar 2018: the extract holds none."
    )
    # Two extracts together (TSJ reviews and disclosure answers): the words are plural.
    assert nothing_to_show(f, "reviews", held, None, extracts=2) == (
        "No reviews for CPS West Midlands, Mar 2018: the extracts end in Dec 2017. "
        "Choose a period from Jan 2014 to Dec 2017."
    )
