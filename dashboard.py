"""CPS West Midlands joint performance dashboard: the frame.

Page config, the shared filters (crime type, period, geography, comparison; kept in the URL),
and navigation over the pages in pages/. Start it with `streamlit run dashboard.py`.

This file is read in two ways. `streamlit run` finds `app = st.App(...)` at the bottom and serves
it (Streamlit's ASGI mode): the server imports this file once, as the module `dashboard`, and runs
`_server_start` before anyone visits. Each visit runs the file as the script `__main__`: `frame()`.
"""

import asyncio
import contextlib
import logging

import streamlit as st


@contextlib.asynccontextmanager
async def _server_start(_app):
    """Runs once when the server starts, before the first visit.

    Streamlit routes a visit's URL by a process-wide flag (`PagesManager.uses_pages_directory`)
    that the first session sets to "this app has a pages/ folder" and only `st.navigation` clears.
    So the first visit after a start was routed by the older pages/-folder scheme, which knows no
    `/conviction-rates` (its paths are the file names), and got a modal "Page not found" over the
    right page. This app always navigates with `st.navigation`: say so before anyone visits.
    (Streamlit 1.67; tests/test_browser.py opens a deep link as the first visit to a fresh server.)

    It also reads the extracts now, so the first visitor does not wait for the ingest.
    """
    from streamlit.runtime.pages_manager import PagesManager

    from cjsperf import ui

    if not hasattr(PagesManager, "uses_pages_directory"):
        raise RuntimeError("Streamlit changed its page routing: see _server_start in dashboard.py")
    PagesManager.uses_pages_directory = False
    # No visit is running, so Streamlit would log "missing ScriptRunContext" for the cached call.
    context_log = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = context_log.level
    context_log.setLevel(logging.ERROR)
    try:
        await asyncio.to_thread(ui._current)
    except ui.WarehouseUnavailable as exc:  # a replica before the first build: /healthz says 503
        logging.getLogger(__name__).warning("%s", exc)
    except Exception:  # the first visit tries again and shows the problem on the page
        logging.getLogger(__name__).exception("Could not read the extracts at server start")
    finally:
        context_log.setLevel(level)
    yield


async def _healthz(_request):
    """GET /healthz, for a load balancer: the build of the database this process serves (JSON),
    or 503 when it cannot open it. See README "Serving a meeting"."""
    from starlette.responses import JSONResponse

    from cjsperf import ui

    status, body = await asyncio.to_thread(ui.health)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def frame() -> None:
    """One visit's run: page config, the shared filters, the chosen page."""
    from cjsperf import site, ui

    st.set_page_config(
        page_title="CPS West Midlands performance",
        page_icon="⚖️",
        layout="wide",
        initial_sidebar_state="expanded",
    )
    pages = [
        st.Page(
            p.file, url_path=p.url_path or None, title=p.title, icon=p.icon, default=not p.url_path
        )
        for p in site.PAGES
    ]
    page = st.navigation(pages, position="top")
    # Less empty space above the page title: on a projector at 1366x768 every line counts.
    st.html("<style>.block-container{padding-top:2.2rem;padding-bottom:2rem}</style>")
    ui.filters()
    page.run()


if __name__ == "__main__":  # a visit: Streamlit runs this file as its script
    frame()
else:  # imported by the server, once, at start
    from starlette.routing import Route

    app = st.App(
        __file__,
        lifespan=_server_start,
        routes=[Route("/healthz", _healthz, methods=["GET", "HEAD"])],
    )
