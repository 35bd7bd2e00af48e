"""Cross-checks no single-file schema can make; every problem goes into one LexiconError.

Ids and ownership, category references (an unknown category in a cue or a ``requires`` names
its file and entry: a misspelt ``negatd`` must not silently switch negation off), abbreviations,
fuzzy matching on short terms, sections, token patterns, gate completeness and verbs that the
inflector cannot inflect.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from crisis_screen.lexicon.forms import gate_form
from crisis_screen.lexicon.schema import BUILTIN_SECTIONS, Pattern
from crisis_screen.lexicon.variants import uninflectable

if TYPE_CHECKING:
    from crisis_screen.lexicon.compile import Lexicon, Origins
    from crisis_screen.lexicon.schema import Concept

#: Shortest term (characters) on which fuzzy matching may be switched on.
MIN_FUZZY_CHARS = 8

_ABBREVIATION = re.compile(r"^[A-Z0-9][A-Z0-9&-]*$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _where(path: Path | None, entry: str) -> str:
    return f"{path}: {entry}" if path is not None else entry


def cross_check(lex: Lexicon, origins: Origins, problems: list[str]) -> None:
    """Append every cross-file problem of ``lex`` to ``problems``."""
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
            _check_concept(concept, path, support, owner, problems)
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
) -> None:
    where = _where(path, f"concept {concept.id!r}")
    if not _ID.match(concept.id):
        problems.append(f"{where}: id must be snake_case")
    if not concept.terms:
        problems.append(f"{where}: has no terms")
    for gi, group in enumerate(concept.terms):
        gwhere = f"{where} terms[{gi}]"
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
    """Validate spaCy token patterns, appending one problem per malformed pattern."""
    if not patterns:
        return
    # spaCy's own validator reports every malformed token spec; import lazily (it is heavy).
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    matcher = Matcher(Vocab(), validate=True)
    for i, pattern in enumerate(patterns):
        try:
            matcher.add(f"p{i}", [pattern])
        except (ValueError, TypeError) as exc:
            msg = " ".join(str(exc).split())
            problems.append(f"{where}: patterns[{i}]: invalid token pattern: {msg[:300]}")
