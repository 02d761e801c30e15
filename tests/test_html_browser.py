"""The HTML report in a real browser: headless Chromium driven by playwright for Python.

Asserts that the page loads from file:// with no console error and no http/https request,
that every chart is drawn by plotly, that the recommendation is there and that the
`<script>` hidden in a scenario name and a workload name did not run.

Chromium is Debian's (`/usr/bin/chromium`, or $TCO_CHROMIUM); playwright's own browser
download is never used. Without Chromium or playwright these tests skip, except on CI
(CI=true), where they fail.

`save_screenshot(run, png)` renders any RunResult and photographs it; run this file to
regenerate docs/report.png:  .venv/bin/python tests/test_html_browser.py [SCENARIO.yaml]
(with no scenario, the example portfolio of tests/test_html.py is used).
"""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
CHART_IDS = ("strategies", "costs", "capacity", "volume")


def chromium_path() -> str | None:
    """Debian's Chromium, or the one named by $TCO_CHROMIUM."""
    for p in (os.environ.get("TCO_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if p and Path(p).exists():
            return p
    return None


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


@contextmanager
def browser():
    """A headless Chromium under playwright, closed on exit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright for Python is not installed (pip install -e '.[test]')")
    exe = chromium_path()
    if exe is None:
        _unavailable("Chromium not found at /usr/bin/chromium (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_report(b, path: Path, width: int = 1280):
    """Open a report from file:// with every http/https request refused and recorded."""
    page = b.new_page(viewport={"width": width, "height": 900})
    log = {"console": [], "errors": [], "external": [], "requests": []}
    page.on("console", lambda m: log["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))

    def route(r):
        url = r.request.url
        log["requests"].append(url)
        if not url.startswith(("file:", "data:", "blob:", "about:")):
            log["external"].append(url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart[data-chart]')]"
        ".every(el => el.dataset.drawn === 'true')", timeout=20000)
    return page, log


def save_screenshot(run, png: str | Path, html: str | Path | None = None) -> Path:
    """Render `run` to HTML and save a full-page screenshot of it to `png`."""
    import tempfile

    from tco.report.html import write_html

    png = Path(png)
    with tempfile.TemporaryDirectory() as tmp:
        page_file = write_html(run, Path(html) if html else Path(tmp) / "report.html")
        with browser() as b:
            page, _ = open_report(b, page_file, width=1200)
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png), full_page=True)
    return png


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def loaded(chromium, tmp_path_factory):
    from test_html import rich_run

    from tco.report.html import write_html

    path = write_html(rich_run(), tmp_path_factory.mktemp("report") / "report.html")
    page, log = open_report(chromium, path)
    yield page, log
    page.close()


def test_harness_catches_requests_and_scripts(chromium, tmp_path):
    """The checks below would see a leak: a request is intercepted, a script is noticed."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<img src="http://127.0.0.1:9/x.png"><script>window.__pwned=1</script>',
                     encoding="utf-8")
    page, log = open_report(chromium, leaky)
    assert log["external"] == ["http://127.0.0.1:9/x.png"]
    assert page.evaluate("() => window.__pwned") == 1
    page.close()


def test_loads_without_console_errors(loaded):
    page, log = loaded
    assert log["errors"] == []
    bad = [(t, m) for t, m in log["console"] if t in ("error", "warning")]
    assert bad == []


def test_no_request_leaves_the_file(loaded):
    page, log = loaded
    assert log["external"] == []
    assert log["requests"] and all(u.startswith("file:") for u in log["requests"])


def test_every_chart_is_drawn(loaded):
    page, _ = loaded
    ids = page.eval_on_selector_all(".chart[data-chart]", "els => els.map(e => e.dataset.chart)")
    assert sorted(ids) == sorted(CHART_IDS)
    for cid in CHART_IDS:
        stats = page.evaluate(
            """id => { const el = document.getElementById('chart-' + id);
                       const svg = el.querySelector('svg.main-svg');
                       const r = el.getBoundingClientRect();
                       return {svg: !!svg, marks: el.querySelectorAll(
                                 '.trace path, .trace .point, .bars path, .scatterlayer path')
                                 .length,
                               plotly: !!el._fullLayout, w: r.width, h: r.height}; }""", cid)
        assert stats["svg"] and stats["plotly"], (cid, stats)
        assert stats["marks"] > 0, (cid, stats)
        assert stats["w"] > 300 and stats["h"] > 200, (cid, stats)


def test_recommendation_present(loaded):
    page, _ = loaded
    text = page.inner_text("#recommendation")
    assert text.startswith("Serve ") and "NPV $" in text and "breaks even" in text


def test_injected_script_did_not_run(loaded):
    page, _ = loaded
    assert page.evaluate("() => window.__pwned") is None
    assert "<script>window.__pwned=1</script>" in page.inner_text("h1")
    assert "<script>window.__pwned=2</script>" in page.inner_text("table.workloads")


def test_print_layout_renders(loaded):
    page, _ = loaded
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    assert pdf[:4] == b"%PDF" and len(pdf) > 50_000


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    if len(sys.argv) > 1:
        from tco.pipeline import run_scenario

        example = run_scenario(sys.argv[1])
    else:
        from test_html import rich_run

        example = rich_run()
    out = Path(__file__).resolve().parents[1] / "docs" / "report.png"
    print(save_screenshot(example, out))


def test_a_reasons_lines_stay_lines(chromium, tmp_path):
    # Why a strategy has no plan is several lines (the workload, each group of candidates
    # removed, what to fix); the table ran them into one ("... and 21 more - 7 candidates:
    # ... more to fix: ..."). Each line is a line on the page.
    from dataclasses import replace

    from test_html import rich_run

    from tco.report.html import write_html

    run = rich_run()
    table = run.strategies.copy()
    i = table.index[table.strategy == "self_host_only"][0]
    table.loc[i, ["status", "npv_usd", "reason"]] = [
        "infeasible", None, "strategy 'self_host_only': no feasible plan.\n"
        "workload 'chat' has no option left: 3 candidates removed\n"
        "  - 3 candidates: strategy self_host_only excludes api\n"
        "  to fix: lower min_quality"]
    path = write_html(replace(run, strategies=table), tmp_path / "report.html")
    page, _ = open_report(chromium, path)
    cell = page.locator("#strategies td", has_text="no feasible plan")
    assert [line.strip() for line in cell.inner_text().splitlines()] == [
        "strategy 'self_host_only': no feasible plan.",
        "workload 'chat' has no option left: 3 candidates removed",
        "- 3 candidates: strategy self_host_only excludes api",
        "to fix: lower min_quality"]
    page.close()
