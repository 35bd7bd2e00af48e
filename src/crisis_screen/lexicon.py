"""Read, validate and cross-check lexicon files.

A lexicon is human-edited TOML (see ``lexicon/mental_health_response.toml``). Loading parses
each file into pydantic models that reject unknown keys, then cross-checks the whole set
(duplicate ids, a term claimed by two concepts, malformed abbreviations, fuzzy matching on
short terms, unknown cue categories, terms the line gate would drop, invalid token patterns).
Every problem found is reported at once in one :class:`~crisis_screen.errors.LexiconError`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crisis_screen.errors import LexiconError
from crisis_screen.models import Section
from crisis_screen.variants import expand

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: Cue categories that void a hit (its confidence becomes 0, it stays in the result).
VOIDING_CATEGORIES = ("negated", "hypothetical", "other_person", "out_of_domain")
#: Cue categories that mark what a line shows beyond presence.
EVIDENCE_CATEGORIES = ("credential", "volume", "leadership", "teaching", "partnership")
#: Built-in cue categories; any other category name is a support category for ``requires``.
BUILTIN_CATEGORIES = (*VOIDING_CATEGORIES, *EVIDENCE_CATEGORIES, "pseudo")
#: Shortest term (characters) on which fuzzy matching may be switched on.
MIN_FUZZY_CHARS = 8
#: Companion data files (``<skill>.<part>.toml``, e.g. the question bank) live beside a skill
#: file but are not lexicons: only files named ``<name>.toml`` with no other dot are loaded.

_ABBREVIATION = re.compile(r"^[A-Z0-9][A-Z0-9&-]*$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

Pattern = list[dict[str, Any]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SkillInfo(_Strict):
    """The skill a lexicon file describes."""

    id: str = Field(description="Stable snake_case id of the skill family.")
    name: str
    version: str = Field(description="Version of the lexicon data; reported in every result.")
    description: str = ""
    canonical_title: str | None = Field(
        default=None, description="The typical job title, used to normalise titles."
    )


class GateSpec(_Strict):
    """Anchor substrings of the line pre-filter."""

    anchors: list[str] = Field(
        description="Lower-case substrings; every term variant must contain one."
    )


class SpellingSpec(_Strict):
    """Spelling pairs applied to every phrase."""

    pairs: list[tuple[str, str]] = Field(default_factory=list)


class TermGroup(_Strict):
    """Terms of one concept that share matching options."""

    phrases: list[str] = Field(default_factory=list, description="Lower-cased phrase terms.")
    lemmas: list[str] = Field(
        default_factory=list, description="Phrase terms also matched in inflected forms."
    )
    abbreviations: list[str] = Field(
        default_factory=list, description="Case-sensitive whole-token abbreviations."
    )
    patterns: list[Pattern] = Field(
        default_factory=list, description="spaCy Matcher token patterns."
    )
    requires: list[str] = Field(
        default_factory=list,
        description="Support cue categories; one must appear on the line for a hit to count.",
    )
    fuzzy: bool = Field(default=False, description="Allow typo-tolerant matching.")
    weight: float = Field(default=1.0, gt=0.0, le=1.0)


class Concept(_Strict):
    """One concept of the skill, with its terms."""

    id: str
    name: str
    description: str = ""
    kind: Literal["skill", "title"] = "skill"
    weight: float = Field(default=1.0, gt=0.0, le=1.0)
    terms: list[TermGroup]


class Cue(_Strict):
    """A ConText-style context cue."""

    id: str
    category: str
    literals: list[str] = Field(default_factory=list, description="Lower-case cue phrases.")
    abbreviations: list[str] = Field(
        default_factory=list, description="Case-sensitive cue tokens (e.g. 'IT', 'PR')."
    )
    patterns: list[Pattern] = Field(default_factory=list)
    direction: Literal["forward", "backward", "both"] = "both"
    scope: int | None = Field(
        default=None, ge=1, description="Tokens between cue and hit; none = whole line."
    )
    applies_to: list[str] | None = Field(
        default=None, description="Concept ids the cue affects; none = all."
    )
    terminators: list[str] | None = Field(
        default=None,
        description="Terminators of this cue, replacing those of its category when given.",
    )


class OverlaySpec(_Strict):
    """Marks a file as an overlay that extends a loaded skill."""

    extends: str = Field(description="Id of the skill this overlay extends.")
    name: str = "overlay"
    version: str = "0"


class LexiconFile(_Strict):
    """The format of one lexicon TOML file (exported as JSON Schema)."""

    skill: SkillInfo | None = None
    overlay: OverlaySpec | None = None
    gate: GateSpec | None = None
    spelling: SpellingSpec = SpellingSpec()
    concepts: list[Concept] = Field(default_factory=list)
    cues: list[Cue] = Field(default_factory=list)
    terminators: dict[str, list[str]] = Field(default_factory=dict)
    sections: dict[str, list[str]] = Field(default_factory=dict)
    section_support: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Section -> support categories a line in that section satisfies.",
    )


@dataclass(frozen=True)
class TermEntry:
    """One surface form to match, with where it comes from.

    Attributes:
        key: Unique match key (``concept|group|method|term``).
        concept: Concept id.
        term: The lexicon term as written (canonical).
        variant: The surface form to match (lower case, or exact case for abbreviations).
        method: ``exact``, ``pattern``, ``lemma`` or ``abbreviation``.
        group: Index of the term group in its concept.
    """

    key: str
    concept: str
    term: str
    variant: str
    method: str
    group: int


@dataclass(frozen=True)
class Lexicon:
    """A validated set of skill lexicons, ready to build matchers from.

    Build it with :func:`load_lexicon`; it is immutable, so one instance can serve many
    screeners and processes.

    Attributes:
        skills: The skills loaded.
        concepts: Concepts by id.
        cues: All context cues.
        terminators: Terminator tokens per cue category.
        sections: Section headings per section name.
        section_support: Support categories satisfied by a line's section.
        anchors: Lower-case gate anchors.
        spelling_pairs: Spelling pairs.
        version: ``skill@version`` of each file, joined by ``+``.
        sources: The files read.
    """

    skills: tuple[SkillInfo, ...]
    concepts: dict[str, Concept]
    cues: tuple[Cue, ...]
    terminators: dict[str, frozenset[str]]
    sections: dict[str, tuple[str, ...]]
    section_support: dict[str, frozenset[str]]
    anchors: tuple[str, ...]
    spelling_pairs: tuple[tuple[str, str], ...]
    version: str
    sources: tuple[str, ...]

    def group(self, concept: str, index: int) -> TermGroup:
        """Return term group ``index`` of ``concept``."""
        return self.concepts[concept].terms[index]

    def term_entries(self) -> Iterator[TermEntry]:
        """Yield every phrase, lemma and abbreviation surface form to match."""
        pairs = self.spelling_pairs
        for concept in self.concepts.values():
            for gi, group in enumerate(concept.terms):
                for phrase in group.phrases:
                    for variant, method in expand(phrase.lower(), pairs, inflect=False).items():
                        yield _entry(concept.id, gi, phrase, variant, method)
                for lemma in group.lemmas:
                    for variant, method in expand(lemma.lower(), pairs, inflect=True).items():
                        yield _entry(concept.id, gi, lemma, variant, method)
                for abbr in group.abbreviations:
                    yield _entry(concept.id, gi, abbr, abbr, "abbreviation")

    def pattern_entries(self) -> Iterator[tuple[str, str, int, Pattern]]:
        """Yield ``(key, concept, group, pattern)`` for every token pattern."""
        for concept in self.concepts.values():
            for gi, group in enumerate(concept.terms):
                for pi, pattern in enumerate(group.patterns):
                    key = f"{concept.id}|{gi}|pattern|#{pi}"
                    yield key, concept.id, gi, pattern


def _entry(concept: str, group: int, term: str, variant: str, method: str) -> TermEntry:
    return TermEntry(
        key=f"{concept}|{group}|{method}|{term}",
        concept=concept,
        term=term,
        variant=variant,
        method=method,
        group=group,
    )


def default_lexicon_dir() -> Path:
    """Return the directory of the shipped lexicon.

    Inside an installed wheel the data is package data (``crisis_screen/lexicon``); in a source
    checkout with an editable install it is the top-level ``lexicon/`` folder.
    """
    packaged = resources.files("crisis_screen").joinpath("lexicon")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "lexicon"
    if checkout.is_dir():
        return checkout
    raise LexiconError([f"{packaged}: shipped lexicon not found (broken installation?)"])


def lexicon_files(path: str | Path) -> list[Path]:
    """Return the lexicon TOML files at ``path`` (a file, or a directory of ``*.toml``).

    Companion files (``<skill>.<part>.toml``, such as ``*.questions.toml``) are skipped.
    """
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.glob("*.toml") if f.name.count(".") == 1)
    return [p]


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML data file (lexicon, question bank, titles).

    Raises:
        LexiconError: Naming the file and why it cannot be read or parsed.
    """
    p = Path(path)
    try:
        data: dict[str, Any] = tomllib.loads(p.read_text(encoding="utf-8"))
        return data
    except FileNotFoundError:
        raise LexiconError([f"{p}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError([f"{p}: cannot read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError([f"{p}: invalid TOML: {exc}"]) from None


def read_lexicon_file(path: Path, problems: list[str]) -> LexiconFile | None:
    """Parse and schema-validate one file, appending problems instead of raising."""
    try:
        data = read_toml(path)
    except LexiconError as exc:
        problems.extend(exc.problems)
        return None
    try:
        return LexiconFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"])
            problems.append(f"{path}: {where}: {err['msg']}")
        return None


def load_lexicon(
    paths: str | Path | Sequence[str | Path] | None = None,
    *,
    overlays: Sequence[str | Path] = (),
) -> Lexicon:
    """Load, merge and validate lexicon files.

    Args:
        paths: A lexicon file or directory, or several (several skills load at once). ``None``
            loads the shipped lexicon.
        overlays: Extra files or directories whose concepts extend or add to the loaded ones.
            An overlay names the skill it extends in ``[overlay] extends = "..."``; a concept
            with an existing id gains the overlay's term groups.

    Returns:
        The validated lexicon.

    Raises:
        LexiconError: With every problem found, each naming file and entry.
    """
    if paths is None:
        path_list: list[Path] = [default_lexicon_dir()]
    elif isinstance(paths, (str, Path)):
        path_list = [Path(paths)]
    else:
        path_list = [Path(p) for p in paths]
    problems: list[str] = []
    base: list[tuple[Path, LexiconFile]] = []
    for p in path_list:
        if not p.exists():
            problems.append(f"{p}: no such file or directory")
            continue
        files = lexicon_files(p)
        if not files:
            problems.append(f"{p}: no lexicon files (*.toml) found")
        for f in files:
            parsed = read_lexicon_file(f, problems)
            if parsed is not None:
                base.append((f, parsed))
    extra: list[tuple[Path, LexiconFile]] = []
    for o in overlays:
        for f in lexicon_files(o):
            parsed = read_lexicon_file(f, problems)
            if parsed is not None:
                extra.append((f, parsed))
    if problems:
        # Do not cross-check a partial set: it would report follow-on noise.
        raise LexiconError(problems)
    return compile_lexicon(base, extra)


def compile_lexicon(
    files: Sequence[tuple[Path, LexiconFile]],
    overlays: Sequence[tuple[Path, LexiconFile]] = (),
) -> Lexicon:
    """Merge parsed lexicon files and cross-check them.

    Use this to build a lexicon from data made in code (the interview kit builds its key-point
    lexicon this way); :func:`load_lexicon` reads files and calls it.

    Args:
        files: ``(path, parsed file)`` of each skill file; the path is only used in messages.
        overlays: ``(path, parsed file)`` of each overlay.

    Returns:
        The validated lexicon.

    Raises:
        LexiconError: With every problem found.
    """
    problems: list[str] = []
    lexicon = _merge(list(files), list(overlays), problems)
    _cross_check(lexicon, problems)
    if problems:
        raise LexiconError(problems)
    return lexicon


def _merge(
    base: list[tuple[Path, LexiconFile]],
    overlays: list[tuple[Path, LexiconFile]],
    problems: list[str],
) -> Lexicon:
    skills: list[SkillInfo] = []
    concepts: dict[str, Concept] = {}
    origin: dict[str, Path] = {}
    cues: list[Cue] = []
    terminators: dict[str, set[str]] = {}
    sections: dict[str, list[str]] = {}
    section_support: dict[str, set[str]] = {}
    anchors: list[str] = []
    pairs: list[tuple[str, str]] = []
    versions: list[str] = []
    for path, f in base:
        if f.skill is None:
            problems.append(f"{path}: [skill]: missing (an overlay must be passed as an overlay)")
            continue
        if f.gate is None:
            problems.append(f"{path}: [gate]: missing")
        skills.append(f.skill)
        versions.append(f"{f.skill.id}@{f.skill.version}")
    skill_ids = [s.id for s in skills]
    for dup in sorted({s for s in skill_ids if skill_ids.count(s) > 1}):
        problems.append(f"skill id {dup!r} is loaded twice")
    for path, f in overlays:
        if f.overlay is None:
            problems.append(f"{path}: [overlay]: missing (an overlay names the skill it extends)")
            continue
        if f.overlay.extends not in skill_ids:
            problems.append(
                f"{path}: [overlay].extends: unknown skill {f.overlay.extends!r}"
                f" (loaded: {', '.join(skill_ids) or 'none'})"
            )
        versions.append(f"{f.overlay.name}@{f.overlay.version}")
    for path, f in [*base, *overlays]:
        is_overlay = f.overlay is not None
        for c in f.concepts:
            if c.id in concepts:
                if is_overlay:
                    old = concepts[c.id]
                    concepts[c.id] = old.model_copy(update={"terms": [*old.terms, *c.terms]})
                else:
                    problems.append(
                        f"{path}: concept {c.id!r}: duplicate id (first in {origin[c.id]})"
                    )
                continue
            concepts[c.id] = c
            origin[c.id] = path
        cues.extend(f.cues)
        for cat, words in f.terminators.items():
            terminators.setdefault(cat, set()).update(w.lower() for w in words)
        for name, heads in f.sections.items():
            sections.setdefault(name, []).extend(h.lower() for h in heads)
        for name, cats in f.section_support.items():
            section_support.setdefault(name, set()).update(cats)
        if f.gate is not None:
            anchors.extend(a.lower() for a in f.gate.anchors)
        pairs.extend(f.spelling.pairs)
    return Lexicon(
        skills=tuple(skills),
        concepts=concepts,
        cues=tuple(cues),
        terminators={k: frozenset(v) for k, v in terminators.items()},
        sections={k: tuple(dict.fromkeys(v)) for k, v in sections.items()},
        section_support={k: frozenset(v) for k, v in section_support.items()},
        anchors=tuple(dict.fromkeys(anchors)),
        spelling_pairs=tuple(dict.fromkeys(pairs)),
        version="+".join(versions),
        sources=tuple(str(p) for p, _ in [*base, *overlays]),
    )


# Sections a lexicon may name headings for ("unknown" is what no heading gives).
_SECTION_NAMES = tuple(s for s in get_args(Section) if s != "unknown")


def _cross_check(lex: Lexicon, problems: list[str]) -> None:
    """Check what no single-file schema can: ids, ownership, anchors, patterns, references."""
    support = {c.category for c in lex.cues} - set(BUILTIN_CATEGORIES)
    cue_ids: set[str] = set()
    for cue in lex.cues:
        where = f"cue {cue.id!r}"
        if cue.id in cue_ids:
            problems.append(f"{where}: duplicate cue id")
        cue_ids.add(cue.id)
        if not _ID.match(cue.category):
            problems.append(f"{where}: category {cue.category!r} is not snake_case")
        if not (cue.literals or cue.abbreviations or cue.patterns):
            problems.append(f"{where}: has no literals, abbreviations or patterns")
        for cid in cue.applies_to or ():
            if cid not in lex.concepts:
                problems.append(f"{where}: applies_to names unknown concept {cid!r}")
        _check_patterns(cue.patterns, where, problems)
    for name, cats in lex.section_support.items():
        if name not in _SECTION_NAMES:
            problems.append(f"section_support: unknown section {name!r}")
        for cat in sorted(set(cats) - support):
            problems.append(f"section_support.{name}: unknown support category {cat!r}")
    for name in lex.sections:
        if name not in _SECTION_NAMES:
            problems.append(
                f"sections: unknown section {name!r} (known: {', '.join(_SECTION_NAMES)})"
            )
    owner: dict[str, str] = {}
    for concept in lex.concepts.values():
        where = f"concept {concept.id!r}"
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
                        f" (defined: {', '.join(sorted(support)) or 'none'})"
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
            for term in [*group.phrases, *group.lemmas, *group.abbreviations]:
                norm = term if term in group.abbreviations else term.lower()
                prev = owner.get(norm)
                if prev is not None and prev != concept.id:
                    problems.append(f"{gwhere}: term {term!r} is also claimed by concept {prev!r}")
                owner[norm] = concept.id
            _check_patterns(group.patterns, gwhere, problems)
    # The gate reads text lower-cased with hyphens as spaces (matchers.gate_form).
    anchors = [a.replace("-", " ") for a in lex.anchors]
    for entry in lex.term_entries():
        if entry.method == "abbreviation":
            continue  # abbreviations pass the gate by their own, case-checked entries
        seen = entry.variant.lower().replace("-", " ")
        if not any(a in seen for a in anchors):
            problems.append(
                f"concept {entry.concept!r}: term {entry.term!r} (variant {entry.variant!r})"
                " contains no gate anchor; add one to [gate].anchors"
            )


def _check_patterns(patterns: Iterable[Pattern], where: str, problems: list[str]) -> None:
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


def lexicon_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the lexicon file format."""
    schema = LexiconFile.model_json_schema()
    schema["title"] = "crisis_screen lexicon file"
    return schema
