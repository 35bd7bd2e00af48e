"""The HTML report in a real headless Chromium: rendering, highlights, no script injection.

Needs the ``chromium`` and ``chromium-driver`` system packages and Python ``selenium``; the
test is skipped, with the reason, only when one of them is missing.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crisis_screen import batch, report
from crisis_screen.screener import ScreenerConfig
from test_batch_support import write_resumes

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
CHROMEDRIVER = shutil.which("chromedriver")

INJECTED = "<script>document.title='PWNED';window.__pwned=1</script>"


def _missing() -> str | None:
    if CHROMIUM is None:
        return "chromium binary not found (apt-get install chromium)"
    if CHROMEDRIVER is None:
        return "chromedriver binary not found (apt-get install chromium-driver)"
    return None


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    # selenium is a test dependency; a missing one is a broken environment, not a skip.
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[batch.ScanRecord]]:
    folder = tmp_path_factory.mktemp("resumes")
    write_resumes(folder)
    (folder / "hostile.txt").write_text(
        f"{INJECTED}\nEXPERIENCE\n- {INJECTED} Completed 40-hour CIT training\n"
    )
    screener = ScreenerConfig().build()
    records = report.rank_records(
        batch.screen_file_record(screener, p) for p in batch.walk_paths([folder]).files
    )
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(report.render_html(records), encoding="utf-8")
    return path, records


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_renders_ranking_and_highlights_in_a_browser(
    driver: Any, report_file: tuple[Path, list[batch.ScanRecord]], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    path, records = report_file
    driver.get(path.as_uri())

    # The injected script did not run, and is visible as text.
    assert driver.title == "crisis-screen report"
    assert driver.execute_script("return window.__pwned === undefined") is True
    assert INJECTED in driver.find_element(By.TAG_NAME, "body").text

    # Ranking rows in score order, one per screened resume.
    rows = driver.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    ok = [r for r in records if r.ok]
    assert len(rows) == len(ok)
    shown = [float(row.find_element(By.CSS_SELECTOR, "td.score").text) for row in rows]
    assert shown == sorted(shown, reverse=True)
    assert shown == [round(r.score or 0.0, 1) for r in ok]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#errors tbody tr")) == 2

    # Every evidence item is highlighted with exactly its matched text, with a hover title.
    marks = driver.find_elements(By.CSS_SELECTOR, "mark.hit")
    expected = sorted(ev.text for r in ok for ev in r.evidence)
    assert sorted(m.text for m in marks) == expected
    assert all("confidence:" in (m.get_attribute("title") or "") for m in marks)

    # The filter script works: "flagged only" hides unflagged rows.
    driver.find_element(By.ID, "flagged-only").click()
    visible = [r for r in rows if r.is_displayed()]
    assert len(visible) == sum(1 for r in ok if r.flagged)
    assert driver.find_element(By.ID, "shown").text == str(len(visible))

    # No JavaScript errors and no CSP violations (those are logged as severe errors).
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []

    shot = tmp_path / "report.png"
    assert driver.save_screenshot(str(shot))
    data = shot.read_bytes()
    width, height = _png_size(data)
    assert width >= 800 and height >= 600
    assert len(data) > 20_000  # a blank page compresses to far less
