"""Result models: what the screener reports, as frozen pydantic v2 models.

These are the shapes integrations store, so field names are stable and every model
round-trips through JSON (``Model.model_validate_json(m.model_dump_json()) == m``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

#: How a hit was found. Order matters for overlap resolution: earlier is stronger.
MatchMethod = Literal["exact", "pattern", "lemma", "abbreviation", "fuzzy"]

#: The effect a context rule had on a piece of evidence. Built in: ``unsupported``,
#: ``supported``, ``section``, ``list_line``, ``evidence_kind``,
#: ``kind_voided``, ``keyword_block``, ``claim`` and ``ocr``; every other value is the name of a
#: voiding or withholding cue category declared in the lexicon (shipped: ``negated``,
#: ``hypothetical``, ``other_person``, ``out_of_domain``, ``health_disclosure``). A string, since
#: categories are lexicon data.
AdjustmentKind = str

#: What a line tells about the skill, beyond keyword presence: ``title`` (a job-title concept),
#: the name of an evidence cue category declared in the lexicon (shipped: ``practice``,
#: ``credential``, ``volume``, ``leadership``, ``teaching``, ``partnership``), or ``mention``
#: (nothing more).
EvidenceKind = str

#: A resume section: a section name declared in the lexicon's ``[sections]`` (shipped:
#: ``summary``, ``experience``, ``skills``, ``certifications``, ``education``, ``training``), or
#: ``other`` / ``unknown`` (no heading seen).
Section = str

#: How strongly a resume shows the skill, weakest last: described sustained practice, a
#: training/credential or one described activity, keywords only, nothing.
Tier = Literal["strong", "moderate", "claim_only", "none"]

if TYPE_CHECKING:
    from rich.table import Table

DocumentFormat = Literal[
    "text", "markdown", "pdf", "docx", "html", "rtf", "json_resume", "image", "doc", "odt"
]


@dataclass(frozen=True, slots=True)
class Hit:
    """A term found in one line doc, before context.

    Attributes:
        concept: Concept id.
        group: Index of the term group in the concept.
        term: The lexicon term (canonical form; ``#n`` for token pattern ``n``).
        method: How it matched.
        start: First token index in the line doc.
        end: One past the last token index.
        similarity: rapidfuzz ratio for fuzzy hits, else 100.
        skill: Id of the skill the concept belongs to.
        gap: For a term rebuilt from a coordination (:mod:`crisis_screen.coordination`), the
            tokens ``[gap[0], gap[1])`` between its two parts that are not part of the term.
    """

    concept: str
    group: int
    term: str
    method: MatchMethod
    start: int
    end: int
    similarity: float = 100.0
    skill: str = ""
    gap: tuple[int, int] | None = None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SectionSpan(_Frozen):
    """A stretch of a document's text known to belong to one section.

    Structured formats (JSON Resume) know their sections; plain text has them detected.

    Attributes:
        start: Offset of the first character in ``Document.text``.
        end: Offset one past the last character.
        section: The section name.
    """

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    section: Section


class Document(_Frozen):
    """Text extracted from one resume file, with what the reader knows of its layout.

    Attributes:
        text: The extracted text; every evidence offset indexes this string.
        source: File name or label given by the caller.
        format: The detected format.
        page_starts: For paged formats, the offset where each page begins (page 1 first).
        sections: Known section spans (structured formats); empty when unknown.
        ocr: True when some of the text was read by OCR (a scan or an image).
        ocr_pages: 1-based numbers of the pages whose text came from OCR.
    """

    text: str
    source: str = "<text>"
    format: DocumentFormat = "text"
    page_starts: tuple[int, ...] = ()
    sections: tuple[SectionSpan, ...] = ()
    ocr: bool = False
    ocr_pages: tuple[int, ...] = ()


class Adjustment(_Frozen):
    """One change to a piece of evidence's confidence, with its cause.

    Attributes:
        kind: The category of context that applied.
        factor: Multiplier applied to the confidence (1.0 changes nothing, 0.0 voids it).
        reason: Human-readable explanation.
        cue: The text of the cue that triggered it, when there is one.
        cue_start: Offset of the cue in the document text, when there is one.
        cue_end: End offset of the cue.
    """

    kind: AdjustmentKind
    factor: float = Field(ge=0.0)
    reason: str
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None


class Quantities(_Frozen):
    """Numbers read from an evidence line.

    Attributes:
        hours: Course or training length in hours ("40-hour CIT course").
        count: A volume of work ("over 200 crisis calls").
        count_unit: What was counted ("calls").
        per: The period of a rate, when the count is one ("15 calls a month": ``"month"``).
    """

    hours: int | None = None
    count: int | None = None
    count_unit: str | None = None
    per: str | None = None


class Evidence(_Frozen):
    """One matched mention of the skill, with its context and confidence.

    Attributes:
        line_no: 1-based line number in the document text.
        line: The whole line, stripped of its line ending.
        start: Offset of the match in the document text.
        end: End offset; ``text[start:end] == evidence.text``.
        text: The matched text as it appears in the document.
        concept: Stable id of the lexicon concept (unique within its skill).
        skill: Id of the skill the concept belongs to.
        concept_name: The concept's human-readable name from the lexicon.
        term: The lexicon term that matched (canonical form).
        method: How it matched.
        similarity: rapidfuzz similarity 0-100 for fuzzy matches, else 100.
        section: The resume section the line belongs to.
        page: 1-based page number for paged formats.
        kinds: What the line shows beyond presence (credential, volume, ...).
        quantities: Numbers extracted from the line.
        base: Confidence before context.
        confidence: Confidence after every adjustment, 0-1.
        counted: True when the evidence supports the skill after context.
        adjustments: Every context effect, in the order applied.
    """

    line_no: int = Field(ge=1)
    line: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    concept: str
    skill: str = ""
    concept_name: str = ""
    term: str
    method: MatchMethod
    similarity: float = Field(ge=0.0, le=100.0)
    section: Section
    page: int | None = None
    kinds: tuple[EvidenceKind, ...] = ()
    quantities: Quantities = Quantities()
    base: float = Field(ge=0.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)
    counted: bool
    adjustments: tuple[Adjustment, ...] = ()


class Versions(_Frozen):
    """Versions that make a result reproducible.

    Attributes:
        library: crisis_screen version.
        lexicon: ``skill_id@version`` of each loaded lexicon, joined by ``+``.
        scoring: Version of the scoring rules.
    """

    library: str
    lexicon: str
    scoring: str


class Summary(_Frozen):
    """Aggregate view of a result.

    Attributes:
        tier: How strongly the resume shows the skill: ``strong`` (practice described in work
            experience, sustained), ``moderate`` (a training or credential, or one described
            activity), ``claim_only`` (keywords only: lists, keyword blocks, summary adjectives)
            or ``none``. The score's band follows the tier.
        reasons: Why the tier was given, one short sentence each (keyword stuffing included).
        counted_lines: Number of lines that show the skill.
        practice_lines: Lines that describe the work being done (outside lists).
        concepts: Concept ids with counted evidence, strongest first.
        concept_names: The human-readable names of ``concepts``, in the same order.
        kinds: Evidence kinds seen in counted evidence.
        titles: Job titles of the skill found in the resume.
        best_line: The line of the strongest counted evidence (described practice first).
        sections: Sections where counted evidence appears.
        skills_list_only: True when all counted evidence is a claim (lists, keyword blocks).
        experience_months: Months of crisis practice (spans of the positions holding practice
            evidence, overlaps merged), or None when no dated position holds any.
        last_used: Year of the latest position holding practice evidence, or None.
        reference_date: The date open-ended positions ("Present") and recency were read
            against (ISO ``YYYY-MM-DD``), so a run can be reproduced.
        score_parts: How the score was built, in points; the parts add up to the score.
    """

    tier: Tier = "none"
    reasons: tuple[str, ...] = ()
    counted_lines: int = 0
    practice_lines: int = 0
    concepts: tuple[str, ...] = ()
    concept_names: tuple[str, ...] = ()
    kinds: tuple[EvidenceKind, ...] = ()
    titles: tuple[str, ...] = ()
    best_line: str | None = None
    sections: tuple[Section, ...] = ()
    skills_list_only: bool = False
    experience_months: int | None = None
    last_used: int | None = None
    reference_date: str | None = None
    score_parts: dict[str, float] = Field(default_factory=dict)


class SkillResult(_Frozen):
    """The result of one skill, when a screener loads one or several skills.

    Attributes:
        skill: Stable id of the skill.
        name: The skill's human-readable name.
        score: Score of this skill's evidence alone, 0-100.
        flagged: True when ``score >= threshold``.
        summary: Aggregates of this skill's evidence.
    """

    skill: str
    name: str
    score: float = Field(ge=0.0, le=100.0)
    flagged: bool
    summary: Summary = Summary()


class ScreenResult(_Frozen):
    """The screening result for one resume.

    With one skill the top-level ``score``, ``flagged`` and ``summary`` are that skill's (equal
    to ``skills[id]``). With several, they are computed from all evidence together as if the
    skills were one (a concept id's best mention counts once), as in version 0.1; each skill's
    own result is in ``skills``.

    Attributes:
        source: File name or label of the resume.
        score: Resume-level score, 0-100.
        flagged: True when ``score >= threshold``.
        threshold: The threshold used.
        evidence: Every hit, counted or not, in document order.
        summary: Aggregates for ranking and display.
        skills: Per-skill results by skill id, in lexicon load order.
        versions: Library, lexicon and scoring versions.
    """

    source: str
    score: float = Field(ge=0.0, le=100.0)
    flagged: bool
    threshold: float = Field(ge=0.0, le=100.0)
    evidence: tuple[Evidence, ...] = ()
    summary: Summary = Summary()
    skills: dict[str, SkillResult] = Field(default_factory=dict)
    versions: Versions

    @property
    def counted(self) -> tuple[Evidence, ...]:
        """Evidence that supports the skill after context."""
        return tuple(e for e in self.evidence if e.counted)

    # Display (rendering lives in crisis_screen.display): REPL, notebooks, rich consoles.
    def __repr__(self) -> str:
        from crisis_screen.display import render_repr

        return render_repr(self)

    def _repr_html_(self) -> str:
        from crisis_screen.display import render_html

        return render_html(self)

    def __rich__(self) -> Table:
        from crisis_screen.display import render_rich

        return render_rich(self)


_M = TypeVar("_M", bound=BaseModel)

#: Per model: its field names as a set, the required ones, the default factories of the
#: optional ones, and a template of every field in declaration order holding each optional
#: field's default.
_Layout = tuple[frozenset[str], frozenset[str], dict[str, Any], dict[str, Any]]
_LAYOUTS: dict[type[BaseModel], _Layout] = {}
#: Per model and the names given (in call order): the set of given names, the template, the
#: default factories still to call, and whether the model is frozen.
_Shape = tuple[set[str], dict[str, Any], tuple[tuple[str, Any], ...], bool]
_SHAPES: dict[tuple[type[BaseModel], tuple[str, ...]], _Shape] = {}
_MAX_SHAPES = 4096  # call sites give a few shapes each; a bound for callers that vary
_set_attribute = object.__setattr__


def trusted(cls: type[_M], **values: Any) -> _M:
    """Build a result model from values the engine computed, without validation.

    ``model_construct`` does the same but costs about ten times as much (it walks every field
    and its defaults on each call); the screener builds several models per piece of evidence,
    so that cost showed as a tenth of screening time. Only for values that are already valid:
    the tests check that each model built here equals its validated counterpart.

    Args:
        cls: The model class.
        **values: Field values; fields left out take their declared default.

    Raises:
        TypeError: When a field has no value and no default, or a name is not a field.
    """
    key = (cls, tuple(values))
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _shape(cls, set(values))
        if len(_SHAPES) < _MAX_SHAPES:
            _SHAPES[key] = shape
    given, template, factories, frozen = shape
    for name, factory in factories:
        values[name] = factory()
    obj = cls.__new__(cls)
    # The same four attributes pydantic's own constructor sets. Merging into the template puts
    # the fields in declaration order (so that repr, iteration and JSON match a validated model)
    # and fills the defaults in one step: a third faster than filling them one by one and then
    # reordering (measured: 4.5 vs 3.4 microseconds for an Evidence).
    _set_attribute(obj, "__dict__", {**template, **values})
    # A frozen model's set of given fields never changes (copies get their own), so models
    # built from the same fields share one: a set fewer per model for the garbage collector
    # to visit (such sets were about a third of the tracked objects a kept result holds).
    _set_attribute(obj, "__pydantic_fields_set__", given if frozen else set(given))
    _set_attribute(obj, "__pydantic_extra__", None)
    _set_attribute(obj, "__pydantic_private__", None)
    return obj


def _shape(cls: type[BaseModel], given: set[str]) -> _Shape:
    layout = _LAYOUTS.get(cls)
    if layout is None:
        layout = _LAYOUTS[cls] = _layout(cls)
    fields, required, factories, template = layout
    if not required <= given <= fields:
        missing = sorted(required - given)
        unknown = sorted(given - fields)
        raise TypeError(f"{cls.__name__}: missing {missing}, unknown {unknown}")
    needed = tuple((name, f) for name, f in factories.items() if name not in given)
    return given, template, needed, bool(cls.model_config.get("frozen"))


def _layout(cls: type[BaseModel]) -> _Layout:
    required: set[str] = set()
    factories: dict[str, Any] = {}
    # A required field's slot holds None until its given value replaces it.
    template: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        template[name] = None
        if info.default_factory is not None:
            factories[name] = info.default_factory
        elif info.is_required():
            required.add(name)
        else:
            template[name] = info.default
    return frozenset(cls.model_fields), frozenset(required), factories, template
