"""The evidence stage: one line's term hits, read in their context, become Evidence.

For each hit: the cues that change it (negation, aspiration, support, evidence kinds), the
line's shape (a keyword block, a bare term, a list), the section and page, and the verdict of
:func:`crisis_screen.scoring.judge`. The screener finds the hits and cues of a whole batch of
lines first, then calls a :class:`LineJudge` line by line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisis_screen.context import CueFinder, CueMatch, hit_effects, voided_cues
from crisis_screen.models import Document, Evidence, Quantities, trusted
from crisis_screen.quantities import read_quantities
from crisis_screen.scoring import PRACTICE_CATEGORY, WITHHELD, LineShape, apply_ocr, judge
from crisis_screen.segment import Line, is_keyword_block, is_list_line, is_term_only

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from crisis_screen.lexicon import Lexicon
    from crisis_screen.matchers import Hit
    from crisis_screen.normalize import NormalizedLine

__all__ = ["LineJudge"]


class LineJudge:
    """Turns the term hits of a line into evidence (built once per screener).

    Attributes:
        lexicon: The lexicon the hits came from.
        cues: The cue finder whose cues are passed in (its rules void and scope them).
    """

    def __init__(self, lexicon: Lexicon, cues: CueFinder) -> None:
        """Keep the lexicon's tables the verdicts need.

        Args:
            lexicon: The validated lexicon.
            cues: The screener's cue finder.
        """
        self.lexicon = lexicon
        self.cues = cues
        self._kind_order = lexicon.evidence_kinds
        self._list_shape = lexicon.list_shape

    def __call__(
        self,
        document: Document,
        line: Line,
        norm: NormalizedLine,
        doc: Doc,
        hits: list[Hit],
        cues: list[CueMatch],
    ) -> list[Evidence]:
        """Apply context to one line's term hits and score each (one Evidence per hit).

        Args:
            document: The document the line is from.
            line: The line (or piece of a long line) in the document.
            norm: The line normalised for matching, with offsets back to the original.
            doc: The tokenised normalised line.
            hits: The term hits on ``doc``.
            cues: The context cues on ``doc``.
        """
        line_text = norm.original
        list_line = is_list_line(line_text, self._list_shape)
        cue_spans = {id(m): norm.span(m.start_char, m.end_char) for m in cues}
        cue_text = {k: line_text[a:b] for k, (a, b) in cue_spans.items()}
        cue_offsets = {k: (line.start + a, line.start + b) for k, (a, b) in cue_spans.items()}
        quantities = read_quantities(doc, cues)
        # Term spans in the original line's characters (the doc holds the normalised line).
        spans = [
            norm.span(doc[h.start].idx, doc[h.end - 1].idx + len(doc[h.end - 1])) for h in hits
        ]
        # Cues such as "completed" make a short run of terms a sentence, not a keyword block.
        kind_cues = [cue_spans[id(m)] for m in cues if m.cue.category in self._kind_order]
        shape: LineShape | None = None
        if is_keyword_block(line_text, spans, kind_cues):
            shape = "keyword_block"
        elif not any(m.cue.category == PRACTICE_CATEGORY for m in cues) and is_term_only(
            line_text, spans
        ):
            # A described act may be one whole pattern term ("talked a man off a ledge"). The
            # cue test first: it is the cheaper of the two.
            shape = "term_only"
        voided = voided_cues(self.cues, doc, cues)
        return [
            self._evidence(
                document,
                line,
                norm,
                doc,
                hit,
                span,
                cues,
                list_line,
                cue_text,
                cue_offsets,
                quantities,
                shape,
                voided,
            )
            for hit, span in zip(hits, spans, strict=True)
        ]

    def _evidence(
        self,
        document: Document,
        line: Line,
        norm: NormalizedLine,
        doc: Doc,
        hit: Hit,
        span: tuple[int, int],
        cues: list[CueMatch],
        list_line: bool,
        cue_text: dict[int, str],
        cue_offsets: dict[int, tuple[int, int]],
        quantities: Quantities,
        shape: LineShape | None = None,
        voided: frozenset[int] = frozenset(),
    ) -> Evidence:
        concept = self.lexicon.concept(hit.skill, hit.concept)
        group = concept.terms[hit.group]
        verdict = judge(
            method=hit.method,
            similarity=hit.similarity,
            weight=concept.weight * group.weight,
            is_title=concept.kind == "title",
            requires=group.requires,
            effects=hit_effects(self.cues, doc, hit, cues),
            section=line.section,
            section_support=self.lexicon.section_support.get(line.section, frozenset()),
            list_line=list_line,
            cue_text=cue_text,
            cue_offsets=cue_offsets,
            quantities=quantities,
            kind_order=self._kind_order,
            line_shape=shape,
            voided_cues=voided,
        )
        if document.ocr and line.page in document.ocr_pages:
            verdict = apply_ocr(verdict)
        # ``span``: the hit's characters in the original line, from _line_evidence.
        start, end = line.start + span[0], line.start + span[1]
        # The candidate's own health history is never quoted: offsets stay for an auditor with
        # the document, the words do not travel into reports, logs or stores.
        withheld = verdict.withheld
        return trusted(
            Evidence,
            line_no=line.no,
            line=WITHHELD if withheld else norm.original,
            start=start,
            end=end,
            text=WITHHELD if withheld else document.text[start:end],
            concept=hit.concept,
            skill=hit.skill,
            concept_name=concept.name,
            term=hit.term,
            method=hit.method,
            similarity=hit.similarity,
            section=line.section,
            page=line.page,
            kinds=verdict.kinds,
            quantities=verdict.quantities,
            base=verdict.base,
            confidence=verdict.confidence,
            counted=verdict.counted,
            adjustments=tuple(verdict.adjustments),
        )
