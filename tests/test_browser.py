"""The real dashboard in headless Chromium: every page renders, the crime type changes a chart,
a link reproduces a view, the downloads hold the published figures, filters survive a page change.

Starts `streamlit run dashboard.py` on a free port with its own database file, over the repository's
data/, and drives Debian's /usr/bin/chromium with Playwright. Without Chromium or Playwright the
tests fail when CI is set, and are skipped (saying why) otherwise.

Expected figures come from the published CSV, read here with the csv module: West Midlands,
Drugs Offences, March 2018 (data/case_outcomes/2018/Principal_Offence_Category_Mar.csv).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from cjsperf import site
from tests.server_support import dashboard

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = ["/" + p.url_path for p in site.PAGES]  # every page the dashboard serves
FILTERED = (
    "/conviction-rates?crime_type=Drugs+Offences&geography=West+Midlands&start=2018-03&end=2018-03"
)
IDLE = (
    "() => document.querySelector('[data-testid=\"stApp\"]')"
    "?.getAttribute('data-test-script-state') === 'notRunning'"
)
HEADLINE = "() => document.querySelector('.gtitle tspan.line')?.textContent ?? null"
TIMEOUT = 30_000  # ms


def published(force: str, category: str, path: str) -> dict:
    """Counts and published rate for one force and category, straight from a CPS file."""
    with (REPO / "data" / path).open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, row = rows[0], next(r for r in rows if r[0] == force)

    def cell(name: str) -> str:
        return row[header.index(name)]

    conv = int(cell(f"Number of {category} Convictions").replace(",", ""))
    uns = int(cell(f"Number of {category} Unsuccessful").replace(",", ""))
    rate = (Decimal(100 * conv) / Decimal(conv + uns)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return {
        "convictions": conv,
        "unsuccessful": uns,
        "rate": float(rate),
        "published": cell(f"Percentage of {category} Convictions"),
    }


WM_DRUGS_MAR_2018 = published(
    "West Midlands", "Drugs Offences", "case_outcomes/2018/Principal_Offence_Category_Mar.csv"
)


# ----------------------------------------------------------------------------- fixtures
def _require_browser() -> None:
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright is not installed (pip install -r requirements-dev.txt)")
    if problems:
        reason = "browser test cannot run: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@contextlib.contextmanager
def serve(tmp: Path):
    """`streamlit run dashboard.py` as a user starts it, on a free port, with a database file of
    its own in `tmp`; yields {"base": url, "log": path} once the server answers its health check."""
    log = tmp / "server.log"
    with dashboard({"CJSPERF_DB": str(tmp / "browser.duckdb")}, log) as base:
        yield {"base": base, "log": log}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real dashboard, serving the repository's data/ with a private database file."""
    _require_browser()
    with serve(tmp_path_factory.mktemp("server")) as srv:
        # One visit to the Overview first, so the other tests do not each wait for the first
        # imports (pandas, Plotly) on a busy machine. Routing needs no warm-up: see
        # test_a_deep_link_as_the_first_visit_to_a_fresh_server_shows_the_page_with_no_dialog.
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            warm = b.new_page()
            warm.goto(srv["base"] + "/")
            warm.wait_for_function(IDLE, timeout=120_000)
            b.close()
        yield srv


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context (its own Streamlit session) per test; the server log is checked
    afterwards for errors the page itself may not show (a failed download, say)."""
    start = server["log"].stat().st_size
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT)
    pg = context.new_page()
    yield pg
    context.close()
    with server["log"].open("rb") as fh:
        fh.seek(start)
        new = fh.read().decode(errors="replace")
    assert "Traceback" not in new, new[-3000:]


# ----------------------------------------------------------------------------- helpers
def open_page(pg, url: str) -> None:
    pg.goto(url)
    settle(pg)


def settle(pg) -> None:
    """Wait until the script run has finished and the page shows a chart or a title."""
    pg.wait_for_function(IDLE)
    pg.wait_for_selector('[data-testid="stPlotlyChart"] .gtitle, h1', state="attached")
    pg.wait_for_function(IDLE)


def headline(pg) -> str:
    """The first chart's headline (its first line), once every chart on the page is drawn:
    Plotly draws them one by one, and the first title found must be the first chart's."""
    pg.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(c => c.querySelector('.gtitle'))"
    )
    return pg.evaluate(HEADLINE)


def expect_headline(pg, expected: str) -> None:
    """The first chart's headline becomes `expected`: a first visit may draw the page twice (the
    link's filters written back to the URL), so the first title read can be a passing one."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # timed out: the assert says what it shows
        pg.wait_for_function(
            "(e) => document.querySelector('.gtitle tspan.line')?.textContent === e",
            arg=expected,
        )
    assert headline(pg) == expected


def wait_headline_change(pg, before: str) -> str:
    pg.wait_for_function(
        "(b) => { const t = document.querySelector('.gtitle tspan.line'); "
        "return t && t.textContent !== b; }",
        arg=before,
    )
    pg.wait_for_function(IDLE)
    return headline(pg)


def no_exception(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0, pg.url
    assert pg.get_by_text("Page not found").count() == 0, pg.url


def crime_type_box(pg):
    return pg.get_by_role("combobox", name="Crime type")


def choose_crime_type(pg, value: str) -> None:
    """With the keyboard: a mouse click on an option does not select it in headless Chromium."""
    box = crime_type_box(pg)
    box.focus()
    pg.keyboard.press("Alt+ArrowDown")
    options = pg.get_by_role("option")
    options.first.wait_for()
    labels = options.all_text_contents()
    current = labels.index(box.input_value())
    target = labels.index(value)
    key = "ArrowDown" if target >= current else "ArrowUp"
    for _ in range(abs(target - current)):
        pg.keyboard.press(key)
    pg.keyboard.press("Enter")


def url_params(pg) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(pg.url).query).items()}


def go_to(pg, title: str, path: str) -> None:
    pg.locator('[data-testid="stTopNavLink"]', has_text=title).click()
    pg.wait_for_url(f"**{path}?**")
    settle(pg)


def chart_downloads(pg, chart_index: int = 0):
    """The 'Data table and downloads' expander under the n-th chart, opened."""
    expander = pg.locator('[data-testid="stExpander"]').nth(chart_index)
    expander.get_by_text("Data table and downloads").click()
    expander.get_by_role("button", name="Download CSV").wait_for(state="visible")
    return expander


# ----------------------------------------------------------------------------- tests
def test_every_page_renders(page, server):
    # One tab per page, opened together: each is its own session, so the server draws them at once.
    tabs = [page] + [page.context.new_page() for _ in PAGES[1:]]
    for tab, path in zip(tabs, PAGES):
        tab.goto(server["base"] + path)
    for tab, path in zip(tabs, PAGES):
        settle(tab)
        no_exception(tab)
        assert tab.locator("h1").count() >= 1, path


def test_every_chart_fits_its_texts_and_is_drawn_once(page, server):
    """On a 1366 px laptop screen with the sidebar open, once every chart is drawn:
    - no chart's title, source or tick label runs past its edge (two charts side by side, 445 px
      each, had their headlines and sources cut off; Plotly is told not to measure and hide tick
      labels that would, `theme.TEMPLATE`'s ticklabeloverflow);
    - each chart's left margin, set in Python from its y labels, is as wide as Plotly's automargin
      needs: else Plotly draws the chart a second time to widen it (~40% of the time a chart
      takes to draw after a filter change), and the source line, shifted by the margin, starts
      inside the chart instead of at its edge.
    One visit a page checks both (each page's charts take seconds to draw)."""
    for path in PAGES:
        open_page(page, server["base"] + path)
        assert texts_outside_their_chart(page) == [], path
        assert page.evaluate(MARGIN_JS) == [], path


MARGIN_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap((gd, i) => {
  const full = gd._fullLayout, push = (full._pushmargin || {})['y.automargin'];
  const set = full.margin.l;
  if (!full.yaxis || !full.yaxis.visible || !full.yaxis.showticklabels) return [];
  return !push || push.l.size > set
    ? [`chart ${i + 1}: margin ${set} px, its y labels need ${push ? Math.ceil(push.l.size) : '?'} px`]
    : [];
})"""


# Each chart's title, source lines and tick labels (Plotly clips nothing: a line too long for its
# chart runs past the chart's edge, under the next one or off the page). A chart counts as drawn once Plotly
# has laid it out and, if it has a title (Overview sparklines have none), drawn that title; the
# texts are read only once every chart on screen is drawn.
OUTSIDE_JS = """() => {
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter(c => c.getBoundingClientRect().height > 0);
  const drawn = c => {
    const gd = c.querySelector('.js-plotly-plot');
    const title = gd?.layout?.title;
    return !!gd?._fullLayout && (!(title?.text ?? title) || !!c.querySelector('.gtitle'));
  };
  if (!charts.every(drawn)) return null;
  const out = [];
  for (const c of charts) {
    const box = c.querySelector('.js-plotly-plot').getBoundingClientRect();
    for (const t of c.querySelectorAll('.gtitle, .annotation-text, .xtick text, .ytick text')) {
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1))
        out.push(`chart ${charts.indexOf(c) + 1}: from ${Math.round(r.left - box.left)} to `
                 + `${Math.round(r.right - box.left)} px of ${Math.round(box.width)}: `
                 + t.textContent.slice(0, 60));
    }
  }
  return out;
}"""


def texts_outside_their_chart(pg) -> list[str]:
    """The chart texts that run past their chart's edges, once every chart has been drawn."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        pg.wait_for_function(f"() => ({OUTSIDE_JS})() !== null")
    except PlaywrightTimeout:  # say which page and which charts were never drawn
        state = pg.evaluate(DRAWN_JS)
        raise AssertionError(f"{pg.url}: not every chart drawn in time: {state}") from None
    return pg.evaluate(OUTSIDE_JS)


DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map((c, i) =>
  `chart ${i + 1}: plot ${!!c.querySelector('.js-plotly-plot')}, `
  + `title ${c.querySelector('.js-plotly-plot')?.layout?.title ? !!c.querySelector('.gtitle') : 'none'}`)"""


def test_crime_type_changes_the_chart(page, server):
    open_page(page, server["base"] + "/conviction-rates")
    page.wait_for_selector(".gtitle")
    before = headline(page)
    assert before.startswith("Headline conviction rate "), before
    choose_crime_type(page, "Drugs Offences")
    after = wait_headline_change(page, before)
    assert after.startswith("Drugs Offences conviction rate "), after
    assert crime_type_box(page).input_value() == "Drugs Offences"
    assert url_params(page)["crime_type"] == "Drugs Offences"
    no_exception(page)
    # The value picked with the widget holds when the page changes.
    go_to(page, "Court sessions", "/court-sessions")
    assert url_params(page)["crime_type"] == "Drugs Offences"
    assert crime_type_box(page).input_value() == "Drugs Offences"
    no_exception(page)


def test_link_reproduces_the_published_figure_and_downloads_hold_it(page, server, tmp_path):
    import openpyxl

    expected = WM_DRUGS_MAR_2018
    assert expected["published"] == f"{expected['rate']}%"  # the file agrees with its counts
    # ...and with the figures checked by hand in the file: 223 ÷ (223 + 12) = 94.89… → 94.9%.
    assert (expected["convictions"], expected["unsuccessful"], expected["rate"]) == (223, 12, 94.9)
    open_page(page, server["base"] + FILTERED)
    page.wait_for_selector(".gtitle")
    no_exception(page)
    # The SPC chart's headline: the value, then what the statistics say of it (second line).
    expect_headline(page, f"Drugs Offences conviction rate {expected['rate']}%:")
    # Its variation and assurance, in words beside it.
    assert page.get_by_text("Common cause").count() + page.get_by_text("Special cause").count() >= 1
    expander = chart_downloads(page, 0)

    with page.expect_download() as dl:
        expander.get_by_role("button", name="Download CSV").click()
    assert dl.value.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
    # The 24 months the SPC chart shows, each with its mean, limits and rule.
    assert len(rows) == 21  # Apr 2016 to Mar 2018 less the unpublished Apr–Jun 2017
    mine = [r for r in rows if r["month"] == "2018-03"]
    assert len(mine) == 1, rows
    assert float(mine[0]["conviction_rate"]) == expected["rate"]
    assert int(mine[0]["convictions"]) == expected["convictions"]
    assert int(mine[0]["unsuccessful"]) == expected["unsuccessful"]
    rates = [float(r["conviction_rate"]) for r in rows]
    mean = sum(rates) / len(rates)
    assert all(float(r["spc_mean"]) == pytest.approx(mean) for r in rows)
    assert float(mine[0]["spc_lower"]) < expected["rate"] < float(mine[0]["spc_upper"])

    with page.expect_download() as dl:
        expander.get_by_role("button", name="Download Excel").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    target = tmp_path / dl.value.suggested_filename
    dl.value.save_as(target)
    book = openpyxl.load_workbook(target, read_only=True)
    values = [v for row in book["Data"].iter_rows(values_only=True) for v in row]
    numbers = {round(v, 1) for v in values if isinstance(v, float | int)}
    assert expected["rate"] in numbers
    assert {expected["convictions"], expected["unsuccessful"]} <= numbers


def test_link_filters_survive_a_page_change(page, server):
    open_page(page, server["base"] + FILTERED)
    go_to(page, "Agent spend", "/agent-spend")
    params = url_params(page)
    assert (params["crime_type"], params["geography"], params["start"], params["end"]) == (
        "Drugs Offences",
        "West Midlands",
        "2018-03",
        "2018-03",
    )
    assert crime_type_box(page).input_value() == "Drugs Offences"
    no_exception(page)
    go_to(page, "Conviction rates", "/conviction-rates")
    page.wait_for_selector(".gtitle")
    expect_headline(page, f"Drugs Offences conviction rate {WM_DRUGS_MAR_2018['rate']}%:")


def test_unknown_link_value_gives_a_notice_not_an_error(page, server):
    open_page(page, server["base"] + "/conviction-rates?crime_type=Nonsense")
    warning = page.locator('[data-testid="stAlertContentWarning"]')
    assert warning.count() >= 1
    assert "Nonsense" in warning.first.inner_text()
    no_exception(page)
    assert crime_type_box(page).input_value() == "All crime"


def test_a_deep_link_as_the_first_visit_to_a_fresh_server_shows_the_page_with_no_dialog(
    browser, tmp_path
):
    # A server started just now, that no browser has visited: the link in the agenda email is the
    # first visit. Before the fix Streamlit's pages/-folder routing answered it with a modal
    # "Page not found" dialog over the page.
    with serve(tmp_path) as fresh:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(60_000)
        pg = context.new_page()
        open_page(pg, fresh["base"] + FILTERED)
        pg.wait_for_selector(".gtitle")
        assert pg.get_by_role("dialog").count() == 0
        assert pg.get_by_text("Page not found").count() == 0
        # The page the link names, with its filters: 223 ÷ (223 + 12) = 94.9% (checked by hand).
        expect_headline(pg, "Drugs Offences conviction rate 94.9%:")
        assert pg.locator("h1").first.inner_text() == "Conviction rates"
        assert crime_type_box(pg).input_value() == "Drugs Offences"
        params = url_params(pg)
        assert (params["geography"], params["start"], params["end"]) == (
            "West Midlands",
            "2018-03",
            "2018-03",
        )
        context.close()
        assert "Traceback" not in fresh["log"].read_text()


def compared(pg) -> list[str]:
    """The areas chosen in "Compare with" (once the widget is drawn)."""
    pg.get_by_role("combobox", name="Compare with").wait_for()
    tags = pg.locator('.react-aria-ComboBox [data-testid="stMultiSelectTagsContainer"] [data-tag]')
    return [t.get_attribute("aria-label") for t in tags.all()]


def test_no_comparison_survives_its_link_and_a_page_change(page, server, browser):
    open_page(page, server["base"] + FILTERED)
    assert compared(page) == ["National"]  # the default
    open_page(page, server["base"] + FILTERED + "&compare=none")
    assert compared(page) == []
    assert url_params(page)["compare"] == "none"
    go_to(page, "Court sessions", "/court-sessions")
    assert url_params(page)["compare"] == "none"
    assert compared(page) == []
    # The link the page now shows, opened by someone else: still no comparison, same filters.
    link = page.url
    other = browser.new_context(viewport={"width": 1366, "height": 900})
    other.set_default_timeout(TIMEOUT)
    try:
        pg2 = other.new_page()
        open_page(pg2, link)
        assert compared(pg2) == []
        params = url_params(pg2)
        assert (params["compare"], params["crime_type"], params["start"]) == (
            "none",
            "Drugs Offences",
            "2018-03",
        )
        no_exception(pg2)
    finally:
        other.close()


@pytest.mark.parametrize(
    "value",
    ["[Session expired: sign in again](https://evil.example/login)", "<b>html</b> *bold* `code`"],
)
def test_link_values_with_markdown_or_html_show_as_plain_text(page, server, value):
    open_page(page, server["base"] + "/conviction-rates?" + urlencode({"crime_type": value}))
    warning = page.locator('[data-testid="stAlertContentWarning"]')
    assert warning.count() == 1
    text = warning.first.inner_text()
    # The value exactly as typed, inside the dashboard's own words...
    assert f"The link's crime type {value} is not one the dashboard knows" in text, text
    # ...and nothing of it acted on: no link to the sender's address, no bold, no emphasis; the
    # value is one code element holding exactly what the link said.
    assert page.locator('a[href*="evil.example"]').count() == 0
    assert warning.first.locator("a, b, strong, em").count() == 0
    assert warning.first.locator("code").all_inner_texts() == [value]
    assert crime_type_box(page).input_value() == "All crime"
    no_exception(page)


def test_conviction_page_shows_the_funnel_plot(page, server):
    """The funnel plot draws every force for the link's crime type and period, the chosen force
    named; its table says where each lies against the limits."""
    open_page(page, server["base"] + FILTERED)
    funnel = page.locator(".gtitle", has_text="99.8% limits")
    funnel.first.wait_for()
    assert funnel.first.text_content().startswith("West Midlands 94.9%: within the 99.8% limits")
    assert page.get_by_text("Limits shown:").count() >= 1
    no_exception(page)
