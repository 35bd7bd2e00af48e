"""Merge parsed lexicon files into one immutable :class:`Lexicon`, ready to build matchers from.

The common file's rules are shared by every skill; each skill keeps its concepts and cues in
its own namespace, so two skills may use the same concept id or the same term, and a copy of a
skill under another id loads beside it. Gate anchors are derived from the terms here (see
:meth:`Lexicon.gate_anchors`), not kept by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from crisis_screen.lexicon.forms import gate_form, pattern_trigger
from crisis_screen.lexicon.schema import (
    CategorySpec,
    Concept,
    Cue,
    Effect,
    LexiconFile,
    ListShape,
    Pattern,
    QuantityKind,
    SkillInfo,
    TermGroup,
)
from crisis_screen.lexicon.variants import expand

#: Evidence kinds that come from no cue: a job-title concept, and a bare mention.
TITLE_KIND = "title"
MENTION_KIND = "mention"
#: Sections every lexicon knows without declaring them.
#: Shortest word a typo-tolerant term contributes to the gate on its own (see gate_anchors).
_MIN_FUZZY_ANCHOR = 6


@dataclass(frozen=True)
class TermEntry:
    """One surface form to match, with where it comes from.

    Attributes:
        key: Unique match key (``skill|concept|group|method|term``).
        skill: Skill id.
        concept: Concept id (unique within its skill).
        term: The lexicon term as written (canonical).
        variant: The surface form to match (lower case, or exact case for abbreviations).
        method: ``exact``, ``pattern``, ``lemma`` or ``abbreviation``.
        group: Index of the term group in its concept.
    """

    key: str
    skill: str
    concept: str
    term: str
    variant: str
    method: str
    group: int


@dataclass(frozen=True)
class CueRule:
    """A cue ready to match: its category's effect and defaults resolved.

    Attributes:
        key: Unique match key (``cue|skill|id``; the skill is empty for common cues).
        id: Cue id as written.
        skill: The skill whose hits it affects; None for a common cue (every skill).
        category: Its category.
        effect: What the category does (``void``, ``support``, ``evidence``, ``pseudo``).
        literals: Lower-case cue phrases.
        abbreviations: Case-sensitive cue tokens.
        patterns: Token patterns.
        direction: Side of the hit the cue must stand on.
        scope: Tokens between cue and hit; None = the whole line.
        applies_to: Concept ids it affects; None = all.
        applies_to_methods: Match methods of the hits it affects; None = all.
        terminators: The cue's own terminators (replacing its category's), if any.
        quantity: Number an evidence cue reads.
        reason: Adjustment reason template of a voiding cue.
    """

    key: str
    id: str
    skill: str | None
    category: str
    effect: Effect
    literals: tuple[str, ...]
    abbreviations: tuple[str, ...]
    patterns: tuple[Pattern, ...]
    direction: Literal["forward", "backward", "both"]
    scope: int | None
    applies_to: frozenset[str] | None
    terminators: tuple[str, ...] | None
    quantity: QuantityKind | None = None
    reason: str = ""
    applies_to_methods: frozenset[str] | None = None


@dataclass(frozen=True)
class Lexicon:
    """A validated set of skills with the common rules, ready to build matchers from.

    Build it with :func:`~crisis_screen.lexicon.load_lexicon`; it is immutable, so one instance
    can serve many screeners and processes.

    Attributes:
        skills: The skills loaded, in load order.
        skill_concepts: Concepts of each skill, by skill id then concept id.
        categories: Every declared cue category and its effect.
        cues: All cues (common first), effects resolved.
        terminators: Terminator tokens per cue category.
        sections: Section headings per section name.
        section_support: Support categories satisfied by a line's section.
        extra_anchors: Lower-case gate anchors given in ``[gate] anchors`` (optional).
        typo_words: ``[gate] typo_words`` of the skill files (None when no file gives them).
        spelling_pairs: Spelling pairs.
        list_shape: When a line is a keyword list.
        version: ``skill@version`` of each file, joined by ``+``.
        sources: The files read.
    """

    skills: tuple[SkillInfo, ...]
    skill_concepts: dict[str, dict[str, Concept]]
    categories: dict[str, CategorySpec]
    cues: tuple[CueRule, ...]
    terminators: dict[str, frozenset[str]]
    sections: dict[str, tuple[str, ...]]
    section_support: dict[str, frozenset[str]]
    extra_anchors: tuple[str, ...]
    typo_words: frozenset[str] | None
    spelling_pairs: tuple[tuple[str, str], ...]
    list_shape: ListShape = field(default_factory=ListShape)
    version: str = ""
    sources: tuple[str, ...] = ()

    @cached_property
    def concepts(self) -> dict[str, Concept]:
        """Concepts by id over every skill; on an id two skills share, the first skill's."""
        out: dict[str, Concept] = {}
        for concepts in self.skill_concepts.values():
            for cid, concept in concepts.items():
                out.setdefault(cid, concept)
        return out

    @cached_property
    def evidence_kinds(self) -> tuple[str, ...]:
        """Evidence kinds strongest first: title, the evidence categories as declared, mention."""
        declared = [n for n, c in self.categories.items() if c.effect == "evidence"]
        return tuple(dict.fromkeys([TITLE_KIND, *declared, MENTION_KIND]))

    @property
    def anchors(self) -> tuple[str, ...]:
        """Lower-case gate anchors (derived from the terms, plus any extra ones)."""
        return self.gate_anchors[0]

    def skill(self, skill_id: str) -> SkillInfo:
        """Return the skill called ``skill_id``."""
        return next(s for s in self.skills if s.id == skill_id)

    def concept(self, skill: str, concept: str) -> Concept:
        """Return concept ``concept`` of ``skill``."""
        return self.skill_concepts[skill][concept]

    def group(self, concept: str, index: int, skill: str | None = None) -> TermGroup:
        """Return term group ``index`` of ``concept`` (of ``skill``, or the first that has it)."""
        c = self.concept(skill, concept) if skill is not None else self.concepts[concept]
        return c.terms[index]

    def term_entries(self) -> Iterator[TermEntry]:
        """Yield every phrase, lemma and abbreviation surface form to match."""
        pairs = self.spelling_pairs
        for skill, concepts in self.skill_concepts.items():
            for concept in concepts.values():
                for gi, group in enumerate(concept.terms):
                    for phrase in group.phrases:
                        for variant, method in expand(phrase.lower(), pairs, inflect=False).items():
                            yield _entry(skill, concept.id, gi, phrase, variant, method)
                    for lemma in group.lemmas:
                        for variant, method in expand(lemma.lower(), pairs, inflect=True).items():
                            yield _entry(skill, concept.id, gi, lemma, variant, method)
                    for abbr in group.abbreviations:
                        yield _entry(skill, concept.id, gi, abbr, abbr, "abbreviation")

    def pattern_entries(self) -> Iterator[tuple[str, str, str, int, Pattern]]:
        """Yield ``(key, skill, concept, group, pattern)`` for every token pattern."""
        for skill, concepts in self.skill_concepts.items():
            for concept in concepts.values():
                for gi, group in enumerate(concept.terms):
                    for pi, pattern in enumerate(group.patterns):
                        key = f"{skill}|{concept.id}|{gi}|pattern|#{pi}"
                        yield key, skill, concept.id, gi, pattern

    @cached_property
    def gate_anchors(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return ``(anchors, case_sensitive_tokens)`` of the line gate, derived from the terms.

        Why these anchors: the gate must pass every line a matcher could hit and as few others
        as possible. A phrase or lemma can only match a line that holds one of its generated
        variants, so each variant itself (lower case, hyphens as spaces) is its anchor: no
        substring is more selective. Typo-tolerant groups also need a line whose variant has
        one misspelt word to pass, so each of their words of at least six letters is an anchor
        too (the corrector needs one correct word on the span anyway). A token pattern
        contributes the words of its most distinctive mandatory token (the one whose shortest
        allowed word is longest); an upper-case ``ORTH`` word is kept case-sensitive, like
        an abbreviation. Abbreviations are case-sensitive tokens. ``[gate] anchors`` adds any
        extra substrings.
        """
        anchors: dict[str, None] = dict.fromkeys(self.extra_anchors)
        exact: dict[str, None] = {}
        fuzzy_forms: list[str] = []
        for e in self.term_entries():
            if e.method == "abbreviation":
                exact[e.variant] = None
                continue
            form = gate_form(e.variant)
            anchors[form] = None
            if self.group(e.concept, e.group, e.skill).fuzzy:
                fuzzy_forms.append(form)
        for form in fuzzy_forms:
            anchors.update(dict.fromkeys(_typo_anchors(form, self.typo_words)))
        # Words of the skills' own terms are domain words: rarer in ordinary text than the
        # generic words patterns combine them with ("crisis" vs "people", "officer").
        vocabulary = {w for a in anchors for w in a.split()}
        for _key, _skill, _concept, _group, pattern in self.pattern_entries():
            pairs = _adjacent_pairs(pattern)
            if pairs:
                anchors.update(dict.fromkeys(pairs))
                continue
            best = _distinctive_token(pattern, pattern_trigger(pattern), vocabulary)
            for word, case_sensitive in best:
                if case_sensitive:
                    exact[word] = None
                else:
                    anchors[gate_form(word)] = None
        return tuple(anchors), tuple(exact)


def _typo_anchors(form: str, typo_words: frozenset[str] | None) -> list[str]:
    """Anchors that still find a variant with one misspelt word (typo-tolerant groups).

    A typo in word ``i > 0`` usually leaves the words before it and its first three letters
    intact ("crisis interventon" holds "crisis int"; the corrector insists on the first letter
    anyway). A typo in the first word is not covered: the rest of a phrase ("team",
    "first aid") is too common to select a line on its own, and the gate would pass far
    more ordinary lines. With ``[gate] typo_words``, the words kept must hold one of them
    ("emergency pro" would pass every "emergency procedures" line).
    """
    words = form.split()
    # A short word is never corrected (fuzzy.MIN_WORD_CHARS): no anchor needed for its typo.
    return [
        " ".join(words[:i]) + " " + words[i][:3]
        for i in range(1, len(words))
        if len(words[i]) >= 5 and (typo_words is None or not typo_words.isdisjoint(words[:i]))
    ]


#: Function words: a pair of adjacent pattern tokens made of them only selects nothing. English,
#: like the tokenizer; kept small and here because it is about text in general, not a skill.
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "in",
        "on",
        "at",
        "of",
        "to",
        "for",
        "by",
        "with",
        "from",
        "into",
        "through",
        "during",
        "as",
        "and",
        "or",
        "who",
        "that",
        "which",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "their",
        "his",
        "her",
        "its",
        "our",
        "your",
        "my",
        "this",
        "these",
        "those",
    ]
)
#: Most word pairs one pair of adjacent pattern tokens may give as anchors.
_MAX_PAIRS = 32


def _adjacent_pairs(pattern: Pattern) -> list[str]:
    """Return "word word" anchors of the pattern's most selective pair of neighbouring tokens.

    Two mandatory word tokens side by side can only match as those two words with one space
    between (spaCy makes any other gap a token of its own), and a pair is rarer than either of
    its words ("talked down" vs "down"). One optional word token between them ("off the
    ledge") adds the three-word forms. Pairs that allow many forms are skipped.
    """

    def plain(spec: dict[str, object]) -> bool:
        # Only plain words: pattern_trigger splits "self-harming" into parts, which are not
        # tokens that stand side by side with one space.
        values = [spec.get(k) for k in ("LOWER", "NORM", "TEXT")]
        for v in values:
            words = [v] if isinstance(v, str) else v.get("IN") if isinstance(v, dict) else None
            if isinstance(words, list) and all(str(w).isalpha() for w in words):
                return True
        return False

    def words_of(spec: dict[str, object]) -> frozenset[str] | None:
        if "ORTH" in spec or not plain(spec):
            return None
        found = pattern_trigger([{k: v for k, v in spec.items() if k != "OP"}])
        return found[0] if found else None

    best: list[str] = []
    for i, left_spec in enumerate(pattern):
        left = words_of(left_spec) if left_spec.get("OP") is None else None
        if left is None:
            continue
        middle: frozenset[str] | None = None
        j = i + 1
        if j < len(pattern) and pattern[j].get("OP") == "?":
            middle = words_of(pattern[j])
            if middle is None:
                continue
            j += 1
        if j >= len(pattern) or pattern[j].get("OP") is not None:
            continue
        right = words_of(pattern[j])
        if right is None:
            continue
        if left & _STOP_WORDS and right & _STOP_WORDS:
            continue  # a form such as "in the" is in every other line of any text
        forms = [f"{x} {y}" for x in left for y in right]
        if middle is not None:
            forms += [f"{x} {m} {y}" for x in left for m in middle for y in right]
        if len(forms) <= _MAX_PAIRS and (not best or len(forms) < len(best)):
            best = sorted(forms)
    return best


def _distinctive_token(
    pattern: Pattern, trigger: tuple[frozenset[str], ...], vocabulary: set[str]
) -> list[tuple[str, bool]]:
    """Pick the words of a pattern's most distinctive mandatory token, with their case rule."""
    # An ORTH token is case-sensitive: keep upper-case words (CIT) as exact-case tokens.
    orth: set[str] = set()
    for spec in pattern:
        value = spec.get("ORTH")
        if isinstance(value, str):
            orth.add(value)
        elif isinstance(value, dict) and isinstance(value.get("IN"), list):
            orth.update(str(v) for v in value["IN"])
    upper = {o.lower() for o in orth if o.isupper()}
    if not trigger:
        return []
    # Short words ("in", "off") are in nearly every line. Among the rest prefer, in order: an
    # upper-case ORTH token (an acronym), the token most of whose words are domain words, the
    # token that allows fewest words, the one with the longest shortest word.
    usable = [t for t in trigger if min(len(w) for w in t) >= 4 or t <= upper] or list(trigger)

    def rank(words: frozenset[str]) -> tuple[bool, float, int, int]:
        domain = sum(w in vocabulary for w in words) / len(words)
        return (words <= upper, domain, -len(words), min(len(w) for w in words))

    best = max(usable, key=rank)
    out: list[tuple[str, bool]] = []
    for word in sorted(best):
        acronyms = [o for o in orth if o.lower() == word and o.isupper()]
        if acronyms:
            out.extend((o, True) for o in acronyms)
        else:
            out.append((word, False))
    return out


def _entry(skill: str, concept: str, group: int, term: str, variant: str, method: str) -> TermEntry:
    return TermEntry(
        key=f"{skill}|{concept}|{group}|{method}|{term}",
        skill=skill,
        concept=concept,
        term=term,
        variant=variant,
        method=method,
        group=group,
    )


@dataclass
class Origins:
    """Which file each entry came from, for messages."""

    concepts: dict[tuple[str, str], Path] = field(default_factory=dict)
    cues: dict[str, Path] = field(default_factory=dict)
    categories: dict[str, Path] = field(default_factory=dict)
    common: Path | None = None


def merge(
    base: list[tuple[Path, LexiconFile]],
    overlays: list[tuple[Path, LexiconFile]],
    common: tuple[Path, LexiconFile] | None,
    problems: list[str],
) -> tuple[Lexicon, Origins]:
    """Merge parsed skill files, overlays and the common rules into one lexicon.

    Structural problems (a file without ``[skill]``, duplicate ids, unknown categories) are
    appended to ``problems``; :func:`crisis_screen.lexicon.load.compile_lexicon` adds the
    cross-checks and raises them together.

    Args:
        base: ``(path, parsed file)`` of each skill file.
        overlays: ``(path, parsed file)`` of each overlay.
        common: ``(path, parsed file)`` of the common rules, if any.
        problems: Where problems are collected.

    Returns:
        The lexicon and where each entry came from (for messages).
    """
    origins = Origins(common=common[0] if common else None)
    skills: list[SkillInfo] = []
    versions: list[str] = []
    for path, f in base:
        if f.skill is None:
            problems.append(f"{path}: [skill]: missing (an overlay must be passed as an overlay)")
            continue
        skills.append(f.skill)
        versions.append(f"{f.skill.id}@{f.skill.version}")
    skill_ids = [s.id for s in skills]
    for dup in sorted({s for s in skill_ids if skill_ids.count(s) > 1}):
        problems.append(f"skill id {dup!r} is loaded twice")
    scoped: list[tuple[Path, LexiconFile, str | None]] = []
    if common is not None:
        cpath, cfile = common
        if cfile.common is None:
            problems.append(f"{cpath}: [common]: missing (the file of shared context rules)")
        else:
            versions.append(f"{cfile.common.name}@{cfile.common.version}")
        scoped.append((cpath, cfile, None))
    scoped.extend((p, f, f.skill.id) for p, f in base if f.skill is not None)
    for path, f in overlays:
        if f.overlay is None:
            problems.append(f"{path}: [overlay]: missing (an overlay names the skill it extends)")
            continue
        if f.overlay.extends not in skill_ids:
            problems.append(
                f"{path}: [overlay].extends: unknown skill {f.overlay.extends!r}"
                f" (loaded: {', '.join(skill_ids) or 'none'})"
            )
            continue
        versions.append(f"{f.overlay.name}@{f.overlay.version}")
        scoped.append((path, f, f.overlay.extends))
    categories: dict[str, CategorySpec] = {}
    concepts: dict[str, dict[str, Concept]] = {s: {} for s in dict.fromkeys(skill_ids)}
    raw_cues: list[tuple[Path, Cue, str | None]] = []
    terminators: dict[str, set[str]] = {}
    sections: dict[str, list[str]] = {}
    section_support: dict[str, set[str]] = {}
    anchors: list[str] = []
    typo_words: set[str] | None = None
    pairs: list[tuple[str, str]] = []
    lists: ListShape | None = None
    for path, f, skill in scoped:
        for name, spec in f.categories.items():
            prev = categories.get(name)
            if prev is not None and prev != spec:
                problems.append(
                    f"{path}: categories.{name}: declared differently in {origins.categories[name]}"
                )
                continue
            categories[name] = spec
            origins.categories.setdefault(name, path)
        if skill is not None:
            _merge_concepts(path, f, skill, concepts[skill], origins, problems)
        raw_cues.extend((path, c, skill) for c in f.cues)
        for cat, words in f.terminators.items():
            terminators.setdefault(cat, set()).update(w.lower() for w in words)
        for name, heads in f.sections.items():
            sections.setdefault(name, []).extend(h.lower() for h in heads)
        for name, cats in f.section_support.items():
            section_support.setdefault(name, set()).update(cats)
        if f.gate is not None:
            anchors.extend(a.lower() for a in f.gate.anchors)
            if f.gate.typo_words is not None:
                typo_words = (typo_words or set()) | {w.lower() for w in f.gate.typo_words}
        pairs.extend(f.spelling.pairs)
        if f.lists is not None:
            lists = f.lists
    for name, spec in categories.items():
        terminators.setdefault(name, set()).update(w.lower() for w in spec.terminators)
    cues = tuple(_rule(path, c, skill, categories, origins) for path, c, skill in raw_cues)
    lexicon = Lexicon(
        skills=tuple(skills),
        skill_concepts=concepts,
        categories=categories,
        cues=cues,
        terminators={k: frozenset(v) for k, v in terminators.items() if v},
        sections={k: tuple(dict.fromkeys(v)) for k, v in sections.items()},
        section_support={k: frozenset(v) for k, v in section_support.items()},
        extra_anchors=tuple(dict.fromkeys(anchors)),
        typo_words=frozenset(typo_words) if typo_words is not None else None,
        spelling_pairs=tuple(dict.fromkeys(pairs)),
        list_shape=lists or ListShape(),
        version="+".join(versions),
        sources=tuple(str(p) for p, _, _ in scoped),
    )
    return lexicon, origins


def _merge_concepts(
    path: Path,
    f: LexiconFile,
    skill: str,
    concepts: dict[str, Concept],
    origins: Origins,
    problems: list[str],
) -> None:
    for c in f.concepts:
        if c.id in concepts:
            if f.overlay is not None:
                old = concepts[c.id]
                concepts[c.id] = old.model_copy(update={"terms": [*old.terms, *c.terms]})
            else:
                first = origins.concepts[(skill, c.id)]
                problems.append(f"{path}: concept {c.id!r}: duplicate id (first in {first})")
            continue
        concepts[c.id] = c
        origins.concepts[(skill, c.id)] = path


def _rule(
    path: Path, cue: Cue, skill: str | None, categories: dict[str, CategorySpec], origins: Origins
) -> CueRule:
    key = f"cue|{skill or ''}|{cue.id}"
    origins.cues.setdefault(key, path)
    spec = categories.get(cue.category)
    # An unknown category is reported by the cross-check; the rule is still built so that
    # every other problem of the set is found in the same pass.
    direction = cue.direction or (spec.direction if spec else None) or "both"
    return CueRule(
        key=key,
        id=cue.id,
        skill=skill,
        category=cue.category,
        effect=spec.effect if spec else "support",
        literals=tuple(cue.literals),
        abbreviations=tuple(cue.abbreviations),
        patterns=tuple(cue.patterns),
        direction=direction,
        scope=cue.scope if cue.scope is not None else (spec.scope if spec else None),
        applies_to=frozenset(cue.applies_to) if cue.applies_to is not None else None,
        terminators=tuple(cue.terminators) if cue.terminators is not None else None,
        quantity=spec.quantity if spec else None,
        reason=(spec.reason or "") if spec else "",
        applies_to_methods=(
            frozenset(cue.applies_to_methods) if cue.applies_to_methods is not None else None
        ),
    )
