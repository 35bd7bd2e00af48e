"""Shared helpers of the batch, report and scan tests (no tests here).

Building a Screener takes about a second, so in-process tests share one per config by
patching ``ScreenerConfig.build``; subprocess tests pay the real start-up cost.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import crisis_screen
from crisis_screen.screener import Screener, ScreenerConfig

SRC = str(Path(crisis_screen.__file__).resolve().parent.parent)

STRONG = (
    "Jordan Example\n"
    "EXPERIENCE\n"
    "Patrol Officer, Example City Police, 2015-2024\n"
    "- Completed 40-hour Crisis Intervention Team (CIT) training in 2016\n"
    "- Responded to over 200 mental health crisis calls with a co-responder clinician\n"
)
MEDIUM = (
    "Riley Example\n"
    "SUMMARY\n"
    "Retail manager. Trained staff in de-escalation of customer disputes.\n"
    "SKILLS\n"
    "Crisis intervention, scheduling, inventory\n"
)
WEAK = "Sam Example\nEXPERIENCE\nAccountant preparing quarterly reports and audits.\n"
# A broken PDF whose bytes hold text that must never reach an error message.
SECRET = "SECRET-PERSONAL-PHRASE"
JUNK_PDF = f"%PDF-1.4\n{SECRET} not really a pdf\n".encode()

_CACHE: dict[ScreenerConfig, Screener] = {}
_REAL_BUILD = ScreenerConfig.build


def cached_build(self: ScreenerConfig) -> Screener:
    """ScreenerConfig.build, memoised: equal configs share one screener."""
    if self not in _CACHE:
        _CACHE[self] = _REAL_BUILD(self)
    return _CACHE[self]


def patch_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make in-process screener builds cheap for the rest of a test."""
    monkeypatch.setattr(ScreenerConfig, "build", cached_build)


def write_resumes(folder: Path, *, with_bad: bool = True) -> dict[str, Path]:
    """Write a small set of resumes (and, optionally, two that cannot be read)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "strong": folder / "strong.txt",
        "medium": folder / "medium.md",
        "weak": folder / "weak.txt",
    }
    files["strong"].write_text(STRONG, encoding="utf-8")
    files["medium"].write_text(MEDIUM, encoding="utf-8")
    files["weak"].write_text(WEAK, encoding="utf-8")
    if with_bad:
        files["junk"] = folder / "junk.pdf"
        files["junk"].write_bytes(JUNK_PDF)
        files["empty"] = folder / "empty.txt"
        files["empty"].write_bytes(b"")
    return files


def cli_env() -> dict[str, str]:
    """Environment for running ``python -m crisis_screen`` from the source tree."""
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("COLUMNS", None)
    return env


def run_cli(
    args: list[str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "crisis_screen", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=cwd,
        timeout=timeout,
    )


def made_up_word(n: int) -> str:
    """The ``n``-th of distinct made-up words of letters only, never a lexicon word.

    Lines that pass the gate full of such words cost the typo pass a fuzzy lookup per word:
    a real slow input (seconds), however the engine bounds one line or one resume's evidence.
    """
    letters, out = "bcdfghjklmnpqrstvwxz", ""
    while True:
        n, r = divmod(n, len(letters))
        out += letters[r]
        if n == 0:
            return out + "quorvex"
