"""Driving the dashboard in a real browser: start it on a free local port, open a page in
Debian's chromium through Playwright, wait for Streamlit's script run to finish, and read back
what the page shows. Shared by the browser tests and the dashboard benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Without the networking flags chromium keeps dialling out, which a closed machine refuses
# many times a second; the sandbox needs user namespaces that containers running as root lack.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_CHROMIUM = (
    f"no chromium at {CHROMIUM}: install Debian's package (apt-get install chromium) or set "
    "CHROMIUM_PATH to a Chromium binary"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_dashboard(
    warehouse: Path, log: Path, timeout_s: float = 60
) -> tuple[subprocess.Popen, str]:
    """`streamlit run dashboard/app.py` on `warehouse`; returns the process and its URL once
    Streamlit answers its health check."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--server.port", str(port), "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT,
        env={**os.environ, "WAREHOUSE_PATH": str(warehouse)},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard exited:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(
        f"the dashboard did not start within {timeout_s} s:\n{log.read_text()[-4000:]}"
    )


def stop_dashboard(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def settle(page: Any, timeout_s: float = 120) -> float:
    """Wait until the script run is over: a title drawn, no skeleton, spinner or running
    indicator, and the page's text unchanged over three looks 0.4 s apart. Returns the
    time.perf_counter() of the first of those looks, when the page was done."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_s * 1000)
    deadline, seen = time.perf_counter() + timeout_s, []
    while time.perf_counter() < deadline:
        busy = page.locator(
            '[data-testid="stSkeleton"], [data-testid="stSpinner"], [data-testid="stStatusWidget"]'
        ).count()
        text = page.locator('[data-testid="stMain"]').inner_text()
        seen = [*seen[-2:], (time.perf_counter(), None if busy else text)]
        texts = [look for _, look in seen]
        if len(seen) == 3 and texts[0] is not None and texts.count(texts[0]) == 3:
            return seen[0][0]
        time.sleep(0.4)
    raise TimeoutError(f"page did not settle within {timeout_s} s: {page.url}")


def shown_figures(page: Any) -> dict[str, str]:
    """Label -> value of every st.metric on the page."""
    figures = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        figures[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return figures


def chart_points(page: Any) -> list[int]:
    """Data points per plotly chart on the page, read from the chart's own data."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot =>
            (plot.data || []).reduce((total, trace) => total + Math.max(
                (trace.x || []).length, (trace.y || []).length, (trace.z || []).length,
                ((trace.link || {}).value || []).length), 0))"""
    )


def error_texts(page: Any) -> list[str]:
    """Tracebacks, error boxes and dialogs (Streamlit's "Page not found" is one) on the page."""
    exceptions = page.locator('[data-testid="stException"]').all_inner_texts()
    alerts = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    dialogs = page.locator('[role="dialog"]').all_inner_texts()
    return exceptions + alerts + dialogs
