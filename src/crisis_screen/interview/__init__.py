"""Interview kit: a question bank scored with the screening machinery, and interview guides.

Example:
    >>> from crisis_screen.interview import QuestionBank, score_answer
    >>> bank = QuestionBank.default()
    >>> score = score_answer("de_escalation_strategies", "I keep a safe distance.", bank)
    >>> [kp.id for kp in score.covered]
    ['safe_distance']
"""

from __future__ import annotations

from crisis_screen.interview.bank import (
    BankFile,
    FollowUp,
    KeyPoint,
    Question,
    QuestionBank,
    UnknownQuestionError,
)
from crisis_screen.interview.guide import (
    FollowUpPrompt,
    GuideQuestion,
    InterviewGuide,
    ListenFor,
    build_guide,
)
from crisis_screen.interview.render import render_guide, render_scores
from crisis_screen.interview.score import (
    AnswerScore,
    AnswersFormatError,
    CoveredKeyPoint,
    MatchedSpan,
    NotCounted,
    read_answers,
    score_answer,
    score_answers,
)

__all__ = [
    "AnswerScore",
    "AnswersFormatError",
    "BankFile",
    "CoveredKeyPoint",
    "FollowUp",
    "FollowUpPrompt",
    "GuideQuestion",
    "InterviewGuide",
    "KeyPoint",
    "ListenFor",
    "MatchedSpan",
    "NotCounted",
    "Question",
    "QuestionBank",
    "UnknownQuestionError",
    "build_guide",
    "read_answers",
    "render_guide",
    "render_scores",
    "score_answer",
    "score_answers",
]
