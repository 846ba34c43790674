"""Streamlit entry point: `make dashboard`, or
`WAREHOUSE_PATH=warehouse.duckdb streamlit run dashboard/app.py`.

Builds the sidebar filters once per rerun, stores them for the pages, and runs the page the URL
names; a missing warehouse or table is reported on the page with what to build.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard import pages  # noqa: E402
from dashboard.queries import Filters, WarehouseNotBuilt  # noqa: E402


def sidebar_filters() -> Filters:
    options = pages.load("filter_options")
    first_day, last_day = options["first_day"], options["last_day"]
    st.sidebar.header("Filters")
    chosen = st.sidebar.date_input(
        "Date range", value=(first_day, last_day), min_value=first_day, max_value=last_day
    )
    start, end = (
        (chosen[0], chosen[-1]) if isinstance(chosen, tuple) and chosen else (first_day, last_day)
    )
    channels = st.sidebar.multiselect("Channel", options["channels"])
    segments = st.sidebar.multiselect("Segment", options["segments"])
    st.sidebar.caption(f"Warehouse: {pages.warehouse_path()}")
    return Filters(start=start, end=end, channels=tuple(channels), segments=tuple(segments))


def main() -> None:
    st.set_page_config(page_title="Customer lifecycle", layout="wide")
    navigation = st.navigation(
        [
            st.Page(render, title=title, url_path=path, default=index == 0)
            for index, (render, title, path) in enumerate(pages.PAGES)
        ]
    )
    try:
        st.session_state["filters"] = sidebar_filters()
        navigation.run()
    except WarehouseNotBuilt as error:
        st.title("Customer lifecycle")
        st.error(f"The dashboard cannot read the warehouse: {error}")


main()
