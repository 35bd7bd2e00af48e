"""Score interview answers against a question's key points.

An answer is screened like a resume, with the question's key-point lexicon: a key point is
covered when it has counted evidence (a term found and not voided by context, e.g. negation).
The coverage is covered key points over all key points. It is an aid to a human interviewer,
not a verdict, and every score says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from crisis_screen.errors import CrisisScreenError
from crisis_screen.interview.bank import QuestionBank
from crisis_screen.models import MatchMethod, ScreenResult

# "## develop_program" starts the answer to that question in a text answers file.
_HEADING = re.compile(r"^##[ \t]+(\S+)[ \t]*$", re.MULTILINE)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MatchedSpan(_Frozen):
    """Where an answer shows a key point.

    Attributes:
        text: The matched text; ``answer[start:end] == text``.
        start: Offset in the answer text.
        end: End offset.
        term: The bank term that matched (``#n`` names token pattern ``n``).
        method: How it matched.
        similarity: rapidfuzz similarity for fuzzy matches, else 100.
    """

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    term: str
    method: MatchMethod
    similarity: float = Field(ge=0.0, le=100.0)


class CoveredKeyPoint(_Frozen):
    """A key point the answer covers, with every span that shows it.

    Attributes:
        id: Key point id.
        name: Key point name.
        spans: The matched spans, in answer order.
    """

    id: str
    name: str
    spans: tuple[MatchedSpan, ...]


class NotCounted(_Frozen):
    """A key-point term found in the answer but voided by its context.

    Attributes:
        key_point: Key point id.
        name: Key point name.
        span: Where it was found.
        reasons: Why it does not count ("negated by 'not'").
    """

    key_point: str
    name: str
    span: MatchedSpan
    reasons: tuple[str, ...]


class AnswerScore(_Frozen):
    """How much of a question's expected answer an answer covers.

    Attributes:
        question_id: The question.
        question: The question text.
        coverage: Covered key points / all key points, 0-1.
        covered: Covered key points with their matched spans, in bank order.
        missing: Names of the key points not covered, in bank order.
        missing_ids: Ids of the same key points.
        not_counted: Terms found but voided by context (why a point may look covered but isn't).
        note: Reminder that the score is an aid to a human interviewer, not a verdict.
        bank_version: Version of the question bank data used.
    """

    question_id: str
    question: str
    coverage: float = Field(ge=0.0, le=1.0)
    covered: tuple[CoveredKeyPoint, ...] = ()
    missing: tuple[str, ...] = ()
    missing_ids: tuple[str, ...] = ()
    not_counted: tuple[NotCounted, ...] = ()
    note: str
    bank_version: str


class AnswersFormatError(CrisisScreenError):
    """An answers file that is neither ``{question_id: answer}`` JSON nor ``## id`` sections."""


def score_answer(
    question_id: str, answer_text: str, bank: QuestionBank | None = None
) -> AnswerScore:
    """Score one answer against a question's key points.

    Args:
        question_id: The question's id.
        answer_text: What the candidate said (a transcript or notes).
        bank: The question bank; the shipped one when None.

    Returns:
        The coverage, the covered key points with spans, and the missing ones.

    Raises:
        UnknownQuestionError: For an id not in the bank (the message lists the known ids).
    """
    bank = bank if bank is not None else QuestionBank.default()
    question = bank.question(question_id)
    result = _screen(bank, question_id, answer_text)
    spans: dict[str, list[MatchedSpan]] = {}
    voided: list[NotCounted] = []
    names = {kp.id: kp.name for kp in question.key_points}
    for e in result.evidence:
        span = MatchedSpan(
            text=e.text,
            start=e.start,
            end=e.end,
            term=e.term,
            method=e.method,
            similarity=e.similarity,
        )
        if e.counted:
            spans.setdefault(e.concept, []).append(span)
        else:
            reasons = tuple(a.reason for a in e.adjustments if a.factor == 0.0)
            voided.append(
                NotCounted(key_point=e.concept, name=names[e.concept], span=span, reasons=reasons)
            )
    covered = tuple(
        CoveredKeyPoint(id=kp.id, name=kp.name, spans=tuple(spans[kp.id]))
        for kp in question.key_points
        if kp.id in spans
    )
    missing = [kp for kp in question.key_points if kp.id not in spans]
    return AnswerScore(
        question_id=question.id,
        question=question.text,
        coverage=round(len(covered) / len(question.key_points), 4),
        covered=covered,
        missing=tuple(kp.name for kp in missing),
        missing_ids=tuple(kp.id for kp in missing),
        not_counted=tuple(voided),
        note=bank.info.note,
        bank_version=bank.info.version,
    )


def score_answers(
    answers: Mapping[str, str], bank: QuestionBank | None = None
) -> list[AnswerScore]:
    """Score several answers, in bank order of their questions.

    Args:
        answers: Question id to answer text.
        bank: The question bank; the shipped one when None.

    Returns:
        One score per answer.

    Raises:
        UnknownQuestionError: When an id is not in the bank; checked before any scoring.
    """
    bank = bank if bank is not None else QuestionBank.default()
    for qid in answers:
        bank.question(qid)
    order = {qid: i for i, qid in enumerate(bank.ids)}
    return [score_answer(qid, answers[qid], bank) for qid in sorted(answers, key=order.__getitem__)]


def _screen(bank: QuestionBank, question_id: str, text: str) -> ScreenResult:
    return bank.screener(question_id).screen_text(text, source=f"answer:{question_id}")


def read_answers(path: str | Path) -> dict[str, str]:
    """Read an answers file.

    Two formats: a JSON object ``{"question_id": "answer text", ...}`` (a ``.json`` file, or any
    file whose content starts with ``{``), or text with one section per answer, headed by a line
    ``## <question_id>``.

    Args:
        path: The file.

    Returns:
        Question id to answer text, in file order.

    Raises:
        AnswersFormatError: When the file fits neither format (the message says why).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersFormatError(f"{p}: cannot read: {exc}") from None
    if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return _json_answers(text, p)
    return _text_answers(text, p)


def _json_answers(text: str, p: Path) -> dict[str, str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnswersFormatError(f"{p}: invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise AnswersFormatError(f"{p}: expected a JSON object {{question_id: answer_text}}")
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise AnswersFormatError(f"{p}: answers must be strings (not for: {', '.join(bad)})")
    if not data:
        raise AnswersFormatError(f"{p}: no answers")
    return dict(data)


def _text_answers(text: str, p: Path) -> dict[str, str]:
    heads = list(_HEADING.finditer(text))
    if not heads:
        raise AnswersFormatError(
            f"{p}: no answers found: start each answer with a line '## <question_id>'"
        )
    if text[: heads[0].start()].strip():
        raise AnswersFormatError(f"{p}: text before the first '## <question_id>' heading")
    answers: dict[str, str] = {}
    for i, m in enumerate(heads):
        qid = m.group(1)
        if qid in answers:
            raise AnswersFormatError(f"{p}: question {qid!r} is answered twice")
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        answers[qid] = text[m.end() : end].strip()
    return answers
