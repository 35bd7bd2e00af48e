"""The lexicon file format: pydantic models that reject unknown keys, and its JSON Schema.

Two kinds of file share one format. The *common* file (``lexicon/common/context.toml``) holds
what every skill needs: cue categories and their effects, negation, aspiration, other-person and
evidence-kind cues, section headings and keyword-list shapes. A *skill* file
(``lexicon/<skill>/skill.toml``) holds the skill's concepts and its domain cues. An *overlay*
extends a loaded skill.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Pattern = list[dict[str, Any]]

#: What a cue category does to a hit. See :class:`CategorySpec`.
Effect = Literal["void", "support", "evidence", "pseudo", "claim", "withhold"]
#: Section names every lexicon has: ``other`` (a heading not in ``[sections]``) and ``unknown``
#: (before any heading).
BUILTIN_SECTIONS = ("other", "unknown")
#: Numbers an evidence category can read from its cue.
QuantityKind = Literal["hours", "count"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SkillInfo(_Strict):
    """The skill a lexicon file describes."""

    id: str = Field(description="Stable snake_case id of the skill family.")
    name: str
    version: str = Field(description="Version of the lexicon data; reported in every result.")
    description: str = ""
    canonical_title: str | None = Field(
        default=None, description="The typical job title, used to normalise titles."
    )


class CommonInfo(_Strict):
    """Marks the file of context rules shared by every skill."""

    name: str = "common"
    version: str = Field(description="Version of the shared rules; reported in every result.")


class GateSpec(_Strict):
    """Extra anchor substrings of the line pre-filter (anchors are derived from the terms)."""

    anchors: list[str] = Field(
        default_factory=list,
        description="Extra lower-case substrings that make a line a candidate.",
    )
    typo_words: list[str] | None = Field(
        default=None,
        description=(
            "Words distinctive enough for a typo anchor to rest on: a typo-tolerant term's"
            " words up to a misspelt one pass the gate only when they hold one of these"
            " ('mental hea...' for 'mental heath', not 'emergency pro...'). None: every word."
        ),
    )


class SpellingSpec(_Strict):
    """Spelling pairs applied to every phrase."""

    pairs: list[tuple[str, str]] = Field(default_factory=list)


class CategorySpec(_Strict):
    """What cues of one category do: the category's effect, declared as data."""

    effect: Effect = Field(
        description=(
            "void: the hit is voided (kept, with the reason); support: satisfies `requires`;"
            " evidence: marks an evidence kind named after the category; pseudo: cancels the"
            " cues inside it; claim: the terms it introduces are named, not described;"
            " withhold: every hit of the line is voided and its words are never quoted (the"
            " candidate's own health history)."
        )
    )
    description: str = ""
    reason: str | None = Field(
        default=None,
        description=(
            "Adjustment reason of a void or withhold category; {cue} is the cue's text (never"
            " shown for withhold)."
        ),
    )
    terminators: list[str] = Field(
        default_factory=list, description="Tokens or phrases that end the scope of its cues."
    )
    direction: Literal["forward", "backward", "both"] | None = Field(
        default=None, description="Default direction of its cues."
    )
    scope: int | None = Field(default=None, ge=1, description="Default scope of its cues.")
    quantity: QuantityKind | None = Field(
        default=None, description="Evidence categories: number read from the cue."
    )


class ListShape(_Strict):
    """When a line reads as a keyword list rather than a sentence."""

    separators: list[str] = Field(
        default_factory=lambda: [
            ",",
            ";",
            "|",
            "•",
            "·",
            "●",
            "▪",
            "\t",
            " - ",
            " – ",
            " — ",
            " / ",
        ]
    )
    min_items: int = Field(default=4, ge=2)
    max_words_per_item: float = Field(default=3.5, gt=0.0)


class TermGroup(_Strict):
    """Terms of one concept that share matching options."""

    phrases: list[str] = Field(default_factory=list, description="Lower-cased phrase terms.")
    lemmas: list[str] = Field(
        default_factory=list, description="Phrase terms also matched in inflected forms."
    )
    abbreviations: list[str] = Field(
        default_factory=list, description="Case-sensitive whole-token abbreviations."
    )
    patterns: list[Pattern] = Field(
        default_factory=list, description="spaCy Matcher token patterns."
    )
    requires: list[str] = Field(
        default_factory=list,
        description="Support cue categories; one must appear on the line for a hit to count.",
    )
    fuzzy: bool = Field(default=False, description="Allow typo-tolerant matching.")
    weight: float = Field(default=1.0, gt=0.0, le=1.0)


class Concept(_Strict):
    """One concept of the skill, with its terms."""

    id: str
    name: str
    description: str = ""
    kind: Literal["skill", "title"] = "skill"
    weight: float = Field(default=1.0, gt=0.0, le=1.0)
    terms: list[TermGroup]


class Cue(_Strict):
    """A ConText-style context cue."""

    id: str
    category: str = Field(description="A category declared in a [categories] table.")
    literals: list[str] = Field(default_factory=list, description="Lower-case cue phrases.")
    abbreviations: list[str] = Field(
        default_factory=list, description="Case-sensitive cue tokens (e.g. 'IT', 'PR')."
    )
    patterns: list[Pattern] = Field(default_factory=list)
    direction: Literal["forward", "backward", "both"] | None = Field(
        default=None, description="Default: the category's, else both."
    )
    scope: int | None = Field(
        default=None,
        ge=1,
        description="Tokens between cue and hit; none = the category's, else the whole line.",
    )
    applies_to: list[str] | None = Field(
        default=None, description="Concept ids the cue affects; none = all."
    )
    applies_to_methods: (
        list[Literal["exact", "pattern", "lemma", "abbreviation", "fuzzy"]] | None
    ) = Field(
        default=None,
        description="How the hits it affects were matched (an acronym's other sense voids "
        "only abbreviation hits); none = any.",
    )
    terminators: list[str] | None = Field(
        default=None,
        description="Terminators of this cue, replacing those of its category when given.",
    )


class OverlaySpec(_Strict):
    """Marks a file as an overlay that extends a loaded skill."""

    extends: str = Field(description="Id of the skill this overlay extends.")
    name: str = "overlay"
    version: str = "0"


class LexiconFile(_Strict):
    """The format of one lexicon TOML file: common, skill or overlay (exported as JSON Schema)."""

    common: CommonInfo | None = None
    skill: SkillInfo | None = None
    overlay: OverlaySpec | None = None
    gate: GateSpec | None = None
    spelling: SpellingSpec = SpellingSpec()
    categories: dict[str, CategorySpec] = Field(
        default_factory=dict, description="Cue category -> its effect."
    )
    concepts: list[Concept] = Field(default_factory=list)
    cues: list[Cue] = Field(default_factory=list)
    terminators: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Category -> extra terminators (same as [categories.X].terminators).",
    )
    sections: dict[str, list[str]] = Field(
        default_factory=dict, description="Section name -> heading words (common file)."
    )
    section_support: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Section -> support categories a line in that section satisfies.",
    )
    lists: ListShape | None = Field(default=None, description="Keyword-list shape (common file).")


def lexicon_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the lexicon file format."""
    schema = LexiconFile.model_json_schema()
    schema["title"] = "crisis_screen lexicon file"
    return schema
