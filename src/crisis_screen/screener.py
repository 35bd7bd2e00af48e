"""The Screener: recognise, then context, then score, then aggregate.

One Screener builds its spaCy pipeline and matchers once and reuses them for every resume.
``screen_many`` streams results in input order; it works in batches so that memory stays flat
however long the input is.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from crisis_screen import __version__
from crisis_screen.context import CueFinder
from crisis_screen.errors import TimeLimitExceededError
from crisis_screen.experience import Position, find_positions
from crisis_screen.inputs import ScreenInput, as_document, wrong_type
from crisis_screen.lexicon import Lexicon, load_lexicon
from crisis_screen.line_evidence import LineJudge
from crisis_screen.matchers import Hit, TermMatcher, line_words, lines_of
from crisis_screen.models import (
    Document,
    Evidence,
    ScreenResult,
    SkillResult,
    Summary,
    Versions,
    trusted,
)
from crisis_screen.nlp import build_nlp
from crisis_screen.scoring import (
    DEFAULT_THRESHOLD,
    SCORING_VERSION,
    aggregate,
    named_summary,
)
from crisis_screen.segment import (
    MAX_EVIDENCE,
    Layout,
    candidate_pieces,
    heading_table,
)
from crisis_screen.zones import ZoneKeeper

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from spacy.language import Language
    from spacy.tokens import Doc

    from crisis_screen.extract import ExtractionLimits

#: What ``screen_many`` accepts: plain text, ``(source, text)`` pairs or Documents.
#: Resumes whose candidate lines are tokenised together (one ``nlp.pipe`` call when used).
BATCH_SIZE = 256
#: Candidate lines that go through each stage together (their docs are alive at once).
LINE_WINDOW = 256


@dataclass(frozen=True)
class ScreenerConfig:
    """Everything needed to build an equal Screener in another process (picklable).

    Attributes:
        lexicon: Lexicon file/directory paths; empty means the shipped lexicon.
        overlays: Overlay paths.
        threshold: Resume threshold.
        model: Name of an installed spaCy pipeline, or None for the blank pipeline.
        reference_date: The date recency is read against (None: the day of screening).
    """

    lexicon: tuple[str, ...] = ()
    overlays: tuple[str, ...] = ()
    threshold: float = DEFAULT_THRESHOLD
    model: str | None = None
    reference_date: date | None = None

    def build(self) -> Screener:
        """Build the screener this config describes."""
        return Screener(
            list(self.lexicon) or None,
            overlays=self.overlays,
            threshold=self.threshold,
            model=self.model,
            reference_date=self.reference_date,
        )


@dataclass
class _Pending:
    document: Document
    layout: Layout | None
    candidates: list[int]
    anchors: list[int]  # the gate's anchor offsets: pieces of long lines without one go


def _check_time(limit: tuple[float, float] | None, source: str) -> None:
    """Raise when screening passed its deadline (``limit``: monotonic deadline, seconds)."""
    if limit is not None and time.monotonic() > limit[0]:
        raise TimeLimitExceededError(source, f"screening exceeded the time limit of {limit[1]:g} s")


class Screener:
    """Screens resume text for the skill and explains every decision.

    Build one and reuse it: construction loads the lexicon and builds the matchers (about a
    second); screening is fast.

    Thread-safe: one Screener may serve many threads at once (a web server's workers) and
    gives each the same results as screening one resume at a time; its only state changed by
    screening is idempotent caching (typo decisions, spaCy's vocabulary). From asyncio code,
    await :meth:`ascreen_text`, :meth:`ascreen_bytes` or :meth:`ascreen_many`, which screen in
    a worker thread so the event loop keeps serving.

    Example:
        >>> from crisis_screen import Screener
        >>> screener = Screener.default()
        >>> result = screener.screen_text("Completed 40-hour CIT training")
        >>> result.flagged
        True
    """

    def __init__(
        self,
        lexicon: Lexicon | str | Path | Sequence[str | Path] | None = None,
        *,
        overlays: Sequence[str | Path] = (),
        threshold: float = DEFAULT_THRESHOLD,
        model: str | None = None,
        nlp: Language | None = None,
        reference_date: date | None = None,
    ) -> None:
        """Build a screener.

        Args:
            lexicon: A loaded :class:`Lexicon`, or lexicon file/directory path(s); ``None``
                uses the shipped lexicon.
            overlays: Overlay lexicon files extending the loaded skills.
            threshold: Resume score (0-100) at or above which a resume is flagged.
            model: Name of an installed spaCy pipeline to tokenise with (optional).
            nlp: A ready spaCy pipeline to use instead (advanced; overrides ``model``).
            reference_date: The date "Present" and recency are read against; None means the
                day each resume is screened. It is recorded in ``summary.reference_date``.

        Raises:
            LexiconError: When the lexicon is invalid.
            CrisisScreenError: When ``model`` is not installed.
            ValueError: When ``threshold`` is outside 0-100.
        """
        if not 0.0 <= threshold <= 100.0:
            raise ValueError(f"threshold must be between 0 and 100, got {threshold}")
        if isinstance(lexicon, Lexicon):
            if overlays:
                raise ValueError("overlays apply when loading; pass paths, not a Lexicon")
            self.lexicon = lexicon
            self.config: ScreenerConfig | None = None
        else:
            self.lexicon = load_lexicon(lexicon, overlays=overlays)
            paths = [lexicon] if isinstance(lexicon, (str, Path)) else list(lexicon or [])
            self.config = ScreenerConfig(
                lexicon=tuple(str(p) for p in paths),
                overlays=tuple(str(p) for p in overlays),
                threshold=float(threshold),
                model=model if nlp is None else None,
                reference_date=reference_date,
            )
        self.threshold = float(threshold)
        self.reference_date = reference_date
        # Results of resumes without evidence, by reference date (see _empty_result).
        self._empty: dict[str, tuple[float, Summary, dict[str, SkillResult]]] = {}
        self.nlp = nlp if nlp is not None else build_nlp(model)
        # Words of screened lines are freed between batches (flat memory over millions of
        # resumes), but only in a pipeline this screener owns: a caller's may have zones of its
        # own, and zones must not nest.
        self._zones = ZoneKeeper(self.nlp) if nlp is None else None
        self.terms = TermMatcher(self.lexicon, self.nlp)
        self.cues = CueFinder(self.lexicon, self.nlp)
        self._line_judge = LineJudge(self.lexicon, self.cues)
        self._headings = heading_table(self.lexicon.sections)
        self._skill_titles = {
            skill: {c.id for c in concepts.values() if c.kind == "title"}
            for skill, concepts in self.lexicon.skill_concepts.items()
        }
        self._titles = set().union(*self._skill_titles.values())
        self._kind_order = self.lexicon.evidence_kinds
        self.versions = Versions(
            library=__version__, lexicon=self.lexicon.version, scoring=SCORING_VERSION
        )

    @classmethod
    def default(cls, *, threshold: float = DEFAULT_THRESHOLD) -> Screener:
        """Return a screener with the shipped lexicon and the blank English pipeline."""
        return cls(threshold=threshold)

    # -- public screening API -------------------------------------------------------------

    def screen_text(self, text: str, source: str | None = None) -> ScreenResult:
        """Screen one resume's text.

        Args:
            text: The resume text.
            source: A label for the result (file name, candidate id).

        Returns:
            The result, with every hit as evidence.
        """
        if not isinstance(text, str):
            raise TypeError(wrong_type("screen_text", text))
        if source is not None and not isinstance(source, str):
            raise TypeError(f"screen_text: source must be str or None, not {type(source).__name__}")
        return self.screen_document(Document(text=text, source=source or "<text>"))

    def screen_document(
        self, document: Document, *, time_limit: float | None = None
    ) -> ScreenResult:
        """Screen an extracted :class:`~crisis_screen.models.Document`.

        Args:
            document: The document.
            time_limit: Seconds screening may take (checked between lines); None: no limit.

        Raises:
            TimeLimitExceededError: Screening ran past ``time_limit``.
        """
        if not isinstance(document, Document):
            raise TypeError(f"screen_document expects a Document, not {type(document).__name__}")
        return self.screen_documents([document], time_limit=time_limit)[0]

    def screen_documents(
        self, documents: Sequence[Document], *, time_limit: float | None = None
    ) -> list[ScreenResult]:
        """Screen documents together, as one batch of :meth:`screen_many`.

        Each stage runs over all of them before the next starts: for many small resumes
        about 0.7 times the time of one :meth:`screen_document` call each. The results are
        those of screening each alone.

        Args:
            documents: The documents, each a :class:`~crisis_screen.models.Document`.
            time_limit: Seconds the whole batch may take (checked between lines); None: no
                limit.

        Returns:
            One result per document, in order.

        Raises:
            TimeLimitExceededError: The batch ran past ``time_limit``. It names the document
                being screened at that moment, which need not be the slow one: screen each
                alone to find out.
        """
        docs: list[Document] = []
        for n, document in enumerate(documents, 1):
            if not isinstance(document, Document):
                raise TypeError(
                    f"screen_documents expects Documents, not {type(document).__name__}"
                )
            docs.append(as_document(document, n))
        limit = None if time_limit is None else (time.monotonic() + time_limit, time_limit)
        return self._run_batch(docs, limit)

    def screen_file(
        self, path: str | Path, *, limits: ExtractionLimits | None = None
    ) -> ScreenResult:
        """Read a resume file (PDF, DOCX, HTML, RTF, text, JSON Resume) and screen it.

        Args:
            path: The file.
            limits: Safety limits for reading; the documented defaults when None.

        Raises:
            ExtractionError: A subclass naming the file and the problem.
        """
        from crisis_screen.extract import read_document

        return self.screen_document(read_document(path, limits=limits))

    def screen_bytes(
        self, data: bytes, filename: str, *, limits: ExtractionLimits | None = None
    ) -> ScreenResult:
        """Screen a resume file held in memory (the format is detected from the content).

        Args:
            data: The file's bytes.
            filename: Its name, used as the result's source and as a format hint.
            limits: Safety limits for reading.

        Raises:
            ExtractionError: A subclass naming the file and the problem.
        """
        from crisis_screen.extract import read_bytes

        return self.screen_document(read_bytes(data, filename=filename, limits=limits))

    def screen_many(
        self, items: Iterable[ScreenInput], *, batch_size: int = BATCH_SIZE
    ) -> Iterator[ScreenResult]:
        """Screen many resumes, streaming results in input order.

        Args:
            items: Texts, ``(source, text)`` pairs or Documents; consumed lazily.
            batch_size: Resumes whose candidate lines are tokenised together.

        Yields:
            One result per input, in order.
        """
        it = iter(items)
        counter = itertools.count(1)
        while batch := list(itertools.islice(it, batch_size)):
            yield from self._run_batch([as_document(x, next(counter)) for x in batch])

    def _run_batch(
        self, docs: list[Document], limit: tuple[float, float] | None = None
    ) -> list[ScreenResult]:
        if self._zones is None:
            return list(self._screen_batch(docs, limit))
        # The whole batch inside the zone: spaCy's docs must not outlive it, and a consumer
        # pausing between results must not keep it from being freed.
        with self._zones.hold():
            return list(self._screen_batch(docs, limit))

    # -- asyncio: the same calls, run off the event loop (crisis_screen.aio) ----------------

    async def ascreen_text(
        self, text: str, source: str | None = None, *, executor: Executor | None = None
    ) -> ScreenResult:
        """:meth:`screen_text` in a worker thread (or ``executor``), for async handlers."""
        from crisis_screen.aio import run_off_loop

        return await run_off_loop(self.screen_text, text, source, executor=executor)

    async def ascreen_bytes(
        self,
        data: bytes,
        filename: str,
        *,
        limits: ExtractionLimits | None = None,
        executor: Executor | None = None,
    ) -> ScreenResult:
        """:meth:`screen_bytes` (an uploaded file) in a worker thread (or ``executor``).

        Raises:
            ExtractionError: A subclass naming the file and the problem.
        """
        from crisis_screen.aio import run_off_loop

        screen = functools.partial(self.screen_bytes, limits=limits)
        return await run_off_loop(screen, data, filename, executor=executor)

    async def ascreen_many(
        self, items: Iterable[ScreenInput], *, executor: Executor | None = None
    ) -> list[ScreenResult]:
        """:meth:`screen_many` in one worker thread (or ``executor``); results in input order."""
        from crisis_screen.aio import run_off_loop

        return await run_off_loop(lambda: list(self.screen_many(items)), executor=executor)

    # -- stages ----------------------------------------------------------------------------

    def _screen_batch(
        self, documents: Sequence[Document], limit: tuple[float, float] | None = None
    ) -> Iterator[ScreenResult]:
        # Each stage runs over many resumes or lines before the next starts, so that its code
        # and tables stay in the processor's caches: the gate's automaton, the tokenizer, the
        # term matchers and the cue tables push each other out when one resume or line goes
        # through all of them in turn (measured: about 1.1x the rate, same results).
        anchors = [self.terms.gate.positions(d.text) for d in documents]
        pending = [self._prepare(d, a) for d, a in zip(documents, anchors, strict=True)]
        # Candidate lines, an over-long one in pieces (time and memory stay linear in it).
        lines = [
            (i, x)
            for i, p in enumerate(pending)
            if p.layout is not None
            for x in candidate_pieces(p.layout, p.candidates, p.anchors, p.document.text)
        ]
        evidence: list[list[Evidence]] = [[] for _ in pending]
        hit_counts = [0] * len(pending)
        # Lines a window at a time: their docs are alive together, so memory stays bounded
        # however many pieces a huge resume has.
        for w in range(0, len(lines), LINE_WINDOW):
            window = lines[w : w + LINE_WINDOW]
            texts = [pending[i].document.text for i, _ in window]
            # The tokenizer sees normalised lines; offsets are mapped back to the original.
            norms = [
                self.terms.normalize(t[x.start : x.end])
                for t, (_, x) in zip(texts, window, strict=True)
            ]
            docs: list[Doc] = []
            for (i, _), doc in zip(window, self._tokenize([n.text for n in norms]), strict=True):
                # A line of words never seen costs a new lexeme each: a window of such lines
                # can take a second to tokenise, so the time limit is checked line by line
                # here too (a limit of 0.5 s was overrun by 0.4 s without this).
                _check_time(limit, pending[i].document.source)
                docs.append(doc)
            words = [line_words(n.text) for n in norms]
            hits: list[list[Hit]] = []
            for (i, _), doc, ws, norm in zip(window, docs, words, norms, strict=True):
                _check_time(limit, pending[i].document.source)
                # A bound on one resume's cost (skill terms repeated for megabytes): past
                # MAX_EVIDENCE (a piece of evidence per hit) its other lines are not judged.
                found = self.terms.find(doc, ws, norm.text) if hit_counts[i] < MAX_EVIDENCE else []
                hit_counts[i] += len(found)
                hits.append(found)
            cues = [
                self.cues.find(d, ws) if h else []
                for d, ws, h in zip(docs, words, hits, strict=True)
            ]
            for (i, line), norm, doc, h, c in zip(window, norms, docs, hits, cues, strict=True):
                if h:
                    _check_time(limit, pending[i].document.source)
                    found_ev = self._line_judge(pending[i].document, line, norm, doc, h, c)
                    evidence[i].extend(found_ev[: MAX_EVIDENCE - len(evidence[i])])
        for p, found_ev in zip(pending, evidence, strict=True):
            yield self._result(p.document, found_ev, p.layout)

    def _result(
        self, document: Document, evidence: list[Evidence], layout: Layout | None
    ) -> ScreenResult:
        """Score the evidence once per skill (and once overall when there are several)."""
        reference = self.reference_date or date.today()
        found: list[list[Position]] = []

        def positions() -> list[Position]:
            # Dates are read once, and only for a resume whose practice lines need them (most
            # have none); the layout's headings end positions ("Education" is no job line).
            if not found:
                found.append(find_positions(document.text, reference, layout=layout))
            return found[0]

        if not evidence:
            # Most resumes: nothing found. Their per-skill results are equal and frozen.
            score, summary, empty_skills = self._empty_result(reference.isoformat())
            return trusted(
                ScreenResult,
                source=document.source,
                score=score,
                flagged=False,
                threshold=self.threshold,
                evidence=(),
                summary=summary,
                skills=empty_skills,
                versions=self.versions,
            )
        skills: dict[str, SkillResult] = {}
        for info in self.lexicon.skills:
            mine = [e for e in evidence if e.skill == info.id]
            score, summary = aggregate(
                mine,
                self._skill_titles[info.id],
                self._kind_order,
                positions=positions,
                reference_date=reference,
            )
            skills[info.id] = trusted(
                SkillResult,
                skill=info.id,
                name=info.name,
                score=score,
                flagged=self._flagged(score),
                summary=named_summary(summary, mine),
            )
        if len(skills) == 1:
            only = next(iter(skills.values()))
            score, summary = only.score, only.summary
        else:
            score, summary = aggregate(
                evidence,
                self._titles,
                self._kind_order,
                positions=positions,
                reference_date=reference,
            )
            summary = named_summary(summary, evidence)
        return trusted(
            ScreenResult,
            source=document.source,
            score=score,
            flagged=self._flagged(score),
            threshold=self.threshold,
            evidence=tuple(evidence),
            summary=summary,
            skills=skills,
            versions=self.versions,
        )

    def _empty_result(self, reference: str) -> tuple[float, Summary, dict[str, SkillResult]]:
        """Score, summary and per-skill results of a resume without evidence (cached)."""
        cached = self._empty.get(reference)
        if cached is None:
            day = date.fromisoformat(reference)
            score, summary = aggregate((), set(), reference_date=day)
            empty = {"score": score, "flagged": False, "summary": summary}  # frozen: shared
            skills = {
                i.id: trusted(SkillResult, skill=i.id, name=i.name, **empty)
                for i in self.lexicon.skills
            }
            cached = self._empty[reference] = (score, summary, skills)
        # A shallow copy: a caller may add to the dict; the results in it are frozen.
        return cached[0], cached[1], dict(cached[2])

    def _flagged(self, score: float) -> bool:
        return score >= self.threshold and score > 0.0

    def _tokenize(self, texts: list[str]) -> Iterable[Doc]:
        """Tokenise candidate lines: ``nlp.pipe`` when the pipeline has components.

        With no enabled component (the blank default) ``nlp.pipe`` only calls the tokenizer, but
        through generator and batching layers that cost about 4x the tokenising itself
        (measured: 36 vs 9 microseconds per resume), so the tokenizer is called directly.
        """
        if self.nlp.pipeline:
            return self.nlp.pipe(texts)
        return map(self.nlp.make_doc, texts)

    def _prepare(self, document: Document, positions: list[int]) -> _Pending:
        """Pick a document's candidate lines (the only ones tokenised), segmenting if needed.

        ``positions``: the gate's anchor offsets in the document's text.
        """
        if not positions:
            # Most resumes hold no anchor at all: no segmentation, no tokenising.
            return _Pending(document, None, [], [])
        layout = Layout(
            document.text,
            self._headings,
            known_sections=document.sections,
            page_starts=document.page_starts,
        )
        return _Pending(document, layout, lines_of(positions, layout.starts), positions)
