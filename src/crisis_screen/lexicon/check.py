"""Cross-checks no single-file schema can make; every problem goes into one LexiconError.

Ids and ownership, category references (an unknown category in a cue or a ``requires`` names
its file and entry: a misspelt ``negatd`` must not silently switch negation off), abbreviations,
fuzzy matching on short terms, sections, token patterns, gate completeness and verbs that the
inflector cannot inflect.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisis_screen.lexicon.forms import gate_form
from crisis_screen.lexicon.schema import BUILTIN_SECTIONS, Pattern
from crisis_screen.lexicon.variants import uninflectable

if TYPE_CHECKING:
    from crisis_screen.lexicon.compile import Lexicon, Origins
    from crisis_screen.lexicon.schema import Concept

#: Shortest term (characters) on which fuzzy matching may be switched on.
MIN_FUZZY_CHARS = 8

#: Longest ``REGEX`` accepted in a token pattern.
MAX_REGEX_CHARS = 500

_ABBREVIATION = re.compile(r"^[A-Z0-9][A-Z0-9&-]*$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _where(path: Path | None, entry: str) -> str:
    return f"{path}: {entry}" if path is not None else entry


def cross_check(
    lex: Lexicon,
    origins: Origins,
    problems: list[str],
    group_files: Mapping[int, Path] | None = None,
) -> None:
    """Append every cross-file problem of ``lex`` to ``problems``.

    Args:
        lex: The merged lexicon.
        origins: Which file each entry came from.
        problems: Where problems are collected.
        group_files: ``id()`` of each term group -> its file, so that a group an overlay
            adds to a concept is reported under the overlay, not the concept's own file.
    """
    declared = lex.categories
    support = sorted(n for n, c in declared.items() if c.effect == "support")
    for name, spec in declared.items():
        path = origins.categories.get(name)
        if not _ID.match(name):
            problems.append(_where(path, f"categories.{name}: name is not snake_case"))
        if spec.effect in ("void", "withhold") and not spec.reason:
            problems.append(_where(path, f"categories.{name}: a voiding category needs a reason"))
        if spec.quantity is not None and spec.effect != "evidence":
            problems.append(_where(path, f"categories.{name}: quantity needs effect = 'evidence'"))
    _check_cues(lex, origins, problems)
    sections = set(lex.sections) | set(BUILTIN_SECTIONS)
    for name, cats in lex.section_support.items():
        if name not in sections:
            problems.append(f"section_support: unknown section {name!r}")
        for cat in sorted(set(cats) - set(support)):
            problems.append(f"section_support.{name}: unknown support category {cat!r}")
    for name in lex.sections:
        if not _ID.match(name):
            problems.append(f"sections: section name {name!r} is not snake_case")
    for skill, concepts in lex.skill_concepts.items():
        owner: dict[str, str] = {}
        for concept in concepts.values():
            path = origins.concepts.get((skill, concept.id))
            _check_concept(concept, path, support, owner, problems, group_files or {})
    _check_gate(lex, problems)


def _check_cues(lex: Lexicon, origins: Origins, problems: list[str]) -> None:
    counts = Counter(c.key for c in lex.cues)
    known = ", ".join(sorted(lex.categories)) or "none"
    all_concepts = {cid for cs in lex.skill_concepts.values() for cid in cs}
    for cue in lex.cues:
        path = origins.cues.get(cue.key)
        where = _where(path, f"cue {cue.id!r}")
        if counts[cue.key] > 1:
            problems.append(f"{where}: duplicate cue id")
            counts[cue.key] = 1  # report once
        if cue.category not in lex.categories:
            problems.append(f"{where}: unknown category {cue.category!r} (declared: {known})")
        if not (cue.literals or cue.abbreviations or cue.patterns):
            problems.append(f"{where}: has no literals, abbreviations or patterns")
        own = lex.skill_concepts.get(cue.skill, {}) if cue.skill else all_concepts
        for cid in sorted(cue.applies_to or ()):
            if cid not in own:
                problems.append(f"{where}: applies_to names unknown concept {cid!r}")
        check_patterns(cue.patterns, where, problems)


def _check_concept(
    concept: Concept,
    path: Path | None,
    support: list[str],
    owner: dict[str, str],
    problems: list[str],
    group_files: Mapping[int, Path],
) -> None:
    where = _where(path, f"concept {concept.id!r}")
    if not _ID.match(concept.id):
        problems.append(f"{where}: id must be snake_case")
    if not concept.terms:
        problems.append(f"{where}: has no terms")
    for gi, group in enumerate(concept.terms):
        group_path = group_files.get(id(group), path)
        gwhere = f"{_where(group_path, f'concept {concept.id!r}')} terms[{gi}]"
        for req in group.requires:
            if req not in support:
                problems.append(
                    f"{gwhere}: requires unknown support category {req!r}"
                    f" (declared support categories: {', '.join(support) or 'none'})"
                )
        for abbr in group.abbreviations:
            if not _ABBREVIATION.match(abbr) or not any(ch.isalpha() for ch in abbr):
                problems.append(f"{gwhere}: abbreviation {abbr!r} must be one upper-case token")
        for term in [*group.phrases, *group.lemmas]:
            if term != term.strip() or not term:
                problems.append(f"{gwhere}: term {term!r} has stray spaces or is empty")
            if group.fuzzy and len(term) < MIN_FUZZY_CHARS:
                problems.append(
                    f"{gwhere}: fuzzy matching on short term {term!r}"
                    f" (under {MIN_FUZZY_CHARS} characters); set fuzzy = false in its group"
                )
        for lemma in group.lemmas:
            for word in uninflectable(lemma.lower()):
                problems.append(
                    f"{gwhere}: lemma term {lemma!r}: cannot inflect {word!r}"
                    " (not an English word the inflector knows); list its forms as phrases"
                )
        for term in [*group.phrases, *group.lemmas, *group.abbreviations]:
            norm = term if term in group.abbreviations else term.lower()
            prev = owner.get(norm)
            if prev is not None and prev != concept.id:
                problems.append(f"{gwhere}: term {term!r} is also claimed by concept {prev!r}")
            owner[norm] = concept.id
        check_patterns(group.patterns, gwhere, problems)


def _check_gate(lex: Lexicon, problems: list[str]) -> None:
    """Every generated variant must pass the gate (anchors are derived; this guards the rule)."""
    anchors = [gate_form(a) for a in lex.anchors]
    for entry in lex.term_entries():
        if entry.method == "abbreviation":
            continue  # abbreviations pass the gate by their own, case-checked entries
        seen = gate_form(entry.variant)
        if not any(a in seen for a in anchors):
            problems.append(
                f"concept {entry.concept!r}: term {entry.term!r} (variant {entry.variant!r})"
                " contains no gate anchor"
            )


def check_patterns(patterns: Iterable[Pattern], where: str, problems: list[str]) -> None:
    """Validate spaCy token patterns, appending one problem per malformed pattern.

    A ``REGEX`` anywhere in a pattern must compile and have no shape that backtracks
    catastrophically (see :func:`regex_problem`): the matcher runs it on every token of
    every resume.
    """
    if not patterns:
        return
    # spaCy's own validator reports every malformed token spec; import lazily (it is heavy).
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)
    for i, pattern in enumerate(patterns):
        bad_regex = False
        for value in _regexes(pattern):
            problem = regex_problem(value)
            if problem is not None:
                bad_regex = True
                problems.append(f"{where}: patterns[{i}]: REGEX {value[:80]!r}: {problem}")
        if bad_regex:
            continue  # spaCy would compile it (re.error escapes its validator)
        try:
            matcher.add(f"p{i}", [pattern])
        except (ValueError, TypeError) as exc:
            msg = " ".join(str(exc).split())
            problems.append(f"{where}: patterns[{i}]: invalid token pattern: {msg[:300]}")


def _regexes(value: Any) -> Iterator[Any]:
    """Every ``REGEX`` value in a token pattern, at any depth (``{"_": {"x": {"REGEX"...``)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                if key == "REGEX":
                    yield sub
                else:
                    stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)


def _sre() -> tuple[Any, Any]:
    """The regular expression parser and its constants (renamed in Python 3.11)."""
    if sys.version_info >= (3, 11):
        return importlib.import_module("re._parser"), importlib.import_module("re._constants")
    return importlib.import_module("sre_parse"), importlib.import_module("sre_constants")


def regex_problem(value: object) -> str | None:
    r"""Say why a token pattern's ``REGEX`` is refused, or None when it is safe to run.

    Refused: what does not compile, more than :data:`MAX_REGEX_CHARS` characters, and the
    shapes that make a backtracking engine take exponential time on a near-miss: a
    variable repeat inside another (``(a+)+``, ``(a*b?c*)*``, ``(x{1,9})+``), and
    alternatives that can start with the same character inside a repeat (``(a|ab)+``,
    ``(x|xy)*z``). Possessive repeats and atomic groups (Python 3.11+) cannot backtrack
    and are allowed. The test is syntactic, so some safe expressions are refused too; they
    can always be rewritten without the nesting (``^\d+(,\d{3})*$`` passes).

    Args:
        value: The ``REGEX`` value from a pattern (non-strings are left to spaCy).

    Returns:
        The problem, or None.
    """
    if not isinstance(value, str):
        return None
    if len(value) > MAX_REGEX_CHARS:
        return f"longer than {MAX_REGEX_CHARS} characters"
    parser, constants = _sre()
    try:
        tree = parser.parse(value)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    except RecursionError:
        return "groups nested too deeply"
    return _shape_problem(tree, constants, bool(tree.state.flags & re.IGNORECASE))


def _shape_problem(tree: Any, c: Any, ignore_case: bool) -> str | None:
    repeats = (c.MAX_REPEAT, c.MIN_REPEAT)
    unbacktracked = tuple(
        op for op in (getattr(c, "POSSESSIVE_REPEAT", None), getattr(c, "ATOMIC_GROUP", None)) if op
    )
    work: list[tuple[Any, bool]] = [(tree, False)]
    while work:
        items, in_repeat = work.pop()
        for op, av in items:
            if op in repeats:
                low, high, body = av
                variable = high > 1 and low != high
                if variable and in_repeat:
                    return "a repeat inside a repeat can take exponential time (nested quantifier)"
                work.append((body, in_repeat or variable))
            elif op in unbacktracked:
                work.append((av[-1] if op != getattr(c, "ATOMIC_GROUP", None) else av, False))
            elif op == c.SUBPATTERN:
                work.append((av[-1], in_repeat))
            elif op == c.BRANCH:
                branches = av[1]
                if in_repeat and _branches_overlap(branches, c, ignore_case):
                    return (
                        "alternatives that can match the same text inside a repeat can take"
                        " exponential time"
                    )
                work.extend((b, in_repeat) for b in branches)
            elif op in (c.ASSERT, c.ASSERT_NOT):
                work.append((av[1], in_repeat))
            elif op == c.GROUPREF_EXISTS:
                work.extend((b, in_repeat) for b in av[1:] if b is not None)
    return None


def _first_chars(items: Any, c: Any, ignore_case: bool) -> frozenset[int] | None:
    """Characters a sequence can start with; None for "could be anything or nothing"."""
    for op, av in items:
        if op == c.AT:
            continue  # anchors consume nothing
        if op == c.LITERAL:
            return frozenset({ord(chr(av).lower()) if ignore_case else av})
        if op == c.IN:
            chars: set[int] = set()
            for kind, arg in av:
                if kind == c.LITERAL:
                    chars.add(ord(chr(arg).lower()) if ignore_case else arg)
                elif kind == c.RANGE and arg[1] - arg[0] < 256 and not ignore_case:
                    chars.update(range(arg[0], arg[1] + 1))
                else:
                    return None  # classes, negation, wide or case-folded ranges
            return frozenset(chars)
        if op == c.SUBPATTERN:
            return _first_chars(av[-1], c, ignore_case)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] > 0:
            return _first_chars(av[2], c, ignore_case)
        return None
    return None  # empty: matches nothing, so it overlaps any other branch's start


def _branches_overlap(branches: list[Any], c: Any, ignore_case: bool) -> bool:
    seen: set[int] = set()
    for branch in branches:
        first = _first_chars(branch, c, ignore_case)
        if first is None or seen & first:
            return True
        seen |= first
    return False
