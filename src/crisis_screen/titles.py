"""Normalise job titles to the skill's title concept.

Three steps, all driven by data:

1. Abbreviations are expanded word by word from ``lexicon/<skill>/titles.toml``
   ("CIT Ofc." -> "CIT Officer", "MH Crisis Int. Spec." -> "Mental Health Crisis Intervention
   Specialist").
2. The expanded title is screened with the lexicon, so the title concept's phrases, token
   patterns, typo tolerance and context cues apply exactly as in a resume.
3. Failing that, it is compared with the title concept's phrases with rapidfuzz
   (``token_sort_ratio``, default processor, the file's ``min_similarity`` as cutoff).

Example:
    >>> from crisis_screen.titles import normalize_title
    >>> normalize_title("CIT Ofc.").is_skill_title
    True
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crisis_screen.errors import LexiconError
from crisis_screen.lexicon import default_skill_dir, read_toml

if TYPE_CHECKING:
    from crisis_screen.screener import Screener

#: File name of the shipped title data inside the lexicon directory.
DEFAULT_TITLES_FILE = "titles.toml"

#: How a title matched: a screener match method, ``rapidfuzz`` (step 3) or ``none``.
TitleMethod = Literal["exact", "pattern", "lemma", "abbreviation", "fuzzy", "rapidfuzz", "none"]

# A word of a title, with inner dots, apostrophes and hyphens ("C.I.T.", "Co-Resp.", "Ofc.").
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.'&-]*")
_KEY = re.compile(r"^[a-z][a-z0-9.'&-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TitlesInfo(_Strict):
    """Which concept titles are normalised to, and how close a fuzzy match must be."""

    skill: str
    concept: str = Field(description="Id of the lexicon's title concept (kind = 'title').")
    version: str
    min_similarity: float = Field(default=84.0, ge=0.0, le=100.0)


class TitlesFile(_Strict):
    """The format of a ``<skill>/titles.toml`` file."""

    titles: TitlesInfo
    expansions: dict[str, str] = Field(default_factory=dict)


class TitleMatch(BaseModel):
    """The result of normalising one job title.

    Attributes:
        input: The title as given.
        expanded: The title with abbreviations expanded.
        canonical: The lexicon title it matched (display case), or None.
        concept: The title concept id when it matched, else None.
        similarity: 0-100: 100 for an exact lexicon match, the rapidfuzz ratio otherwise (for
            a non-match, the ratio of the nearest title phrase).
        is_skill_title: True when the title is a title of the skill.
        method: How it matched.
        skill_title: The skill's canonical title, when it matched.
        related_concepts: Other skill concepts named in the title ("Crisis Negotiator").
        reason: One line saying why.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: str
    expanded: str
    canonical: str | None = None
    concept: str | None = None
    similarity: float = Field(ge=0.0, le=100.0)
    is_skill_title: bool
    method: TitleMethod
    skill_title: str | None = None
    related_concepts: tuple[str, ...] = ()
    reason: str


def load_titles_file(path: str | Path) -> TitlesFile:
    """Read and validate a title normalisation file.

    Raises:
        LexiconError: With every problem found, each naming the file and the entry.
    """
    p = Path(path)
    raw = read_toml(p)
    problems: list[str] = []
    try:
        data = TitlesFile.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{p}: {where}: {msg}")
        raise LexiconError(problems) from None
    for key, value in data.expansions.items():
        if not _KEY.match(key) or key.endswith("."):
            problems.append(
                f"{p}: expansions.{key!r}: key must be one lower-case word without a trailing dot"
            )
        if not value.strip() or value != value.strip():
            problems.append(f"{p}: expansions.{key!r}: expansion is empty or has stray spaces")
    if problems:
        raise LexiconError(problems)
    return data


class TitleNormalizer:
    """Expands and matches job titles; build once, reuse (it holds a screener).

    Attributes:
        data: The title normalisation data.
        phrases: The title concept's phrases (rapidfuzz choices), lower case.
    """

    def __init__(self, data: TitlesFile, screener: Screener | None = None) -> None:
        """Build a normaliser.

        Args:
            data: Validated title data.
            screener: The screener whose lexicon holds the title concept; the shipped
                lexicon's when None.

        Raises:
            LexiconError: When the lexicon has no title concept of that id.
        """
        if screener is None:
            from crisis_screen.screener import Screener

            screener = Screener.default()
        self.data = data
        self.screener = screener
        concept = screener.lexicon.concepts.get(data.titles.concept)
        if concept is None or concept.kind != "title":
            raise LexiconError(
                [f"titles: concept {data.titles.concept!r} is not a title concept of the lexicon"]
            )
        self._name = concept.name
        self.phrases: tuple[str, ...] = tuple(
            dict.fromkeys(t.lower() for g in concept.terms for t in [*g.phrases, *g.lemmas])
        )
        skill = next((s for s in screener.lexicon.skills if s.id == data.titles.skill), None)
        self._skill_title = skill.canonical_title if skill is not None else None

    @classmethod
    def default(cls) -> TitleNormalizer:
        """Return the normaliser of the shipped data (built once per process)."""
        global _DEFAULT
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = cls(load_titles_file(default_skill_dir() / DEFAULT_TITLES_FILE))
            return _DEFAULT

    def expand(self, title: str) -> str:
        """Expand abbreviations word by word; other words are kept as written."""
        table = self.data.expansions

        def repl(m: re.Match[str]) -> str:
            word = m.group(0)
            return table.get(word.lower().rstrip("."), word)

        return " ".join(_WORD.sub(repl, title).split())

    def normalize(self, title: str) -> TitleMatch:
        """Normalise one job title.

        Args:
            title: The title as written ("CIT Ofc.", "Crisis Int. Spec. II").

        Returns:
            The match, with how it was found and its similarity.
        """
        expanded = self.expand(title)
        if not expanded:
            return TitleMatch(
                input=title,
                expanded=expanded,
                similarity=0.0,
                is_skill_title=False,
                method="none",
                reason="empty title",
            )
        result = self.screener.screen_text(expanded, source="<title>")
        cid = self.data.titles.concept
        related = tuple(
            dict.fromkeys(e.concept for e in result.evidence if e.counted and e.concept != cid)
        )
        hits = [e for e in result.evidence if e.concept == cid]
        counted = [e for e in hits if e.counted]
        if counted:
            best = max(counted, key=lambda e: (e.confidence, e.end - e.start))
            # Token-pattern hits have no lexicon phrase ("CIT Officer"): show the matched text.
            term = best.term if best.term.lower() in self.phrases else best.text
            return TitleMatch(
                input=title,
                expanded=expanded,
                canonical=_display(term),
                concept=cid,
                similarity=best.similarity,
                is_skill_title=True,
                method=best.method,
                skill_title=self._skill_title,
                related_concepts=related,
                reason=f"{self._name}: {best.text!r} matched {best.term!r} ({best.method})",
            )
        if hits:
            # The lexicon found the title but its context voids it (e.g. out-of-domain): trust
            # that rather than a fuzzy score.
            why = "; ".join(a.reason for e in hits for a in e.adjustments if a.factor == 0.0)
            return TitleMatch(
                input=title,
                expanded=expanded,
                similarity=hits[0].similarity,
                is_skill_title=False,
                method="none",
                related_concepts=related,
                reason=f"title term {hits[0].text!r} found but not counted: {why}",
            )
        return self._fuzzy(title, expanded, related)

    def _fuzzy(self, title: str, expanded: str, related: tuple[str, ...]) -> TitleMatch:
        from rapidfuzz import fuzz, process, utils

        cutoff = self.data.titles.min_similarity
        nearest = process.extractOne(
            expanded,
            self.phrases,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            score_cutoff=0.0,
        )
        if nearest is None:
            return TitleMatch(
                input=title,
                expanded=expanded,
                similarity=0.0,
                is_skill_title=False,
                method="none",
                related_concepts=related,
                reason="no title phrases to compare",
            )
        phrase, score, _ = nearest
        score = round(float(score), 1)
        if score >= cutoff:
            return TitleMatch(
                input=title,
                expanded=expanded,
                canonical=_display(phrase),
                concept=self.data.titles.concept,
                similarity=score,
                is_skill_title=True,
                method="rapidfuzz",
                skill_title=self._skill_title,
                related_concepts=related,
                reason=f"close to {phrase!r} (token_sort_ratio {score:g} >= {cutoff:g})",
            )
        return TitleMatch(
            input=title,
            expanded=expanded,
            similarity=score,
            is_skill_title=False,
            method="none",
            related_concepts=related,
            reason=f"no title term; nearest {phrase!r} scores {score:g} < {cutoff:g}",
        )


_DEFAULT: TitleNormalizer | None = None
_DEFAULT_LOCK = threading.Lock()


def _display(term: str) -> str:
    """Capitalise lower-case words for display ("crisis counselor" -> "Crisis Counselor")."""
    return " ".join(w[:1].upper() + w[1:] if w.islower() else w for w in term.split())


def normalize_title(title: str, normalizer: TitleNormalizer | None = None) -> TitleMatch:
    """Normalise one job title with the shipped data (or the given normaliser).

    Args:
        title: The title as written.
        normalizer: A prepared normaliser; the shipped one when None.

    Returns:
        The match.
    """
    return (normalizer or TitleNormalizer.default()).normalize(title)
