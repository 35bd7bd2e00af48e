"""The interview question bank: read, validate, and turn key points into matchable lexicons.

The bank is human-edited TOML beside the skill's lexicon
(``lexicon/mental_health_response/questions.toml``). Each question's key points are written like
lexicon concepts, so an answer is matched by the very machinery that reads resumes: the bank
builds one in-memory :class:`~crisis_screen.lexicon.LexiconFile` per question (key points become
concepts, the bank's answer cues become its cues, gate anchors are derived from the terms),
checks it with :func:`~crisis_screen.lexicon.compile_lexicon`, and lazily builds one
:class:`~crisis_screen.screener.Screener` per question, once.

Why one lexicon per question and not one for the whole bank: overlap resolution keeps the
longest hit on a span whatever its concept, so a key point of another question could hide a
hit; and the lexicon forbids a term in two concepts, while two questions may rightly share a
term ("protocol"). Each question's screener gets its own spaCy pipeline too, so that
nothing one question's matcher holds in its vocabulary can reach another's.
"""

from __future__ import annotations

import re
import string
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crisis_screen.errors import CrisisScreenError, LexiconError
from crisis_screen.lexicon import (
    CategorySpec,
    Concept,
    Cue,
    GateSpec,
    Lexicon,
    LexiconFile,
    SkillInfo,
    SpellingSpec,
    TermGroup,
    compile_lexicon,
    default_skill_dir,
    load_common,
    read_toml,
)
from crisis_screen.variants import expand

if TYPE_CHECKING:
    from crisis_screen.screener import Screener

#: File name of the shipped bank inside the skill's lexicon folder.
DEFAULT_BANK_FILE = "questions.toml"

#: What a follow-up template is keyed by: an evidence kind, or a resume-level situation.
Trigger = Literal[
    "volume",
    "credential",
    "teaching",
    "leadership",
    "partnership",
    "title",
    "mention",
    "list_claim",
    "planned",
    "no_evidence",
]
#: Quantity a template needs before it may be used.
Needs = Literal["count", "hours"]

#: Template fields every evidence-based prompt may use.
EVIDENCE_FIELDS = frozenset({"text", "line", "line_no", "concept", "term", "source"})
#: Extra fields allowed by ``needs``.
NEEDS_FIELDS: dict[str, frozenset[str]] = {
    "count": frozenset({"count", "unit"}),
    "hours": frozenset({"hours"}),
}
#: Which trigger may ask for which quantity.
NEEDS_TRIGGER: dict[str, str] = {"count": "volume", "hours": "credential"}

# "Hypothetical" cues void "I would ..." sentences: right for resumes ("would like to join a CIT
# team"), wrong for interview answers, which are naturally conditional.
_FORBIDDEN_CATEGORIES = ("hypothetical",)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# Token-pattern attributes whose string value appears verbatim (lower-cased) in the line.
_LITERAL_ATTRS = ("LOWER", "ORTH", "TEXT", "NORM")
# Operators under which a pattern token need not be present.
_OPTIONAL_OPS = ("?", "*", "!")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BankInfo(_Strict):
    """What the bank is and how its results are presented."""

    skill: str = Field(description="Id of the skill the questions are about.")
    name: str
    version: str = Field(description="Version of the bank data; reported in every score.")
    note: str = Field(description="Reminder shown with every score: an aid, not a verdict.")
    max_follow_ups_per_trigger: int = Field(default=2, ge=1)


class KeyPoint(_Strict):
    """One point an expected answer makes, with the terms that show it.

    Attributes:
        id: Snake-case id, unique within its question.
        name: Human-readable name (reported as missing when not covered).
        description: What the interviewer listens for.
        terms: Term groups, exactly as in a lexicon concept.
    """

    id: str
    name: str
    description: str = ""
    terms: list[TermGroup]


class Question(_Strict):
    """One interview question with its expected answer broken into key points.

    Attributes:
        id: Stable snake-case id.
        text: The question as asked.
        probes: What the question probes.
        expected: The expected answer, as written by the skill's authors.
        baseline: Ask this first when a resume shows no evidence of the skill.
        key_points: The key points of a good answer.
    """

    id: str
    text: str
    probes: str
    expected: str = ""
    baseline: bool = False
    key_points: list[KeyPoint]


class FollowUp(_Strict):
    """A follow-up prompt template of the interview guide.

    Attributes:
        id: Unique id.
        when: The trigger (evidence kind or situation) that calls for it.
        needs: A quantity the evidence must carry for this template to apply.
        question: The question the prompt belongs under; none = a general prompt.
        prompt: ``str.format`` template (fields: see the bank file's header).
    """

    id: str
    when: Trigger
    needs: Needs | None = None
    question: str | None = None
    prompt: str


class BankFile(_Strict):
    """The format of one question bank TOML file."""

    bank: BankInfo
    spelling: SpellingSpec = SpellingSpec()
    cues: list[Cue] = Field(default_factory=list)
    terminators: dict[str, list[str]] = Field(default_factory=dict)
    questions: list[Question]
    follow_ups: list[FollowUp] = Field(default_factory=list)


class QuestionBank:
    """A validated question bank, with one lazily built answer matcher per question.

    Build it with :meth:`default` or :meth:`load`; both validate everything up front and raise
    one :class:`~crisis_screen.errors.LexiconError` listing every problem.

    Attributes:
        path: The file read (used in messages).
        info: Bank metadata, including the note shown with every score.
        questions: The questions, in file order.
        follow_ups: Follow-up prompt templates, in file order.
    """

    def __init__(self, data: BankFile, path: str | Path, lexicons: Mapping[str, Lexicon]) -> None:
        """Wrap validated bank data; use :meth:`load` or :meth:`from_data` instead."""
        self.path = str(path)
        self.info = data.bank
        self.questions: tuple[Question, ...] = tuple(data.questions)
        self.follow_ups: tuple[FollowUp, ...] = tuple(data.follow_ups)
        self._by_id = {q.id: q for q in self.questions}
        self._lexicons = dict(lexicons)
        self._screeners: dict[str, Screener] = {}
        # Scoring may run from several threads; a screener is built once per question.
        self._lock = threading.Lock()

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def default(cls) -> QuestionBank:
        """Return the shipped bank (read once per process and cached)."""
        global _DEFAULT
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = cls.load(default_skill_dir() / DEFAULT_BANK_FILE)
            return _DEFAULT

    @classmethod
    def load(cls, path: str | Path) -> QuestionBank:
        """Read and validate a question bank file.

        Args:
            path: The TOML file.

        Returns:
            The bank.

        Raises:
            LexiconError: With every problem found, each naming the file and the entry.
        """
        p = Path(path)
        return cls.from_data(read_toml(p), p)

    @classmethod
    def from_data(cls, raw: Mapping[str, Any], path: str | Path = "<bank>") -> QuestionBank:
        """Validate parsed bank data (a TOML document as a dict).

        Args:
            raw: The parsed document.
            path: Name used in messages.

        Returns:
            The bank.

        Raises:
            LexiconError: With every problem found.
        """
        problems: list[str] = []
        # Structural checks run on the raw data first, so that duplicate ids and empty key
        # points are reported even in an entry that also fails schema validation.
        _check_raw(raw, str(path), problems)
        data: BankFile | None = None
        try:
            data = BankFile.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(f"{path}: {_where(raw, err['loc'])}: {_message(err)}")
        if data is not None:
            _check_bank(data, str(path), problems)
        if problems:
            # Compiling a partly broken bank would only add follow-on noise.
            raise LexiconError(problems)
        assert data is not None
        lexicons = _compile_questions(data, str(path), problems)
        if problems:
            raise LexiconError(problems)
        return cls(data, path, lexicons)

    # -- access ----------------------------------------------------------------------------

    @property
    def ids(self) -> tuple[str, ...]:
        """Question ids, in bank order."""
        return tuple(q.id for q in self.questions)

    def question(self, question_id: str) -> Question:
        """Return one question.

        Raises:
            UnknownQuestionError: For an unknown id; the message lists the known ids.
        """
        try:
            return self._by_id[question_id]
        except KeyError:
            raise UnknownQuestionError(question_id, self.ids) from None

    def lexicon(self, question_id: str) -> Lexicon:
        """Return the compiled key-point lexicon of one question."""
        self.question(question_id)
        return self._lexicons[question_id]

    def screener(self, question_id: str) -> Screener:
        """Return the answer matcher of one question, building it on first use."""
        self.question(question_id)
        with self._lock:
            screener = self._screeners.get(question_id)
            if screener is None:
                from crisis_screen.screener import Screener

                screener = Screener(lexicon=self._lexicons[question_id])
                self._screeners[question_id] = screener
            return screener


class UnknownQuestionError(CrisisScreenError, KeyError):
    """A question id that is not in the bank (a ``KeyError`` too, for dict-like use).

    Attributes:
        question_id: The id asked for.
        known: The bank's question ids.
    """

    def __init__(self, question_id: str, known: Sequence[str]) -> None:
        self.question_id = question_id
        self.known = tuple(known)
        super().__init__(question_id)

    def __str__(self) -> str:
        """Name the unknown id and list the known ones."""
        return f"unknown question id {self.question_id!r} (known: {', '.join(self.known)})"


_DEFAULT: QuestionBank | None = None
_DEFAULT_LOCK = threading.Lock()


# -- validation ----------------------------------------------------------------------------


def _message(err: Mapping[str, Any]) -> str:
    if err.get("type") == "extra_forbidden":
        return "unknown key"
    return str(err.get("msg", "invalid"))


def _where(raw: Any, loc: Iterable[Any]) -> str:
    """Render a pydantic error location, naming list entries by their ``id`` when they have one.

    ``("questions", 2, "key_points", 0, "foo")`` becomes
    ``questions[2] 'crisis_signs' > key_points[0] 'confusion' > foo``.
    """
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int) and parts:
            entry = node[item] if isinstance(node, list) and item < len(node) else None
            label = f"[{item}]"
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                label += f" {entry['id']!r}"
            parts[-1] += label
            node = entry
            continue
        parts.append(str(item))
        node = node.get(item) if isinstance(node, dict) else None
    return " > ".join(parts) or "(top level)"


def _check_raw(raw: Mapping[str, Any], path: str, problems: list[str]) -> None:
    """Duplicate ids and empty key points, checked on raw data so schema errors do not hide them."""
    questions = raw.get("questions")
    if not isinstance(questions, list):
        return
    _duplicates(questions, f"{path}: questions", problems)
    for qi, q in enumerate(questions):
        if not isinstance(q, dict):
            continue
        qwhere = f"{path}: questions[{qi}] {q.get('id')!r}"
        points = q.get("key_points")
        if isinstance(points, list):
            if not points:
                problems.append(f"{qwhere}: has no key points")
            _duplicates(points, f"{qwhere} > key_points", problems)
            for ki, kp in enumerate(points):
                if isinstance(kp, dict):
                    _check_terms(kp, f"{qwhere} > key_points[{ki}] {kp.get('id')!r}", problems)
    follow_ups = raw.get("follow_ups")
    if isinstance(follow_ups, list):
        _duplicates(follow_ups, f"{path}: follow_ups", problems)


def _duplicates(entries: list[Any], where: str, problems: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        key = entry["id"]
        if key in seen:
            problems.append(f"{where}[{i}] {key!r}: duplicate id (first at [{seen[key]}])")
        else:
            seen[key] = i


def _check_terms(kp: Mapping[str, Any], where: str, problems: list[str]) -> None:
    terms = kp.get("terms")
    if terms is None or (isinstance(terms, list) and not terms):
        problems.append(f"{where}: key point has no terms")
        return
    if not isinstance(terms, list):
        return
    for gi, group in enumerate(terms):
        if isinstance(group, dict) and not any(
            group.get(k) for k in ("phrases", "lemmas", "abbreviations", "patterns")
        ):
            problems.append(
                f"{where} > terms[{gi}]: term group has no phrases, lemmas, abbreviations"
                " or patterns"
            )


def _check_bank(data: BankFile, path: str, problems: list[str]) -> None:
    """Cross-checks that need the parsed bank: ids, cue categories, templates, references."""
    if not data.questions:
        problems.append(f"{path}: questions: the bank has no questions")
    all_points: set[str] = set()
    for q in data.questions:
        where = f"{path}: question {q.id!r}"
        if not _ID.match(q.id):
            problems.append(f"{where}: id must be snake_case")
        for kp in q.key_points:
            all_points.add(kp.id)
            if not _ID.match(kp.id):
                problems.append(f"{where} > key point {kp.id!r}: id must be snake_case")
            for gi, group in enumerate(kp.terms):
                for pi, pattern in enumerate(group.patterns):
                    if not _pattern_literals(pattern):
                        problems.append(
                            f"{where} > key point {kp.id!r} > terms[{gi}] > patterns[{pi}]:"
                            " needs a required token with a literal word (LOWER, ORTH, TEXT or"
                            " NORM) so that the line gate can find it"
                        )
    for cue in data.cues:
        where = f"{path}: cue {cue.id!r}"
        if cue.category in _FORBIDDEN_CATEGORIES:
            problems.append(
                f"{where}: category {cue.category!r} is not allowed in a question bank (answers"
                " are naturally 'I would ...'; it would void them)"
            )
        elif _categories().get(cue.category, _NO_EFFECT).effect == "evidence":
            problems.append(
                f"{where}: evidence-kind category {cue.category!r} means nothing for answers"
            )
        for cid in cue.applies_to or ():
            if cid not in all_points:
                problems.append(f"{where}: applies_to names unknown key point {cid!r}")
    qids = {q.id for q in data.questions}
    for f in data.follow_ups:
        where = f"{path}: follow_up {f.id!r}"
        if f.question is not None and f.question not in qids:
            problems.append(
                f"{where}: unknown question {f.question!r} (known: {', '.join(sorted(qids))})"
            )
        if f.needs is not None and NEEDS_TRIGGER[f.needs] != f.when:
            problems.append(
                f"{where}: needs = {f.needs!r} only applies to when = {NEEDS_TRIGGER[f.needs]!r}"
            )
        allowed = _allowed_fields(f)
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(f.prompt) if name}
        except ValueError as exc:
            problems.append(f"{where}: prompt is not a valid template: {exc}")
            continue
        for name in sorted(used - allowed):
            problems.append(
                f"{where}: prompt uses unknown field {{{name}}} (allowed here:"
                f" {', '.join(sorted(allowed)) or 'none'})"
            )


def _allowed_fields(f: FollowUp) -> frozenset[str]:
    if f.when == "no_evidence":
        return frozenset({"source"})
    extra = NEEDS_FIELDS[f.needs] if f.needs is not None else frozenset()
    return EVIDENCE_FIELDS | extra


def _pattern_literals(pattern: Sequence[Mapping[str, Any]]) -> list[str]:
    """Lower-cased literal words of a pattern's required tokens (one must be in a matching line)."""
    out: list[str] = []
    for spec in pattern:
        if spec.get("OP") in _OPTIONAL_OPS or str(spec.get("OP", "")).startswith("{0"):
            continue
        for attr in _LITERAL_ATTRS:
            value = spec.get(attr)
            if isinstance(value, str):
                out.append(value.lower())
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                out.extend(str(v).lower() for v in value["IN"])
    # Punctuation ("-" in "back-up") is in nearly every line: useless as a gate anchor.
    return [w for w in out if any(ch.isalnum() for ch in w)]


# -- conversion to lexicons ----------------------------------------------------------------


def question_lexicon_file(data: BankFile, question: Question) -> LexiconFile:
    """Build the in-memory lexicon file of one question: key points become concepts.

    Args:
        data: The validated bank.
        question: One of its questions.

    Returns:
        A lexicon file ready for :func:`~crisis_screen.lexicon.compile_lexicon`.
    """
    ids = {kp.id for kp in question.key_points}
    cues: list[Cue] = []
    for cue in data.cues:
        if cue.applies_to is None:
            cues.append(cue)
            continue
        # A cue aimed at key points of other questions has nothing to do here.
        mine = [c for c in cue.applies_to if c in ids]
        if mine:
            cues.append(cue.model_copy(update={"applies_to": mine}))
    return LexiconFile(
        skill=SkillInfo(
            id=f"{data.bank.skill}.questions.{question.id}",
            name=f"{data.bank.name}: {question.id}",
            version=data.bank.version,
        ),
        gate=GateSpec(anchors=_anchors(question, data.spelling.pairs)),
        spelling=data.spelling,
        concepts=[
            Concept(id=kp.id, name=kp.name, description=kp.description, terms=kp.terms)
            for kp in question.key_points
        ],
        categories=_categories(),
        cues=cues,
        terminators=data.terminators,
    )


_NO_EFFECT = CategorySpec(effect="support")


def _categories() -> dict[str, CategorySpec]:
    """The shipped cue categories, without their resume terminators (the bank has its own)."""
    return {
        name: spec.model_copy(update={"terminators": []})
        for name, spec in load_common().categories.items()
    }


def _anchors(question: Question, pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Derive gate anchors: every word of every term variant, and every pattern literal.

    Answers are short, so the gate only needs to be correct, not selective; words rather than
    whole variants keep a line with one typo'd word a candidate for fuzzy matching.
    """
    words: set[str] = set()
    for kp in question.key_points:
        for group in kp.terms:
            for term, inflect in [
                *((t, False) for t in group.phrases),
                *((t, True) for t in group.lemmas),
            ]:
                for variant in expand(term.lower(), pairs, inflect=inflect):
                    words.update(variant.split())
            for pattern in group.patterns:
                words.update(_pattern_literals(pattern))
    return sorted(words)


def _compile_questions(data: BankFile, path: str, problems: list[str]) -> dict[str, Lexicon]:
    lexicons: dict[str, Lexicon] = {}
    for q in data.questions:
        try:
            lexicons[q.id] = compile_lexicon([(Path(path), question_lexicon_file(data, q))])
        except LexiconError as exc:
            for p in exc.problems:
                # compile_lexicon names the file already; the question goes after it
                p = p.removeprefix(f"{path}: ").replace("concept ", "key point ")
                problems.append(f"{path}: question {q.id!r}: {p}")
    return lexicons
