"""Lexicons as untrusted input: catastrophic REGEX shapes, deep nesting, huge files, and every
problem of a set reported together (schema and cross-checks) by the library and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crisis_screen import Screener
from crisis_screen.cli import cli
from crisis_screen.errors import LexiconError
from crisis_screen.lexicon import default_lexicon_dir, load_lexicon, read_toml
from crisis_screen.lexicon.check import MAX_REGEX_CHARS, regex_problem
from crisis_screen.lexicon.load import MAX_TOML_BYTES, MAX_TOML_DEPTH

OVERLAY_HEAD = """
[overlay]
extends = "mental_health_response"
name = "hostile"
version = "1"

[gate]
anchors = ["crisis"]
"""


def overlay(tmp_path: Path, terms: str, name: str = "hostile.toml") -> Path:
    path = tmp_path / name
    path.write_text(
        OVERLAY_HEAD + '[[concepts]]\nid = "cit"\nname = "CIT"\n  [[concepts.terms]]\n' + terms
    )
    return path


def test_redos_token_pattern_is_refused_naming_file_and_pattern(tmp_path: Path) -> None:
    # Passed `lexicon validate` before; screening a 24-letter near-miss then took seconds.
    path = overlay(tmp_path, '  patterns = [[{TEXT = {REGEX = "^(a+)+$"}}]]\n')
    with pytest.raises(LexiconError) as info:
        Screener(overlays=[path])
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}: concept 'cit' terms[")
    assert "REGEX '^(a+)+$'" in problem and "nested quantifier" in problem


def test_redos_in_a_cue_pattern_or_an_extension_attribute_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cues.toml"
    path.write_text(
        OVERLAY_HEAD
        + '[[cues]]\nid = "evil"\ncategory = "negated"\n'
        + 'patterns = [[{LOWER = {REGEX = "(x|xy)*z"}}], [{_ = {flag = {REGEX = "(a*)*"}}}]]\n'
    )
    with pytest.raises(LexiconError) as info:
        load_lexicon(overlays=[path])
    text = str(info.value)
    assert "cue 'evil': patterns[0]: REGEX '(x|xy)*z': alternatives" in text
    assert "patterns[1]: REGEX '(a*)*': a repeat inside a repeat" in text


def test_invalid_regex_is_a_lexicon_error_not_re_error(tmp_path: Path) -> None:
    path = overlay(tmp_path, '  patterns = [[{TEXT = {REGEX = "("}}]]\n')
    with pytest.raises(LexiconError, match="REGEX '\\(': invalid regular expression: missing \\)"):
        load_lexicon(overlays=[path])


def test_safe_regex_pattern_still_matches(tmp_path: Path) -> None:
    path = overlay(
        tmp_path, '  patterns = [[{LOWER = "crisis"}, {TEXT = {REGEX = "^[Cc]ourses?$"}}]]\n'
    )
    result = Screener(overlays=[path]).screen_text("Finished two crisis courses")
    assert any(e.concept == "cit" and e.text == "crisis courses" for e in result.evidence)


@pytest.mark.parametrize(
    ("regex", "refused"),
    [
        (r"^(a+)+$", "nested quantifier"),
        (r"(a*)*", "nested quantifier"),
        (r"((a+){2})+", "nested quantifier"),
        (r"(x{1,9})+", "nested quantifier"),
        (r"(a*b?c*)*", "nested quantifier"),
        (r"(a|ab)+", "alternatives"),
        (r"(x|xy)*z", "alternatives"),
        (r"(a|a?b)+", "alternatives"),
        ("a" * (MAX_REGEX_CHARS + 1), "longer than"),
        (r"[z-a]", "invalid regular expression"),
        (r"^\d{2,3}-hour$", None),
        (r"^\d+(,\d{3})*$", None),
        (r"^[A-Z]{2,5}$", None),
        (r"(?:cat|dog)s?", None),
        (r"(?:ab|ac)+", None),
        (r"(a|b)+", None),
        (r"(\w|\d)*", None),
        (r"(?>a+)+", None),
        (r"(a++)+", None),
        (r"(?i)^cit$", None),
    ],
)
def test_regex_shapes(regex: str, refused: str | None) -> None:
    problem = regex_problem(regex)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem


def test_deeply_nested_lexicon_is_a_lexicon_error(tmp_path: Path) -> None:
    # Crashed `lexicon validate` with a RecursionError traceback before.
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(LexiconError) as info:
        load_lexicon(overlays=[path])
    assert info.value.problems == [f"{path}: line 1: nested deeper than {MAX_TOML_DEPTH} levels"]


def test_deep_inline_tables_are_counted_too(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "{a = " * 40 + "1" + "}" * 40 + "\n")
    with pytest.raises(LexiconError, match="nested deeper than"):
        read_toml(path)


def test_brackets_inside_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    deep = "[" * (MAX_TOML_DEPTH + 5)
    path = tmp_path / "ok.toml"
    path.write_text(
        f"a = \"{deep}\"\nb = '{deep}'\nc = \"\"\"\n{deep}\n\"\"\"\nd = '''{deep}'''\n"
        f'e = "quote \\" {deep}"\n# {deep}\n[[t]]\nf = [[1, 2], [3]]\n'
    )
    data = read_toml(path)
    assert (
        data["a"] == deep and data["e"] == f'quote " {deep}' and data["t"][0]["f"] == [[1, 2], [3]]
    )


def test_lexicon_file_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text("# " + "x" * MAX_TOML_BYTES + "\n")
    with pytest.raises(LexiconError, match=f"larger than {MAX_TOML_BYTES} bytes"):
        load_lexicon(overlays=[path])


def test_lexicon_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'x = "caf\xe9"\n')
    with pytest.raises(LexiconError, match="latin.toml: cannot read: not UTF-8"):
        read_toml(path)


MIXED = """
[[concepts]]
id = "cit"
name = "CIT"
colour = "red"
  [[concepts.terms]]
  phrases = ["crisis work"]
  abbreviations = ["cit"]
  weight = 7
  patterns = [[{TEXT = {REGEX = "(x|xy)*z"}}]]
"""


def test_schema_and_cross_check_problems_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "mixed.toml"
    path.write_text(OVERLAY_HEAD + MIXED)
    with pytest.raises(LexiconError) as info:
        load_lexicon(overlays=[path])
    problems = info.value.problems
    # Schema problems ...
    assert f"{path}: concepts.0.colour: Extra inputs are not permitted" in problems
    assert any(p.startswith(f"{path}: concepts.0.terms.0.weight:") for p in problems)
    # ... and, with those entries left out, the cross-checks of the rest, under this file.
    assert any(f"{path}: concept 'cit'" in p and "abbreviation 'cit'" in p for p in problems)
    assert any(f"{path}: concept 'cit'" in p and "REGEX '(x|xy)*z'" in p for p in problems)
    assert any(
        f"{path}: concept 'cit'" in p and "'crisis work' is also claimed" in p for p in problems
    )
    assert len(problems) == len(set(problems)) == 5


def test_cli_validate_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "mixed.toml"
    path.write_text(OVERLAY_HEAD + MIXED)
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["lexicon", "validate", str(default_lexicon_dir()), "--overlay", str(path)],
    )
    assert result.exit_code == 1
    assert "5 problems in lexicon" in result.output
    assert "colour" in result.output and "REGEX" in result.output
    result = runner.invoke(
        cli, ["lexicon", "validate", str(default_lexicon_dir()), "--overlay", str(deep)]
    )
    assert result.exit_code == 1
    assert "nested deeper than" in result.output
    assert isinstance(result.exception, SystemExit)  # not a RecursionError traceback
