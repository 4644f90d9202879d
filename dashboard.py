"""CPS West Midlands joint performance dashboard: the frame.

Page config, the shared filters (crime type, period, geography, comparison; kept in the URL),
and navigation over the pages in pages/. Start it with `streamlit run dashboard.py`.
"""

import streamlit as st

from cjsperf import ui

st.set_page_config(
    page_title="CPS West Midlands performance",
    page_icon="⚖️",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/conviction_rates.py", title="Conviction rates", icon=":material/gavel:"),
    st.Page("pages/agent_spend.py", title="Agent spend", icon=":material/payments:"),
    st.Page("pages/court_sessions.py", title="Court sessions", icon=":material/event:"),
    st.Page("pages/task_completion.py", title="Task completion", icon=":material/task_alt:"),
    st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
]

page = st.navigation(PAGES, position="top")
ui.filters()
page.run()
