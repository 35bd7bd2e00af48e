"""Confidence of each piece of evidence and the resume-level tier and score.

Every number that shapes a score lives here, under one version (``SCORING_VERSION``) that every
result reports. Each change to a hit's confidence is recorded as an
:class:`~crisis_screen.models.Adjustment` at the place it is made.

Resume score: each counted line gets a *role* from its evidence properties (section, list or
keyword-block shape, evidence kinds, the lexicon's ``practice`` and ``claim`` cue categories):

- ``practice``: the work described in the experience section (a practice cue such as
  "responded", or a job title of the skill held there);
- ``activity``: a described sentence in the experience section without a practice cue;
- ``training``: a training or credential (a credential cue, or a certifications/training entry);
- ``claim``: the skill only named (skills lists, keyword blocks, bare entries, summary adjectives).

The roles give the tier (``strong`` > ``moderate`` > ``claim_only`` > ``none``) and the tier gives
the score's band (:data:`BANDS`), so every strong resume scores above every moderate one and every
moderate one above every claim. Inside a band, saturating parts (amount of practice, variety of
concepts, volume, seniority, training, months and recency of practice) separate candidates; each
part is recorded in ``summary.score_parts`` and the parts add up to the score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Literal

from crisis_screen.context import Effect
from crisis_screen.experience import Position, experience
from crisis_screen.models import (
    Adjustment,
    AdjustmentKind,
    Evidence,
    EvidenceKind,
    MatchMethod,
    Quantities,
    Section,
    Summary,
    Tier,
    trusted,
)

SCORING_VERSION = "2.0.1"

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
#: Score band of each tier, ``(lowest, highest)``: the tier decides the band, the parts inside
#: a band decide the rank. ``none`` is always 0.
BANDS: dict[Tier, tuple[float, float]] = {
    "none": (0.0, 0.0),
    "claim_only": (10.0, 29.0),
    "moderate": (30.0, 59.0),
    "strong": (60.0, 99.0),
}
#: Default resume threshold: the bottom of the ``moderate`` band. A ``claim_only`` resume keeps
#: its tier and rank and is reported, but is not flagged (set ``threshold`` to
#: ``BANDS["claim_only"][0]`` to flag claims too).
DEFAULT_THRESHOLD = BANDS["moderate"][0]
#: Lines of practice after which a strong resume's tier needs no other support.
SUSTAINED_PRACTICE_LINES = 2
#: Distinct concepts named only as claims, with nothing described, that read as stuffing.
STUFFED_CONCEPTS = 4
#: Months of dated practice that earn the whole ``experience_months`` part (15 years).
FULL_MONTHS = 180.0
#: Years after which practice no longer earns recency points.
RECENCY_YEARS = 15

#: Sections where work is described (what an experience line is).
_WORK_SECTIONS: frozenset[Section] = frozenset({"experience", "unknown", "other"})
#: Sections whose entries are trainings or credentials.
_TRAINING_SECTIONS: frozenset[Section] = frozenset({"certifications", "training"})
#: The evidence kind (a lexicon category with effect ``evidence``) that marks described practice:
#: the scoring model reads it, like the other kinds, by name; its cues are lexicon data.
PRACTICE_CATEGORY = "practice"
#: Placeholder for the line and text of a withheld line (a health disclosure): never quoted.
WITHHELD = "[withheld: own health disclosure]"

Role = Literal["practice", "activity", "training", "claim"]
_ROLE_ORDER: tuple[Role, ...] = ("practice", "activity", "training", "claim")
_ROLE_RANK: dict[Role, int] = {r: i for i, r in enumerate(_ROLE_ORDER)}
LineShape = Literal["keyword_block", "term_only"]

#: Evidence kinds strongest first, as the shipped lexicon declares them; a screener passes its
#: lexicon's own order (``Lexicon.evidence_kinds``), since kinds are lexicon data.
_KIND_ORDER: tuple[EvidenceKind, ...] = (
    "title",
    "practice",
    "credential",
    "volume",
    "leadership",
    "teaching",
    "partnership",
    "mention",
)
_SENIORITY: tuple[EvidenceKind, ...] = ("leadership", "teaching", "title")
#: Kinds that describe doing the work on an experience line (leading and teaching it included).
_PRACTICE_KINDS: frozenset[EvidenceKind] = frozenset({"practice", "leadership", "teaching"})


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
        withheld: The line is withheld (the candidate's own health history): its words are
            never quoted.
    """

    base: float
    confidence: float
    counted: bool
    adjustments: list[Adjustment] = field(default_factory=list)
    kinds: tuple[EvidenceKind, ...] = ("mention",)
    quantities: Quantities = Quantities()
    withheld: bool = False


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
    line_shape: LineShape | None = None,
    voided_cues: frozenset[int] = frozenset(),
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
        line_shape: ``keyword_block`` for a run of terms with no sentence, ``term_only`` for a
            bare entry on its own line (see :mod:`crisis_screen.segment`).
        voided_cues: ``id(effect.match)`` of evidence-kind and practice cues that a negation,
            plan or other-person cue covers ("no formal training yet"): they add no kind.

    Returns:
        The judgement.
    """
    base = METHOD_BASE[method] * weight
    if method == "fuzzy":
        base *= similarity / 100.0
    base = round(min(base, 1.0), 4)
    adjustments: list[Adjustment] = []

    def add(kind: AdjustmentKind, factor: float, reason: str, effect: Effect | None) -> None:
        if effect is None:
            adjustments.append(_cueless(kind, factor, reason))
            return
        start, end = cue_offsets[id(effect.match)]
        adjustments.append(
            trusted(
                Adjustment,
                kind=kind,
                factor=factor,
                reason=reason,
                cue=cue_text[id(effect.match)],
                cue_start=start,
                cue_end=end,
            )
        )

    if section in SECTION_FACTOR:
        add("section", SECTION_FACTOR[section], f"in the {section} section: a listed claim", None)
    if line_shape == "keyword_block":
        # A mark, not a discount: the tier makes it a claim; the line still names the skill.
        add("keyword_block", 1.0, "a run of skill terms with no sentence: a keyword block", None)
    elif list_line and section not in SECTION_FACTOR:
        add("list_line", LIST_FACTOR, "in a keyword list, not a described activity", None)
    elif (
        line_shape == "term_only"
        and not is_title
        and section not in _TRAINING_SECTIONS
        and not any(e.category == PRACTICE_CATEGORY for e in effects)
    ):
        add("list_line", 1.0, "a bare entry on its own line, not a described activity", None)
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
    # What a category does is lexicon data. The cues are sorted by it in one pass (three
    # scans of the effects before: measured 11.6 -> 10.7 microseconds a call).
    voiding: list[Effect] = []
    evidence: list[Effect] = []
    withhold = claim = None
    for e in effects:
        does = e.match.cue.effect
        if does == "void":
            voiding.append(e)
        elif does == "evidence":
            evidence.append(e)
        elif does == "withhold" and withhold is None:
            withhold = e
        elif does == "claim" and claim is None:
            claim = e
    for e in voiding:
        # A voiding category carries its own reason.
        reason = e.match.cue.reason.format(cue=cue_text[id(e.match)])
        add(e.category, 0.0, reason, e)
    if withhold is not None:
        # The cue's words are the disclosure itself: keep where it is, never what it says.
        start, end = cue_offsets[id(withhold.match)]
        adjustments.append(
            trusted(
                Adjustment,
                kind=withhold.category,
                factor=0.0,
                reason=withhold.match.cue.reason,
                cue=None,
                cue_start=start,
                cue_end=end,
            )
        )
    kinds: list[EvidenceKind] = ["title"] if is_title else []
    if claim is not None:
        reason = (
            f"claim phrasing ({cue_text[id(claim.match)]!r}): names the skill, describes nothing"
        )
        add("claim", 1.0, reason, claim)
    for e in evidence:
        kind = e.category
        if kind in kinds:
            continue
        if id(e.match) in voided_cues:
            add("kind_voided", 1.0, f"{kind} {cue_text[id(e.match)]!r} is negated or planned", e)
            continue
        if kind == "practice" and claim is not None:
            add("kind_voided", 1.0, f"practice {cue_text[id(e.match)]!r} under a claim", e)
            continue
        kinds.append(kind)
        add("evidence_kind", 1.0, f"{kind}: {cue_text[id(e.match)]!r}", e)
    confidence = base
    for a in adjustments:
        confidence *= a.factor
    confidence = round(min(max(confidence, 0.0), 1.0), 4)
    if len(kinds) > 1:
        rank = {k: i for i, k in enumerate(kind_order)}
        kinds.sort(key=lambda k: (rank.get(k, len(rank)), k))
    ordered = tuple(kinds) or ("mention",)
    return Judgement(
        base=base,
        confidence=confidence,
        counted=confidence >= COUNT_MIN,
        adjustments=adjustments,
        kinds=ordered,
        quantities=quantities,
        withheld=withhold is not None,
    )


@lru_cache(maxsize=256, typed=True)
def _cueless(kind: AdjustmentKind, factor: float, reason: str) -> Adjustment:
    """An adjustment without a cue (a section, a list, no support): frozen, so built once.

    A quarter of all adjustments are one of these few (measured: judge 11.6 -> 10.7 us a call).
    """
    return trusted(
        Adjustment, kind=kind, factor=factor, reason=reason, cue=None, cue_start=None, cue_end=None
    )


def role(e: Evidence, titles: set[str] | frozenset[str] = frozenset()) -> Role:
    """Return what one counted piece of evidence shows: practice, activity, training or claim.

    The role comes from evidence properties only: the section, the list / keyword-block marks,
    and the evidence kinds (``practice`` and ``credential`` come from lexicon cue categories).

    Args:
        e: Counted evidence.
        titles: Concept ids that are job titles.
    """
    marks = {a.kind for a in e.adjustments}
    block = "keyword_block" in marks
    listed = block or "list_line" in marks or "claim" in marks or e.section == "skills"
    if e.section in _TRAINING_SECTIONS and not block:
        return "training"
    if listed:
        # "CIT certified (40 hours), 2019" in a short list is still a named credential; in a
        # skills list or a keyword block it is a claim like any other term there.
        if "credential" in e.kinds and not block and e.section != "skills":
            return "training"
        return "claim"
    if e.section in _WORK_SECTIONS:
        # Doing the work, leading it or teaching it, or holding the job title of the skill.
        if _PRACTICE_KINDS.intersection(e.kinds) or (e.concept in titles and "title" in e.kinds):
            return "practice"
        if "credential" in e.kinds:
            return "training"
        return "activity"
    if "practice" in e.kinds:
        # A described act outside the experience section ("talked a man down from a bridge" in a
        # profile) is still an act, not an adjective: one described activity.
        return "activity"
    return "training" if "credential" in e.kinds else "claim"


@lru_cache(maxsize=8)
def _empty_summary(reference_date: str) -> Summary:
    """The summary of a resume with nothing counted (most resumes): built once, it is frozen."""
    return Summary(tier="none", reference_date=reference_date)


def _saturating(n: float, rate: float) -> float:
    """``1 - rate**n``: 0 for nothing, approaching 1 (never reaching it) as n grows."""
    return 1.0 - rate**n if n > 0 else 0.0


def aggregate(
    evidence: Sequence[Evidence],
    titles: set[str],
    kind_order: Sequence[EvidenceKind] = _KIND_ORDER,
    *,
    positions: Sequence[Position] | Callable[[], Sequence[Position]] = (),
    reference_date: date | None = None,
) -> tuple[float, Summary]:
    """Combine one skill's evidence into its tier, score and summary.

    Args:
        evidence: All evidence of the resume for the skill.
        titles: Concept ids that are job titles.
        kind_order: Evidence kinds strongest first (the lexicon's).
        positions: Dated positions of the resume (:func:`crisis_screen.experience.find_positions`),
            or a function returning them, called only when the resume holds practice lines
            (reading dates costs more than scoring);
            the ones holding practice lines give ``experience_months`` and ``last_used``.
        reference_date: The date recency is measured from (today when None).

    Returns:
        The score (0-100) and the summary.
    """
    ref = reference_date or date.today()
    day = ref.isoformat()
    counted = [e for e in evidence if e.counted]
    excluded = _excluded_reasons(evidence)
    experience_months: int | None = None
    last_used: int | None = None
    if not counted:
        if not excluded:
            return 0.0, _empty_summary(day)
        return 0.0, trusted(
            Summary,
            tier="none",
            reasons=tuple(excluded),
            experience_months=experience_months,
            last_used=last_used,
            reference_date=day,
        )
    # One pass gathers what the tier, the parts and the summary read. A resume holds two or
    # three counted hits, so most of the cost was the dozen separate passes over them and the
    # Counter (measured on the benchmark corpus: 29 -> 23 microseconds a call).
    line_role: dict[int, Role] = {}  # each line's strongest role
    practice_lines: list[int] = []
    practice_kinds: set[EvidenceKind] = set()
    training_concepts: set[str] = set()
    real_concepts: set[str] = set()  # concepts with evidence that is more than a claim
    shown: set[EvidenceKind] = set()  # kinds of that evidence
    hours = volume = 0
    claim_lines: dict[str, set[int]] = {}
    block_lines: set[int] = set()
    best: dict[str, Evidence] = {}
    top = counted[0]
    top_key: tuple[int, int, float, int] | None = None
    for e in counted:
        r = role(e, titles)
        rank = _ROLE_RANK[r]
        old = line_role.get(e.line_no)
        if old is None or rank < _ROLE_RANK[old]:
            line_role[e.line_no] = r
        if r == "claim":
            claim_lines.setdefault(e.concept, set()).add(e.line_no)
            # Only a claim can be a keyword block (see role), so only claims are looked at.
            if any(a.kind == "keyword_block" for a in e.adjustments):
                block_lines.add(e.line_no)
        else:
            real_concepts.add(e.concept)
            shown.update(e.kinds)
            hours = max(hours, e.quantities.hours or 0)
            if "volume" in e.kinds:
                volume = max(volume, e.quantities.count or 0)
            if r == "practice":
                practice_lines.append(e.line_no)
                practice_kinds.update(e.kinds)
            elif r == "training":
                training_concepts.add(e.concept)
        held = best.get(e.concept)
        if held is None or e.confidence > held.confidence:
            best[e.concept] = e
        # The best line: the strongest role, then the most kinds, the confidence, the position.
        key = (rank, -len(set(e.kinds) - {"mention"}), -e.confidence, e.start)
        if top_key is None or key < top_key:
            top, top_key = e, key
    n_role = dict.fromkeys(_ROLE_ORDER, 0)
    for r in line_role.values():
        n_role[r] += 1
    if practice_lines:
        dated = positions() if callable(positions) else positions
        worked = experience(dated, practice_lines)
        experience_months, last_used = worked.months, worked.last_used
    rank_of = {k: i for i, k in enumerate(kind_order)}
    shown.discard("mention")
    kinds = sorted(shown, key=lambda k: (rank_of.get(k, 99), k))
    sustained = n_role["practice"] >= SUSTAINED_PRACTICE_LINES or bool(
        practice_kinds & {"volume", "leadership", "teaching"}
    )
    tier: Tier
    if n_role["practice"] and sustained:
        tier = "strong"
    elif n_role["practice"] or n_role["activity"] or n_role["training"]:
        tier = "moderate"
    else:
        tier = "claim_only"

    ranked = sorted(best.values(), key=lambda e: (-e.confidence, e.concept))
    stuffing = _stuffing(block_lines, claim_lines, only_claims=not real_concepts)
    reasons = _reasons(tier, n_role, training_concepts, stuffing) + excluded

    low, high = BANDS[tier]
    parts: dict[str, float] = {f"tier_{tier}": low}
    if tier == "claim_only":
        variety = len(best) - 1
        # A keyword block or repeated terms earn no variety: stuffing must not pay.
        parts["variety"] = 0.0 if stuffing else 16.0 * _saturating(variety, 0.75)
    else:
        strong = tier == "strong"
        if strong:
            parts["practice"] = 12.0 * _saturating(n_role["practice"], 0.8)
            parts["activity"] = 1.0 * _saturating(n_role["activity"], 0.6)
        else:
            parts["activity"] = 10.0 * _saturating(n_role["practice"] + n_role["activity"], 0.5)
        parts["training"] = (2.0 if strong else 10.0) * _saturating(len(training_concepts), 0.6)
        parts["course_hours"] = (1.0 if strong else 4.0) * min(hours / 40.0, 1.0)
        parts["variety"] = (5.0 if strong else 4.0) * _saturating(len(real_concepts), 0.75)
        if "volume" in shown:
            # One more point per tenfold count: 300 calls is more than 20.
            scale = min(math.log10(volume) / 3.0, 1.0) if volume > 1 else 0.3
            parts["volume"] = (4.0 if strong else 2.0) * (0.4 + 0.6 * scale)
        seniority = sum(1 for k in _SENIORITY if k in shown)
        parts["seniority"] = (2.0 if strong else 1.0) * seniority
        if experience_months is not None and practice_lines:
            parts["experience_months"] = (4.0 if strong else 2.0) * min(
                experience_months / FULL_MONTHS, 1.0
            )
        recency = 4.0 if strong else 2.0
        if last_used is not None and practice_lines:
            age = max(ref.year - last_used, 0)
            parts["recency"] = recency * max(0.0, 1.0 - age / RECENCY_YEARS)
        else:
            # No dated practice: neutral, half the points, so dates can move a resume either way.
            parts["recency"] = recency / 2.0
    parts = {k: round(v, 2) for k, v in parts.items() if v or k.startswith("tier_")}
    total = sum(parts.values())
    if total > high:
        parts["band_cap"] = round(high - total, 2)
    score = round(sum(parts.values()), 2)

    summary = trusted(
        Summary,
        tier=tier,
        reasons=tuple(reasons),
        counted_lines=len(line_role),
        practice_lines=n_role["practice"],
        concepts=tuple(e.concept for e in ranked),
        kinds=tuple(kinds),
        titles=tuple(dict.fromkeys(e.text for e in counted if e.concept in titles)),
        best_line=top.line,
        sections=tuple(dict.fromkeys(e.section for e in counted)),
        skills_list_only=tier == "claim_only",
        experience_months=experience_months,
        last_used=last_used,
        reference_date=day,
        score_parts=parts,
    )
    return score, summary


def _stuffing(blocks: set[int], claim_lines: dict[str, set[int]], only_claims: bool) -> list[str]:
    """Say how claims were stuffed: keyword blocks, terms repeated on many claim lines."""
    out: list[str] = []
    if blocks:
        where = ", ".join(str(n) for n in sorted(blocks)[:5])
        out.append(f"keyword block: a run of skill terms with no sentence (line {where})")
    repeated = sorted(c for c, lines in claim_lines.items() if len(lines) >= 3)
    if repeated:
        out.append(f"repeated claims: {', '.join(repeated)} named on 3 or more lines")
    if len(claim_lines) >= STUFFED_CONCEPTS and only_claims:
        out.append(f"{len(claim_lines)} skill concepts named and none of them described")
    return out


def _reasons(
    tier: Tier, n_role: dict[Role, int], training: set[str], stuffing: list[str]
) -> list[str]:
    out: list[str] = []
    if n_role["practice"]:
        out.append(f"{n_role['practice']} line(s) describe crisis work in the experience section")
    if n_role["activity"]:
        out.append(f"{n_role['activity']} line(s) mention crisis work without describing it")
    if training:
        out.append(f"training or credential: {', '.join(sorted(training))}")
    if n_role["claim"]:
        out.append(f"{n_role['claim']} line(s) only name the skill (lists, keywords, summary)")
    if tier == "claim_only":
        out.append("claim only: nothing described and no training named")
    out.extend(f"keyword stuffing: {s}" for s in stuffing)
    return out


def _excluded_reasons(evidence: Sequence[Evidence]) -> list[str]:
    """Name what was left out on purpose (health disclosures), never quoting it."""
    # One comprehension, not a generator per piece of evidence: most calls find nothing.
    n = len({e.line_no for e in evidence for a in e.adjustments if a.kind == "health_disclosure"})
    return [f"{n} line(s) excluded: the candidate's own health history"] if n else []


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
    adjustment = _cueless("ocr", OCR_FACTOR, "read by OCR from a scanned page or image")
    confidence = round(judgement.confidence * OCR_FACTOR, 4)
    return replace(
        judgement,
        confidence=confidence,
        counted=confidence >= COUNT_MIN,
        adjustments=[*judgement.adjustments, adjustment],
    )


def named_summary(summary: Summary, evidence: Sequence[Evidence]) -> Summary:
    """Add the concepts' human-readable names to a summary (aggregate knows only ids)."""
    if not summary.concepts:
        return summary
    names = {e.concept: e.concept_name for e in evidence}
    update = {"concept_names": tuple(names.get(c, c) for c in summary.concepts)}
    return summary.model_copy(update=update)
