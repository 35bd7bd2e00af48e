"""The ``crisis_screen`` spaCy pipeline component.

After ``pip install crisis_screen``, any spaCy pipeline can screen for the skill without
importing crisis_screen::

    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("crisis_screen", config={"threshold": 30})
    doc = nlp("Completed 40-hour CIT training")
    doc._.crisis_screen.flagged                    # the whole ScreenResult
    [(s.text, s.label_, s._.crisis_counted) for s in doc.spans["crisis_screen"]]

spaCy finds the factory through the ``spacy_factories`` entry point declared in
``pyproject.toml`` and imports this module when a ``Language`` is created. So the module does
only what registering needs: no Screener, lexicon or pydantic is loaded until a component is
made, and the extension attributes are registered by the factory, not at import.

Stored values are plain strings, numbers and booleans (the result as its JSON), so docs
annotated by the component survive ``Doc.to_bytes``, ``DocBin`` and ``nlp.pipe(n_process=2)``,
which serialise ``doc.user_data`` with msgpack.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache, partial
from itertools import islice
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.tokens import Doc, Span

if TYPE_CHECKING:
    from crisis_screen.models import ScreenResult
    from crisis_screen.screener import Screener

#: The factory name (``nlp.add_pipe(FACTORY)``) and the default span-group key.
FACTORY = "crisis_screen"
#: ``doc._.crisis_screen``: the ScreenResult of the document.
DOC_ATTR = "crisis_screen"
#: Span extensions set on every span of the group.
SPAN_ATTRS = ("crisis_concept", "crisis_method", "crisis_confidence", "crisis_counted")
#: Where the result's JSON is kept in ``doc.user_data`` (msgpack-serialisable, unlike a model).
_RESULT_KEY = "crisis_screen.result_json"
#: Docs screened together by :meth:`CrisisScreenComponent.pipe` (one ``screen_many`` batch).
DEFAULT_BATCH_SIZE = 256


@lru_cache(maxsize=1024)
def _parse_result(data: str) -> ScreenResult:
    # Frozen model: one parsed object may be shared by every doc with the same JSON, and
    # repeated ``doc._.crisis_screen`` reads do not re-parse.
    from crisis_screen.models import ScreenResult

    return ScreenResult.model_validate_json(data)


def _get_result(doc: Doc) -> ScreenResult | None:
    data = doc.user_data.get(_RESULT_KEY)
    return _parse_result(data) if isinstance(data, str) else None


def _set_result(doc: Doc, result: ScreenResult | None) -> None:
    if result is None:
        doc.user_data.pop(_RESULT_KEY, None)
    else:
        doc.user_data[_RESULT_KEY] = result.model_dump_json()


def register_extensions() -> None:
    """Register ``doc._.crisis_screen`` and the ``span._.crisis_*`` attributes.

    Called by the factory; safe to call again (``force=True`` replaces an earlier
    registration with the same definition, e.g. after a module reload).
    """
    Doc.set_extension(DOC_ATTR, getter=_get_result, setter=_set_result, force=True)
    for attr in SPAN_ATTRS:
        Span.set_extension(attr, default=None, force=True)


class CrisisScreenComponent:
    """Screens ``doc.text`` and stores the evidence as spans and the result on the doc.

    Sets ``doc.spans[spans_key]`` (one span per evidence item, label = concept id, with
    ``span._.crisis_concept`` (concept name), ``crisis_method``, ``crisis_confidence`` and
    ``crisis_counted``) and ``doc._.crisis_screen`` (the
    :class:`~crisis_screen.models.ScreenResult`). Evidence offsets are character offsets into
    ``doc.text``; each becomes the smallest token span covering it
    (``alignment_mode="expand"``), whatever tokenizer the pipeline uses.

    The component builds its own :class:`~crisis_screen.screener.Screener` once and does not
    depend on the pipeline's other components, so it can stand anywhere in the pipeline.
    Two crisis_screen components in one pipeline (say, two lexicons) need different
    ``spans_key`` values; ``doc._.crisis_screen`` holds the result of the last one that ran.
    """

    def __init__(
        self,
        name: str = FACTORY,
        *,
        lexicon: Sequence[str] = (),
        overlays: Sequence[str] = (),
        threshold: float | None = None,
        spans_key: str = FACTORY,
        counted_only: bool = False,
        screener: Screener | None = None,
    ) -> None:
        """Build the component and its screener.

        Args:
            name: The component's name in the pipeline.
            lexicon: Lexicon file/folder paths; empty uses the shipped lexicon.
            overlays: Overlay lexicon files extending the loaded skills.
            threshold: Resume score (0-100) at or above which a doc is flagged; None keeps the
                library default.
            spans_key: Key of the span group in ``doc.spans``.
            counted_only: Put only counted evidence in the span group (the result keeps all).
            screener: A ready screener to use instead of building one (for tests and
                programs that already hold one).

        Raises:
            LexiconError: When the lexicon is invalid.
            ValueError: When ``threshold`` is outside 0-100.
        """
        from crisis_screen.screener import Screener

        self.name = name
        self.spans_key = spans_key
        self.counted_only = counted_only
        self._settings = (tuple(lexicon), tuple(overlays), threshold)
        if screener is None:
            kwargs: dict[str, Any] = {"overlays": list(overlays)}
            if threshold is not None:
                kwargs["threshold"] = threshold
            screener = Screener(list(lexicon) or None, **kwargs)
        self.screener = screener
        self._concept_names = {c.id: c.name for c in screener.lexicon.concepts.values()}
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        """Screen one doc and annotate it."""
        self._annotate(doc, self.screener.screen_text(doc.text, source=_source(doc)))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Doc]:
        """Screen docs in batches through ``Screener.screen_many`` (used by ``nlp.pipe``).

        Args:
            stream: Docs, consumed lazily.
            batch_size: Docs screened together.

        Yields:
            The same docs, annotated, in order.
        """
        it = iter(stream)
        while batch := list(islice(it, max(1, batch_size))):
            results = self.screener.screen_many((_source(d), d.text) for d in batch)
            for doc, result in zip(batch, results, strict=True):
                self._annotate(doc, result)
                yield doc

    def _annotate(self, doc: Doc, result: ScreenResult) -> None:
        spans: list[Span] = []
        for ev in result.evidence:
            if self.counted_only and not ev.counted:
                continue
            span = doc.char_span(ev.start, ev.end, label=ev.concept, alignment_mode="expand")
            if span is None:  # offsets outside doc.text: not produced by screening doc.text
                continue
            span._.crisis_concept = self._concept_names.get(ev.concept, ev.concept)
            span._.crisis_method = ev.method
            span._.crisis_confidence = ev.confidence
            span._.crisis_counted = ev.counted
            spans.append(span)
        doc.spans[self.spans_key] = spans
        doc._.set(DOC_ATTR, result)

    def __reduce__(self) -> tuple[Any, ...]:
        # spaCy pickles the pipeline for nlp.pipe(n_process>1) under "spawn": rebuild from
        # the settings instead of pickling matchers and automata.
        lexicon, overlays, threshold = self._settings
        settings: dict[str, Any] = {
            "lexicon": lexicon,
            "overlays": overlays,
            "threshold": threshold,
            "spans_key": self.spans_key,
            "counted_only": self.counted_only,
        }
        return (partial(CrisisScreenComponent, **settings), (self.name,))


def _source(doc: Doc) -> str:
    # A doc has no file name; let callers label it through user_data, as Doc(user_data=...)
    # and nlp.pipe(as_tuples=True) users commonly do.
    source = doc.user_data.get("source")
    return source if isinstance(source, str) else "<doc>"


@Language.factory(
    FACTORY,
    assigns=["doc.spans", f"doc._.{DOC_ATTR}", *(f"span._.{a}" for a in SPAN_ATTRS)],
    default_config={
        "lexicon": [],
        "overlays": [],
        "threshold": None,
        "spans_key": FACTORY,
        "counted_only": False,
    },
)
def make_component(
    nlp: Language,
    name: str,
    lexicon: list[str],
    overlays: list[str],
    threshold: float | None,
    spans_key: str,
    counted_only: bool,
) -> CrisisScreenComponent:
    """Create the ``crisis_screen`` component (spaCy calls this for ``nlp.add_pipe``).

    Args:
        nlp: The pipeline (unused: the component tokenises with its own screener).
        name: The component's name.
        lexicon: Lexicon file/folder paths; empty uses the shipped lexicon.
        overlays: Overlay lexicon files.
        threshold: Flagging threshold (0-100); None keeps the library default.
        spans_key: Key of the span group in ``doc.spans``.
        counted_only: Only counted evidence in the span group.

    Returns:
        The component.
    """
    return CrisisScreenComponent(
        name,
        lexicon=lexicon,
        overlays=overlays,
        threshold=threshold,
        spans_key=spans_key,
        counted_only=counted_only,
    )
