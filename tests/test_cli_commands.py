"""Commands beyond scan: overlays on every screening command, ``lexicon path``, the docs.

Real runs of the command line (click's runner in this process, or a subprocess); each test
writes its own overlay in its own words.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from crisis_screen.cli import COMMANDS, cli
from test_batch_support import patch_build

# Extends a shipped concept with a phrase no shipped term covers.
OVERLAY = """
[overlay]
extends = "mental_health_response"
name = "test-overlay"
version = "1"

[gate]
anchors = ["lantern house"]

[[concepts]]
id = "co_responder"
name = "Co-responder (extended)"
  [[concepts.terms]]
  phrases = ["lantern house callback team"]
"""
RESUME = "Morgan Example\nEXPERIENCE\nLed the lantern house callback team for two years\n"


@pytest.fixture(autouse=True)
def _fast_build(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_build(monkeypatch)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    overlay = tmp_path / "overlay.toml"
    overlay.write_text(OVERLAY, encoding="utf-8")
    resume = tmp_path / "cv.txt"
    resume.write_text(RESUME, encoding="utf-8")
    return {"overlay": overlay, "resume": resume, "dir": tmp_path}


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _terms(record: dict[str, object]) -> list[str]:
    evidence = record["evidence"]
    assert isinstance(evidence, list)
    return [str(ev["term"]) for ev in evidence]


def test_scan_with_an_overlay_finds_its_terms(files: dict[str, Path]) -> None:
    plain = invoke(["scan", "--format", "jsonl", "-q", str(files["resume"])])
    assert plain.exit_code == 0
    assert "lantern house callback team" not in _terms(json.loads(plain.stdout))
    out = files["dir"] / "out.jsonl"
    extended = invoke(
        ["scan", "-q", "--overlay", str(files["overlay"]), "-o", str(out), str(files["resume"])]
    )
    assert extended.exit_code == 0, extended.output
    record = json.loads(out.read_text())
    assert "lantern house callback team" in _terms(record)
    assert "test-overlay@1" in record["versions"]["lexicon"]
    manifest = json.loads((files["dir"] / "out.jsonl.manifest.json").read_text())
    assert manifest["settings"]["overlays"] == [str(files["overlay"])]


def test_an_invalid_overlay_is_a_usage_error_naming_the_file(files: dict[str, Path]) -> None:
    broken = files["dir"] / "broken.toml"
    broken.write_text('[overlay]\nextends = "no_such_skill"\nname = "x"\nversion = "1"\n')
    out = files["dir"] / "out.jsonl"
    out.write_text("previous\n")
    result = invoke(["scan", "-q", "--overlay", str(broken), "-o", str(out), str(files["resume"])])
    assert result.exit_code == 2
    assert "broken.toml" in result.output and "--overlay" in result.output
    assert out.read_text() == "previous\n"  # nothing was touched


def test_explain_with_an_overlay(files: dict[str, Path]) -> None:
    args = ["explain", "--format", "json", str(files["resume"])]
    without = json.loads(invoke(args).stdout)
    with_overlay = json.loads(
        invoke([*args[:1], "--overlay", str(files["overlay"]), *args[1:]]).stdout
    )
    assert "lantern house callback team" not in _terms(without)
    assert "lantern house callback team" in _terms(with_overlay)


def test_evaluate_with_an_overlay_counts_the_overlay_terms(files: dict[str, Path]) -> None:
    labels = files["dir"] / "lines.jsonl"
    labels.write_text(
        json.dumps({"text": "Led the lantern house callback team", "label": 1}) + "\n"
    )
    plain = json.loads(invoke(["evaluate", "--format", "json", str(labels)]).stdout)
    extended = json.loads(
        invoke(
            ["evaluate", "--format", "json", "--overlay", str(files["overlay"]), str(labels)]
        ).stdout
    )
    assert plain["counts"]["fn"] == 1 and plain["counts"]["tp"] == 0
    assert extended["counts"]["tp"] == 1 and extended["counts"]["fn"] == 0


def test_interview_guide_and_lexicon_validate_take_overlays(files: dict[str, Path]) -> None:
    guide = invoke(["interview", "guide", "--overlay", str(files["overlay"]), str(files["resume"])])
    assert guide.exit_code == 0, guide.output
    from crisis_screen.lexicon import default_lexicon_dir

    valid = invoke(
        ["lexicon", "validate", str(default_lexicon_dir()), "--overlay", str(files["overlay"])]
    )
    assert valid.exit_code == 0, valid.output
    assert valid.output.startswith("ok: ") and "test-overlay@1" in valid.output


def test_lexicon_path_prints_the_shipped_lexicon_folder() -> None:
    result = invoke(["lexicon", "path"])
    assert result.exit_code == 0
    folder = Path(result.output.strip())
    assert folder.is_dir() and any(folder.rglob("*.toml"))
    # The folder it prints is the lexicon the screener loads by default.
    assert invoke(["lexicon", "validate", str(folder)]).exit_code == 0


def _command_paths(group: click.Group, prefix: str) -> list[str]:
    paths = []
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        assert command is not None
        paths.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            paths += _command_paths(command, f"{prefix} {name}")
    return paths


def test_every_command_and_subcommand_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    paths = _command_paths(cli, "crisis-screen")
    assert {p.split()[1] for p in paths} == set(COMMANDS)
    assert "crisis-screen lexicon path" in paths
    assert [p for p in paths if p not in readme] == []
