"""Confidence of each piece of evidence and the resume-level score.

Every number that shapes a score lives here, under one version (``SCORING_VERSION``) that every
result reports. Each change to a hit's confidence is recorded as an
:class:`~crisis_screen.models.Adjustment` at the place it is made.

Resume score: the best counted confidence per concept, combined as
``1 - prod(1 - STEP * c_i)``: each distinct concept closes part of the remaining gap, so a
single mention scores about half (and already clears the default threshold), several distinct
concepts approach 100, and repeating a keyword adds nothing (only a concept's best mention
counts). Each evidence kind (credential, volume, ...) closes a further tenth of the gap. A
resume whose only evidence is in keyword lists is capped below experience-backed resumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from crisis_screen.context import Effect
from crisis_screen.models import (
    Adjustment,
    AdjustmentKind,
    Evidence,
    EvidenceKind,
    MatchMethod,
    Quantities,
    Section,
    Summary,
)

SCORING_VERSION = "1.0.0"

#: Confidence of a match before context, by method (fuzzy is further scaled by similarity).
METHOD_BASE: dict[MatchMethod, float] = {
    "exact": 0.95,
    "pattern": 0.92,
    "lemma": 0.9,
    "abbreviation": 0.88,
    "fuzzy": 0.9,
}
#: Where a line stands changes how much it proves: a bare skills-list entry is a claim.
SECTION_FACTOR: dict[Section, float] = {"skills": 0.75, "education": 0.85}
#: A keyword list ("A, B, Crisis Intervention, C") outside a skills section.
LIST_FACTOR = 0.8
#: Evidence at or above this confidence counts (a line with counted evidence shows the skill).
COUNT_MIN = 0.4
#: Share of the remaining gap to 100 that one concept closes, times its confidence.
STEP = 0.5
#: Default resume threshold: one counted piece of evidence (COUNT_MIN * STEP * 100) flags.
DEFAULT_THRESHOLD = 20.0
#: Share of the remaining gap each distinct evidence kind (credential, volume, ...) closes.
KIND_STEP = 0.1
#: Highest score for a resume whose only counted evidence sits in keyword lists.
LIST_ONLY_CAP = 50.0

#: Evidence kinds strongest first, as the shipped lexicon declares them; a screener passes its
#: lexicon's own order (``Lexicon.evidence_kinds``), since kinds are lexicon data.
_KIND_ORDER: tuple[EvidenceKind, ...] = (
    "title",
    "credential",
    "volume",
    "leadership",
    "teaching",
    "partnership",
    "mention",
)


@dataclass
class Judgement:
    """The outcome of scoring one hit.

    Attributes:
        base: Confidence before context.
        confidence: Confidence after adjustments.
        counted: Whether it supports the skill.
        adjustments: Every change, in order.
        kinds: Evidence kinds the line shows.
        quantities: Numbers read from the line.
    """

    base: float
    confidence: float
    counted: bool
    adjustments: list[Adjustment] = field(default_factory=list)
    kinds: tuple[EvidenceKind, ...] = ("mention",)
    quantities: Quantities = Quantities()


def judge(
    *,
    method: MatchMethod,
    similarity: float,
    weight: float,
    is_title: bool,
    requires: Sequence[str],
    effects: Sequence[Effect],
    section: Section,
    section_support: frozenset[str],
    list_line: bool,
    cue_text: dict[int, str],
    cue_offsets: dict[int, tuple[int, int]],
    quantities: Quantities,
    kind_order: Sequence[EvidenceKind] = _KIND_ORDER,
) -> Judgement:
    """Score one hit in its context.

    Args:
        method: How the hit matched.
        similarity: rapidfuzz ratio for fuzzy hits (100 otherwise).
        weight: Concept weight times term-group weight.
        is_title: Whether the concept is a job title.
        requires: Support categories the term group needs (any one).
        effects: Cues that affect the hit.
        section: The line's section.
        section_support: Support categories the line's section satisfies.
        list_line: Whether the line is a keyword list.
        cue_text: Text of each cue match, by ``id(effect.match)``.
        cue_offsets: Document offsets of each cue match, by ``id(effect.match)``.
        quantities: Numbers read from the line's evidence-kind cues.
        kind_order: Evidence kinds strongest first (the lexicon's).

    Returns:
        The judgement.
    """
    base = METHOD_BASE[method] * weight
    if method == "fuzzy":
        base *= similarity / 100.0
    base = round(min(base, 1.0), 4)
    adjustments: list[Adjustment] = []

    def add(kind: AdjustmentKind, factor: float, reason: str, effect: Effect | None) -> None:
        cue = start = end = None
        if effect is not None:
            cue = cue_text[id(effect.match)]
            start, end = cue_offsets[id(effect.match)]
        adjustments.append(
            Adjustment.model_construct(
                kind=kind, factor=factor, reason=reason, cue=cue, cue_start=start, cue_end=end
            )
        )

    if section in SECTION_FACTOR:
        add("section", SECTION_FACTOR[section], f"in the {section} section: a listed claim", None)
    elif list_line:
        add("list_line", LIST_FACTOR, "in a keyword list, not a described activity", None)
    if requires:
        support = next((e for e in effects if e.category in requires), None)
        by_section = sorted(section_support.intersection(requires))
        if support is None and by_section:
            add("supported", 1.0, f"supported by the {section} section ({by_section[0]})", None)
        elif support is None:
            wanted = ", ".join(requires)
            add("unsupported", 0.0, f"ambiguous term without a supporting cue ({wanted})", None)
        else:
            cue = cue_text[id(support.match)]
            add("supported", 1.0, f"supported by {cue!r} ({support.category})", support)
    for e in effects:
        # What a category does is lexicon data: a voiding category carries its own reason.
        if e.match.cue.effect == "void":
            reason = e.match.cue.reason.format(cue=cue_text[id(e.match)])
            add(e.category, 0.0, reason, e)
    kinds: list[EvidenceKind] = ["title"] if is_title else []
    for e in effects:
        kind = e.category
        if e.match.cue.effect == "evidence" and kind not in kinds:
            kinds.append(kind)
            add("evidence_kind", 1.0, f"{kind}: {cue_text[id(e.match)]!r}", e)
    confidence = base
    for a in adjustments:
        confidence *= a.factor
    confidence = round(min(max(confidence, 0.0), 1.0), 4)
    ordered = tuple(k for k in kind_order if k in kinds) or ("mention",)
    return Judgement(
        base=base,
        confidence=confidence,
        counted=confidence >= COUNT_MIN,
        adjustments=adjustments,
        kinds=ordered,
        quantities=quantities,
    )


def aggregate(
    evidence: Sequence[Evidence],
    titles: set[str],
    kind_order: Sequence[EvidenceKind] = _KIND_ORDER,
) -> tuple[float, Summary]:
    """Combine evidence into the resume score and its summary.

    Args:
        evidence: All evidence of the resume (of one skill, or all of them).
        titles: Concept ids that are job titles.
        kind_order: Evidence kinds strongest first (the lexicon's).

    Returns:
        The score (0-100) and the summary.
    """
    counted = [e for e in evidence if e.counted]
    if not counted:
        return 0.0, Summary()
    best: dict[str, Evidence] = {}
    for e in counted:
        if e.concept not in best or e.confidence > best[e.concept].confidence:
            best[e.concept] = e
    ranked = sorted(best.values(), key=lambda e: (-e.confidence, e.concept))
    remaining = 1.0
    parts: dict[str, float] = {}
    for e in ranked:
        gain = e.confidence * STEP
        parts[e.concept] = round(100.0 * remaining * gain, 2)
        remaining *= 1.0 - gain
    rank = {k: i for i, k in enumerate(kind_order)}
    kinds = sorted(
        {k for e in counted for k in e.kinds if k != "mention"}, key=lambda k: (rank.get(k, 99), k)
    )
    if kinds:
        # Like concepts, each kind closes part of the remaining gap: depth is rewarded without
        # piling every strong resume up at exactly 100.
        kind_factor = (1.0 - KIND_STEP) ** len(kinds)
        parts["evidence_kinds"] = round(100.0 * remaining * (1.0 - kind_factor), 2)
        remaining *= kind_factor
    score = 100.0 * (1.0 - remaining)
    list_only = all(any(a.kind in ("section", "list_line") for a in e.adjustments) for e in counted)
    if list_only and score > LIST_ONLY_CAP:
        parts["list_only_cap"] = round(LIST_ONLY_CAP - score, 2)
        score = LIST_ONLY_CAP
    score = round(min(score, 100.0), 2)
    top = ranked[0]
    summary = Summary.model_construct(
        counted_lines=len({e.line_no for e in counted}),
        concepts=tuple(e.concept for e in ranked),
        kinds=tuple(kinds),
        titles=tuple(dict.fromkeys(e.text for e in counted if e.concept in titles)),
        best_line=top.line,
        sections=tuple(dict.fromkeys(e.section for e in counted)),
        skills_list_only=list_only,
        score_parts=parts,
    )
    return score, summary


#: Text read by OCR can hold misread words: evidence on an OCR'd page keeps this share of
#: its confidence (an ``ocr`` adjustment), so a scan never outranks the same text typed.
OCR_FACTOR = 0.9


def apply_ocr(judgement: Judgement) -> Judgement:
    """Add the ``ocr`` adjustment to a judgement of evidence read by OCR.

    Args:
        judgement: The judgement of a hit on an OCR'd page.

    Returns:
        A copy with the confidence scaled by :data:`OCR_FACTOR` and ``counted`` re-decided.
    """
    adjustment = Adjustment.model_construct(
        kind="ocr",
        factor=OCR_FACTOR,
        reason="read by OCR from a scanned page or image",
        cue=None,
        cue_start=None,
        cue_end=None,
    )
    confidence = round(judgement.confidence * OCR_FACTOR, 4)
    return replace(
        judgement,
        confidence=confidence,
        counted=confidence >= COUNT_MIN,
        adjustments=[*judgement.adjustments, adjustment],
    )
