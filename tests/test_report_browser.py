"""The HTML report in a real headless Chromium: drawing, sorting, search, filters, cards,
decisions and their export, layout at 800 and 1,600 px, no script injection.

Needs the ``chromium`` and ``chromium-driver`` system packages and Python ``selenium``; the
tests are skipped, with the reason, only when one of them is missing.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crisis_screen import report
from crisis_screen.report.decisions import read_decisions
from crisis_screen.report.html import FIRST_ROWS
from crisis_screen.runs.records import ScanRecord
from crisis_screen.runs.screen import screen_source
from crisis_screen.runs.sources import walk_paths
from crisis_screen.screener import Screener

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
CHROMEDRIVER = shutil.which("chromedriver")

INJECTED = "<script>document.title='PWNED';window.__pwned=1</script>"
#: Rows the page draws each time the end of the table comes into view.
PAGE = FIRST_ROWS
#: Resumes with no mention of the skill, so the ranking is longer than a few pages.
FILLERS = 130

RESUMES = {
    "alpha_officer.txt": (
        "EXPERIENCE\nPatrol Officer, 2015 - Present\n"
        "- Completed 40-hour Crisis Intervention Team (CIT) training in 2016\n"
        "- Responded to over 200 mental health crisis calls with a co-responder clinician\n"
        "- Led verbal de-escalation refreshers for new deputies\n"
    ),
    "bravo_nurse.md": (
        "SUMMARY\nPsychiatric nurse.\nCERTIFICATIONS\n- Mental Health First Aid, 2021\n"
    ),
    "charlie_keywords.txt": (
        "SKILLS\nCrisis intervention, de-escalation, CIT, suicide prevention, crisis response\n"
    ),
    "delta_pr.txt": "EXPERIENCE\n- Ran crisis communications for a bank merger\n",
    "hostile.txt": f"{INJECTED}\nEXPERIENCE\n- {INJECTED} Completed 40-hour CIT training\n",
}


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
def ranked(tmp_path_factory: pytest.TempPathFactory, screener: Screener) -> list[ScanRecord]:
    folder = tmp_path_factory.mktemp("resumes")
    for name, text in RESUMES.items():
        (folder / name).write_text(text, encoding="utf-8")
    for i in range(FILLERS):
        (folder / f"filler_{i:03d}.txt").write_text(
            f"EXPERIENCE\nWarehouse associate {i}\n- Loaded trucks and kept inventory\n"
        )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf\n")
    return report.rank_records(screen_source(screener, p) for p in walk_paths([folder]).files)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory, ranked: list[ScanRecord]) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(report.render_html(ranked), encoding="utf-8")
    return path


def _ready(driver: Any) -> str:
    return str(driver.execute_script("return document.documentElement.dataset.ready || ''"))


def _open(driver: Any, path: Path, width: int = 1280) -> None:
    """Load the report with empty browser storage at this window width; wait for its data."""
    driver.set_window_size(width, 1200)
    driver.get(path.as_uri())
    driver.execute_script("window.localStorage.clear()")
    driver.refresh()
    assert _wait(lambda: _ready(driver) != "")
    assert _ready(driver) == "1"


def _assert_drawn(driver: Any, expected: list[str]) -> None:
    """The rows drawn are the first of ``expected``, at least a page of them, in order."""
    got = _sources(driver)
    assert got == expected[: len(got)]
    assert len(got) >= min(PAGE, len(expected))


def _rows(driver: Any) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, "#ranking tr.resume-row")


def _sources(driver: Any) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#ranking tr.resume-row td.resume .src'))"
        ".map(function (n) { return n.textContent; })"
    )


def _wait(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _scroll_to_the_end(driver: Any, total: int) -> bool:
    """Scroll down as a reader would, again each time more rows come, until ``total`` are drawn."""

    def scrolled() -> bool:
        driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        return len(_rows(driver)) == total

    return _wait(scrolled, seconds=15.0)


def _severe(driver: Any) -> list[Any]:
    # JavaScript errors and CSP violations are logged as severe.
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _ok(ranked: list[ScanRecord]) -> list[ScanRecord]:
    return [r for r in ranked if r.ok]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_draws_the_ranking_and_runs_no_injected_script(
    driver: Any, report_file: Path, ranked: list[ScanRecord], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, report_file)
    assert driver.title == "crisis-screen report"
    assert driver.execute_script("return window.__pwned === undefined") is True
    assert INJECTED in driver.find_element(By.TAG_NAME, "body").text
    ok = _ok(ranked)
    # The first rows, in rank order; the rest come when scrolled to.
    rows = _rows(driver)
    assert 20 <= len(rows) < len(ok)
    shown = [float(r.find_element(By.CSS_SELECTOR, "td.score").text) for r in rows]
    assert shown == [round(r.score or 0.0, 1) for r in ok[: len(rows)]]
    assert driver.find_element(By.ID, "shown").text == str(len(ok))
    assert _scroll_to_the_end(driver, len(ok))
    assert _sources(driver) == [r.source for r in ok]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#errors tbody tr")) == 2
    # The summary counts each tier, and the chart marks the threshold.
    counts = {
        row.get_attribute("data-tier"): int(row.find_elements(By.TAG_NAME, "td")[0].text)
        for row in driver.find_elements(By.CSS_SELECTOR, "#counts tbody tr")
    }
    assert counts == {t: sum(1 for r in ok if r.summary and r.summary.tier == t) for t in counts}
    line = driver.find_element(By.CSS_SELECTOR, "#score-chart line.threshold")
    threshold = ok[0].threshold or 0.0
    assert float(line.get_attribute("x1") or "") == pytest.approx(44 + 584 * threshold / 100, 0.1)
    label = driver.find_element(By.CSS_SELECTOR, "#score-chart .threshold-label").text
    assert label == f"threshold {threshold:g}"
    assert _severe(driver) == []
    shot = tmp_path / "report.png"
    assert driver.save_screenshot(str(shot))
    width, height = _png_size(shot.read_bytes())
    assert width >= 800 and height >= 600


def test_cards_are_collapsed_drawn_when_opened_and_only_for_evidence(
    driver: Any, report_file: Path, ranked: list[ScanRecord]
) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, report_file)
    ok = _ok(ranked)[: len(_rows(driver))]
    cards = driver.find_elements(By.CSS_SELECTOR, "#ranking details.card")
    assert len(cards) == sum(1 for r in ok if r.evidence) > 0
    assert not any(c.get_attribute("open") for c in cards)
    assert driver.find_elements(By.CSS_SELECTOR, "#ranking mark.hit") == []  # nothing drawn yet
    # Each card row follows the row of a resume with evidence.
    followed = driver.execute_script(
        "return Array.from(document.querySelectorAll('#ranking tr.card-row'))"
        ".map(function (c) { return c.previousElementSibling.querySelector('.src').textContent; })"
    )
    assert followed == [r.source for r in ok if r.evidence]
    for card in cards:
        card.find_element(By.TAG_NAME, "summary").click()
    expected = sorted(ev.text for r in ok for ev in r.evidence)
    # A card is drawn on its "toggle" event, which the browser fires after the click returns.
    assert _wait(
        lambda: len(driver.find_elements(By.CSS_SELECTOR, "#ranking mark.hit")) >= len(expected)
    )
    marks = driver.find_elements(By.CSS_SELECTOR, "#ranking mark.hit")
    assert sorted(m.text for m in marks) == expected
    assert all("confidence:" in (m.get_attribute("title") or "") for m in marks)
    # Rules that change nothing are left out until asked for.
    quiet = sum(1 for r in ok for ev in r.evidence for a in ev.adjustments if a.factor == 1.0)
    assert quiet and driver.find_elements(By.CSS_SELECTOR, "li.rule.quiet") == []
    driver.find_element(By.ID, "all-rules").click()
    assert len(driver.find_elements(By.CSS_SELECTOR, "li.rule.quiet")) > 0
    assert _severe(driver) == []


def test_header_clicks_sort_every_way(
    driver: Any, report_file: Path, ranked: list[ScanRecord]
) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, report_file)
    ok = _ok(ranked)

    def click(key: str) -> None:
        driver.find_element(By.CSS_SELECTOR, f"#ranking th[data-key={key}] button").click()

    def header(key: str) -> str:
        th = driver.find_element(By.CSS_SELECTOR, f"#ranking th[data-key={key}]")
        return str(th.get_attribute("aria-sort"))

    click("resume")
    _assert_drawn(driver, sorted((r.source for r in ok), key=str.lower))
    assert header("resume") == "ascending" and header("rank") == "none"
    click("resume")
    _assert_drawn(driver, sorted((r.source for r in ok), key=str.lower, reverse=True))
    assert header("resume") == "descending"
    click("score")  # best first on the first click, ties in rank order
    _assert_drawn(driver, [r.source for r in ok])
    click("score")
    by_score = sorted(enumerate(ok), key=lambda p: (p[1].score or 0.0, p[0]))
    _assert_drawn(driver, [r.source for _, r in by_score])
    click("tier")
    order = ["strong", "moderate", "claim_only", "none"]
    tiers = [
        order.index(r.summary.tier) for r in ok if r.summary is not None
    ]  # expected tier sequence
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('#ranking tr.resume-row .tier'))"
        ".map(function (n) { return n.className.split('tier-')[1]; })"
    )
    assert [order.index(t) for t in shown] == sorted(tiers)[: len(shown)]
    click("lines")
    lines = [int(r.find_elements(By.TAG_NAME, "td")[5].text) for r in _rows(driver)]
    assert lines == sorted(lines, reverse=True)
    click("flag")
    flags = [r.find_elements(By.TAG_NAME, "td")[3].text for r in _rows(driver)]
    assert flags == sorted(flags, key=lambda f: f != "FLAGGED")
    assert _severe(driver) == []


def _expected_matches(ranked: list[ScanRecord], query: str) -> list[str]:
    """An independent reading of what the search box promises to match."""
    q = query.lower()
    out = []
    for r in _ok(ranked):
        names = r.summary.concept_names if r.summary else ()
        texts = [r.source, *names]
        for ev in r.evidence:
            texts += [ev.line, ev.text, ev.concept, ev.concept_name, ev.term]
        if any(q in t.lower() for t in texts):
            out.append(r.source)
    return out


@pytest.mark.parametrize(
    "query",
    [
        "alpha_",  # a file name
        "verbal de-escalation",  # evidence text
        "co-responder clinician",  # evidence text, another resume
        "FIRST AID",  # part of a concept's name, in any case
    ],
)
def test_search_matches_names_evidence_and_concepts_and_hides_their_cards(
    driver: Any, report_file: Path, ranked: list[ScanRecord], query: str
) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, report_file)
    expected = _expected_matches(ranked, query)
    assert expected  # the query finds something
    assert len(expected) < len(_ok(ranked))
    driver.find_element(By.ID, "search").send_keys(query)
    assert _sources(driver) == expected
    assert driver.find_element(By.ID, "shown").text == str(len(expected))
    card_owners = driver.execute_script(
        "return Array.from(document.querySelectorAll('#ranking tr.card-row'))"
        ".map(function (c) { return c.previousElementSibling.querySelector('.src').textContent; })"
    )
    with_evidence = {r.source for r in _ok(ranked) if r.evidence}
    assert card_owners == [s for s in expected if s in with_evidence]


def test_concept_name_search_finds_what_the_id_would_not(
    driver: Any, report_file: Path, ranked: list[ScanRecord]
) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, report_file)
    alpha = next(r for r in ranked if r.source.endswith("alpha_officer.txt"))
    name = next(ev.concept_name for ev in alpha.evidence if " " in ev.concept_name)
    driver.find_element(By.ID, "search").send_keys(name)
    assert alpha.source in _sources(driver)
    assert _sources(driver) == _expected_matches(ranked, name)


def test_tier_and_flag_filters(driver: Any, report_file: Path, ranked: list[ScanRecord]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _open(driver, report_file)
    ok = _ok(ranked)
    driver.find_element(By.CSS_SELECTOR, "#tier-filter input[value=none]").click()
    kept = [r.source for r in ok if r.summary and r.summary.tier != "none"]
    assert _sources(driver) == kept and 0 < len(kept) < len(ok)
    driver.find_element(By.CSS_SELECTOR, "#tier-filter input[value=none]").click()
    Select(driver.find_element(By.ID, "flag-filter")).select_by_value("flagged")
    assert _sources(driver) == [r.source for r in ok if r.flagged]
    Select(driver.find_element(By.ID, "flag-filter")).select_by_value("unflagged")
    _assert_drawn(driver, [r.source for r in ok if not r.flagged])
    assert driver.find_element(By.ID, "shown").text == str(sum(1 for r in ok if not r.flagged))
    # Tier and flag together, with a search on top.
    driver.find_element(By.CSS_SELECTOR, "#tier-filter input[value=none]").click()
    driver.find_element(By.ID, "search").send_keys("charlie")
    assert _sources(driver) == [r.source for r in ok if "charlie" in r.source and not r.flagged]


def test_decisions_persist_across_reloads_and_export_as_decisions_json(
    driver: Any, report_file: Path, ranked: list[ScanRecord], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    _open(driver, report_file)
    ok = _ok(ranked)
    driver.find_element(By.ID, "reviewer-note").send_keys("AB, opening 12")
    picks = {0: ("advance", "described practice"), 2: ("reject", ""), 3: ("hold", "ask for dates")}
    for index, (decision, reason) in picks.items():
        row = _rows(driver)[index]
        Select(row.find_element(By.CSS_SELECTOR, "select.decision")).select_by_value(decision)
        if reason:
            row.find_element(By.CSS_SELECTOR, "input.reason").send_keys(reason)
    counts = driver.find_element(By.ID, "decision-counts").text
    assert f"1 advance · 1 hold · 1 reject · {len(ok) - 3} undecided" in counts

    driver.refresh()  # kept in the browser's storage
    for index, (decision, reason) in picks.items():
        row = _rows(driver)[index]
        assert row.find_element(By.CSS_SELECTOR, "select.decision").get_attribute("value") == (
            decision
        )
        assert row.find_element(By.CSS_SELECTOR, "input.reason").get_attribute("value") == reason
    assert driver.find_element(By.ID, "reviewer-note").get_attribute("value") == "AB, opening 12"
    Select(driver.find_element(By.ID, "decision-filter")).select_by_value("hold")
    assert _sources(driver) == [ok[3].source]
    Select(driver.find_element(By.ID, "decision-filter")).select_by_value("all")
    driver.find_element(By.CSS_SELECTOR, "#ranking th[data-key=decision] button").click()
    assert _sources(driver)[:3] == [ok[0].source, ok[3].source, ok[2].source]

    driver.find_element(By.ID, "export").click()
    target = downloads / "decisions.json"
    assert _wait(lambda: target.exists() and target.stat().st_size > 0)
    items = json.loads(target.read_text(encoding="utf-8"))
    assert [set(i) for i in items] == [
        {"source", "sha256", "decision", "reason", "reviewer_note", "decided_at"}
    ] * 3
    got = {i["source"]: (i["decision"], i["reason"], i["sha256"]) for i in items}
    assert got == {ok[i].source: (d, why, ok[i].sha256) for i, (d, why) in picks.items()}
    assert {i["reviewer_note"] for i in items} == {"AB, opening 12"}
    # The export reads back as the library reads it, and a new report shows it.
    decisions = read_decisions(target)
    page = report.render_html(ranked, decisions=decisions)
    block = re.search(r'<script type="application/json" id="report-rows"[^>]*>(.*?)</script>', page)
    assert block is not None
    shown = {row["src"]: row["d"]["decision"] for row in json.loads(block.group(1)) if "d" in row}
    assert shown == {ok[i].source: d for i, (d, _) in picks.items()}
    assert _severe(driver) == []


@pytest.mark.parametrize("width", [800, 1600])
def test_no_horizontal_overflow_with_every_card_open(
    driver: Any, report_file: Path, width: int
) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, report_file, width=width)
    for card in driver.find_elements(By.CSS_SELECTOR, "#ranking details.card"):
        card.find_element(By.TAG_NAME, "summary").click()
    driver.find_element(By.ID, "all-rules").click()
    scroll, client = driver.execute_script(
        "var d = document.documentElement; return [d.scrollWidth, d.clientWidth];"
    )
    assert scroll <= client
    table = driver.find_element(By.ID, "ranking")
    assert table.rect["x"] + table.rect["width"] <= client
    assert _severe(driver) == []


def test_printing_hides_the_controls_and_draws_every_row(
    driver: Any, report_file: Path, ranked: list[ScanRecord]
) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, report_file)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element(By.ID, "controls").is_displayed()
        assert not driver.find_element(By.ID, "export").is_displayed()
        driver.execute_script("window.dispatchEvent(new Event('beforeprint'))")
        assert len(_rows(driver)) == len(_ok(ranked))
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_a_compressed_report_reads_its_data_and_works_the_same(
    driver: Any, ranked: list[ScanRecord], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    path = tmp_path / "packed.html"
    path.write_text(report.render_html(ranked, compress=True), encoding="utf-8")
    assert 'data-encoding="gzip+base64"' in path.read_text(encoding="utf-8")
    _open(driver, path)
    ok = _ok(ranked)
    driver.find_element(By.ID, "search").send_keys("co-responder clinician")
    assert _sources(driver) == _expected_matches(ranked, "co-responder clinician")
    driver.find_element(By.CSS_SELECTOR, "#ranking details.card summary").click()
    alpha = next(r for r in ok if r.source.endswith("alpha_officer.txt"))
    marks = driver.find_elements(By.CSS_SELECTOR, "#ranking mark.hit")
    assert sorted(m.text for m in marks) == sorted(ev.text for ev in alpha.evidence)
    driver.find_element(By.ID, "search").clear()
    driver.find_element(By.ID, "search").send_keys(" ")  # an input event; blank matches all
    assert _scroll_to_the_end(driver, len(ok))
    assert _severe(driver) == []
