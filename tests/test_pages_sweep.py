"""Every page under AppTest with awkward filter combinations: no exception, no error, and either a
chart or a plain sentence saying there is nothing to show."""

from __future__ import annotations

import pytest

from cjsperf import site

PAGES = tuple(None if not p.url_path else p.file for p in site.PAGES)  # None: the Overview
COMBINATIONS = {
    "a flag, one force, one month": {
        "crime_type": "Hate crime",
        "geography": "Staffordshire",
        "start": "2017-11",
        "end": "2017-11",
    },
    "before the sample starts": {
        "crime_type": "Homicide",
        "geography": "Warwickshire",
        "start": "2014-01",
        "end": "2014-03",
    },
    "a month CPS never published": {"crime_type": "Robbery", "start": "2015-11", "end": "2015-11"},
    "other areas compared": {
        "compare": ["National", "CPS Wessex", "Kent", "West Midlands"],
        "start": "2014-01",
        "end": "2018-03",
    },
}


@pytest.mark.parametrize("combination", list(COMBINATIONS))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: (p or "overview").split("/")[-1])
def test_page_runs_with_awkward_filters(open_app, page, combination):
    at = open_app(page, **COMBINATIONS[combination])  # asserts no exception and no error
    said = [e.value for e in (*at.info, *at.warning, *at.success)]
    assert at.get("plotly_chart") or at.metric or said, "the page shows nothing at all"
    # The link's values were all valid: no notice about them.
    assert not [w for w in at.warning if "link" in w.value], [w.value for w in at.warning]
