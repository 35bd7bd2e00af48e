"""The lexicon start-up cache: the second build of a lexicon skips its checks and lemminflect,
gives the same screener, and never hides a problem of a changed or different lexicon.

Each build runs in a fresh Python process (the cache is for the next process), with the cache
in a folder of the test's own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crisis_screen.errors import LexiconError
from crisis_screen.lexicon import load_lexicon
from crisis_screen.lexicon.cache import CACHE_DIR_ENV, NO_CACHE_ENV, lexicon_key
from crisis_screen.lexicon.load import default_lexicon_dir
from test_batch_support import cli_env

# Builds the shipped screener, screens one line; prints whether lemminflect was loaded and
# what the screener found.
_BUILD = """
import json, sys
from crisis_screen import Screener
r = Screener.default().screen_text("Completed 40 hours of crisis intervention training; de-escalated calls")
print(json.dumps({"lemminflect": "lemminflect" in sys.modules,
                  "result": r.model_dump(mode="json", exclude={"summary": {"reference_date"}})}))
"""


def _build(cache: Path, **env: str) -> dict[str, object]:
    run_env = {**cli_env(), CACHE_DIR_ENV: str(cache), **env}
    out = subprocess.run(
        [sys.executable, "-c", _BUILD], env=run_env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("lexicon-*.json")) if cache.exists() else []


@pytest.mark.slow
def test_the_second_build_skips_checks_and_dictionary_and_screens_the_same(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _build(cache)
    assert first["lemminflect"] is True  # the first build inflects the lemma terms itself
    (written,) = _cache_files(cache)
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["checked"] is True and "crisis" in data["forms"]
    second = _build(cache)
    assert second["lemminflect"] is False
    assert second["result"] == first["result"]
    assert not list(cache.glob(".lexicon-*.tmp"))  # no temporary file left behind


@pytest.mark.slow
def test_a_damaged_cache_file_is_a_miss_and_is_written_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _build(cache)
    (written,) = _cache_files(cache)
    written.write_text('{"format": 1, "key": "not this one", "checked": true}', encoding="utf-8")
    again = _build(cache)
    assert again["lemminflect"] is True  # checked and inflected again
    assert json.loads(written.read_text(encoding="utf-8"))["checked"] is True


@pytest.mark.slow
def test_turned_off_or_unwritable_the_cache_changes_nothing(tmp_path: Path) -> None:
    off = _build(tmp_path / "off", **{NO_CACHE_ENV: "1"})
    assert not _cache_files(tmp_path / "off")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    unwritable = _build(blocked / "cache")
    assert unwritable["result"] == off["result"]


def _copy_lexicon(tmp_path: Path) -> Path:
    folder = tmp_path / "lexicon"
    shutil.copytree(default_lexicon_dir(), folder)
    return folder


def _add_unchecked_concept(folder: Path, concept: str) -> Path:
    """Append a concept that fails a cross-check (a support category no rule declares)."""
    skill = next(folder.glob("*/skill.toml"))
    skill.write_text(
        skill.read_text(encoding="utf-8")
        + f'\n[[concepts]]\nid = "{concept}"\nname = "{concept}"\n\n[[concepts.terms]]\n'
        f'phrases = ["{concept} term"]\nrequires = ["no_such_category"]\n',
        encoding="utf-8",
    )
    return skill


def test_an_edited_lexicon_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    folder = _copy_lexicon(tmp_path)
    load_lexicon(folder)
    assert len(_cache_files(tmp_path / "cache")) == 1
    _add_unchecked_concept(folder, "edited_in")
    with pytest.raises(LexiconError) as caught:
        load_lexicon(folder)
    assert "edited_in" in str(caught.value)
    # Only lexicons that passed are recorded.
    assert len(_cache_files(tmp_path / "cache")) == 1


def test_validate_always_checks_even_with_a_forged_cache_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    folder = _copy_lexicon(tmp_path)
    skill = _add_unchecked_concept(folder, "forged")
    key = lexicon_key([skill], [], folder / "common" / "context.toml")
    assert key is not None
    cache.mkdir()
    (cache / f"lexicon-{key[:40]}.json").write_text(
        json.dumps({"format": 1, "key": key, "checked": True, "forms": {}}), encoding="utf-8"
    )
    monkeypatch.setenv(CACHE_DIR_ENV, str(cache))
    # The library trusts the entry (it is the user's own cache)...
    load_lexicon(folder)
    # ...but validate checks whatever the cache says.
    result = subprocess.run(
        [sys.executable, "-m", "crisis_screen", "lexicon", "validate", str(folder)],
        capture_output=True,
        text=True,
        env={**cli_env(), CACHE_DIR_ENV: str(cache)},
        timeout=120,
    )
    assert result.returncode == 1
    assert "forged" in result.stderr
