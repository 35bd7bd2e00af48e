"""Build an interview guide for one candidate from their screening result.

The guide lists the bank's questions with the key points to listen for, and follow-up prompts
tied to what the resume shows: a volume claim asks for one of those calls, a listed-only skill
asks for a concrete example, a credential asks what the course covered, and a resume with no
evidence starts with the baseline questions. The prompt templates are bank data, keyed by
evidence kind (:data:`~crisis_screen.interview.bank.Trigger`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from crisis_screen.interview.bank import FollowUp, QuestionBank, Trigger
from crisis_screen.models import Evidence, ScreenResult

#: Evidence kinds that have a trigger of the same name, in the order prompts are made.
KIND_TRIGGERS: tuple[Trigger, ...] = (
    "title",
    "credential",
    "volume",
    "leadership",
    "teaching",
    "partnership",
)
#: Longest resume line quoted in a prompt; longer lines are cut with an ellipsis.
MAX_QUOTED_LINE = 160


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FollowUpPrompt(_Frozen):
    """One follow-up prompt, made from a template and a piece of resume evidence.

    Attributes:
        template: Id of the bank template used.
        trigger: What in the resume called for it.
        question_id: The question it belongs under; None for a general prompt.
        prompt: The prompt text.
        line_no: The resume line it is about, when there is one.
        evidence: The matched resume text it is about, when there is one.
    """

    template: str
    trigger: Trigger
    question_id: str | None = None
    prompt: str
    line_no: int | None = None
    evidence: str | None = None


class ListenFor(_Frozen):
    """A key point to listen for.

    Attributes:
        id: Key point id.
        name: Key point name.
        description: What it sounds like.
    """

    id: str
    name: str
    description: str = ""


class GuideQuestion(_Frozen):
    """A question of the guide.

    Attributes:
        id: Question id.
        text: The question.
        probes: What it probes.
        baseline: Whether it is a baseline question.
        listen_for: Key points of a good answer.
        follow_ups: Prompts from this resume that belong under this question.
    """

    id: str
    text: str
    probes: str
    baseline: bool
    listen_for: tuple[ListenFor, ...]
    follow_ups: tuple[FollowUpPrompt, ...] = ()


class InterviewGuide(_Frozen):
    """An interview guide for one candidate.

    Attributes:
        source: The resume's file name or label.
        score: The resume's screening score, 0-100.
        flagged: Whether the screener flagged the resume.
        concepts: Names of the skill concepts with counted evidence, strongest first.
        titles: Job titles of the skill found in the resume.
        skills_list_only: True when all evidence is in skills lists (a claim, not a record).
        has_evidence: False when the resume shows no evidence of the skill.
        questions: The questions, baseline first when there is no evidence.
        general_follow_ups: Prompts not tied to one question.
        note: Reminder that the kit is an aid to a human interviewer, not a verdict.
        bank_version: Version of the question bank data used.
    """

    source: str
    score: float = Field(ge=0.0, le=100.0)
    flagged: bool
    concepts: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    skills_list_only: bool = False
    has_evidence: bool
    questions: tuple[GuideQuestion, ...]
    general_follow_ups: tuple[FollowUpPrompt, ...] = ()
    note: str
    bank_version: str


@dataclass(frozen=True)
class _Candidate:
    trigger: Trigger
    evidence: Evidence | None


def build_guide(
    result: ScreenResult,
    bank: QuestionBank | None = None,
    *,
    concept_names: Mapping[str, str] | None = None,
) -> InterviewGuide:
    """Build the interview guide for one screened resume.

    Args:
        result: The resume's screening result.
        bank: The question bank; the shipped one when None.
        concept_names: Display names of lexicon concepts (``{id: name}``); ids when None.

    Returns:
        The guide.
    """
    bank = bank if bank is not None else QuestionBank.default()
    names = dict(concept_names or {})
    prompts = _prompts(result, bank, names)
    has_evidence = bool(result.counted)
    questions = [
        GuideQuestion(
            id=q.id,
            text=q.text,
            probes=q.probes,
            baseline=q.baseline,
            listen_for=tuple(
                ListenFor(id=kp.id, name=kp.name, description=kp.description) for kp in q.key_points
            ),
            follow_ups=tuple(p for p in prompts if p.question_id == q.id),
        )
        for q in bank.questions
    ]
    if not has_evidence:
        # Nothing to follow up on: lead with the questions any candidate can answer.
        questions.sort(key=lambda q: not q.baseline)
    return InterviewGuide(
        source=result.source,
        score=result.score,
        flagged=result.flagged,
        concepts=tuple(names.get(c, c) for c in result.summary.concepts),
        titles=result.summary.titles,
        skills_list_only=result.summary.skills_list_only,
        has_evidence=has_evidence,
        questions=tuple(questions),
        general_follow_ups=tuple(p for p in prompts if p.question_id is None),
        note=bank.info.note,
        bank_version=bank.info.version,
    )


def _prompts(
    result: ScreenResult, bank: QuestionBank, names: Mapping[str, str]
) -> list[FollowUpPrompt]:
    templates: dict[str, list[FollowUp]] = {}
    for f in bank.follow_ups:
        templates.setdefault(f.when, []).append(f)
    made: dict[str, int] = {}
    out: list[FollowUpPrompt] = []
    for cand in _candidates(result):
        if made.get(cand.trigger, 0) >= bank.info.max_follow_ups_per_trigger:
            continue
        template = next(
            (t for t in templates.get(cand.trigger, ()) if _needs_met(t, cand.evidence)), None
        )
        if template is None:
            continue
        fields = _fields(result, cand.evidence, names)
        out.append(
            FollowUpPrompt(
                template=template.id,
                trigger=cand.trigger,
                question_id=template.question,
                prompt=" ".join(template.prompt.format_map(fields).split()),
                line_no=cand.evidence.line_no if cand.evidence is not None else None,
                evidence=cand.evidence.text if cand.evidence is not None else None,
            )
        )
        made[cand.trigger] = made.get(cand.trigger, 0) + 1
    return out


def _candidates(result: ScreenResult) -> list[_Candidate]:
    """What the resume calls for, line by line in document order."""
    counted = result.counted
    out: list[_Candidate] = [] if counted else [_Candidate("no_evidence", None)]
    by_line: dict[int, list[Evidence]] = {}
    for e in counted:
        by_line.setdefault(e.line_no, []).append(e)
    for evs in by_line.values():
        kinds = {k for e in evs for k in e.kinds}
        for kind in KIND_TRIGGERS:
            if kind in kinds:
                out.append(_Candidate(kind, _pick(evs, kind)))
        listed = [e for e in evs if any(a.kind in ("section", "list_line") for a in e.adjustments)]
        if listed:
            out.append(_Candidate("list_claim", _strongest(listed)))
        elif kinds <= {"mention"}:
            out.append(_Candidate("mention", _strongest(evs)))
    planned = [
        e
        for e in result.evidence
        if not e.counted and any(a.kind == "hypothetical" for a in e.adjustments)
    ]
    out.extend(_Candidate("planned", e) for e in _one_per_line(planned))
    return out


def _pick(evs: Sequence[Evidence], kind: str) -> Evidence:
    with_kind = [e for e in evs if kind in e.kinds]
    if kind != "title":
        # Kinds describe the whole line, so a title hit carries "credential" too; quote the
        # skill term rather than the title when there is one.
        with_kind = [e for e in with_kind if "title" not in e.kinds] or with_kind
    return _strongest(with_kind)


def _strongest(evs: Sequence[Evidence]) -> Evidence:
    return max(evs, key=lambda e: (e.confidence, -e.start))


def _one_per_line(evs: Sequence[Evidence]) -> list[Evidence]:
    seen: set[int] = set()
    out = []
    for e in evs:
        if e.line_no not in seen:
            seen.add(e.line_no)
            out.append(e)
    return out


def _needs_met(template: FollowUp, evidence: Evidence | None) -> bool:
    if template.needs is None:
        return True
    if evidence is None:
        return False
    if template.needs == "count":
        return evidence.quantities.count is not None
    return evidence.quantities.hours is not None


def _fields(
    result: ScreenResult, evidence: Evidence | None, names: Mapping[str, str]
) -> dict[str, Any]:
    fields: dict[str, Any] = {"source": result.source}
    if evidence is None:
        return fields
    line = " ".join(evidence.line.split())
    if len(line) > MAX_QUOTED_LINE:
        line = line[: MAX_QUOTED_LINE - 1].rstrip() + "\u2026"
    q = evidence.quantities
    fields.update(
        text=evidence.text,
        line=line,
        line_no=evidence.line_no,
        concept=names.get(evidence.concept, evidence.concept),
        term=evidence.term,
        count=q.count,
        unit=q.count_unit or "cases",
        hours=q.hours,
    )
    return fields
