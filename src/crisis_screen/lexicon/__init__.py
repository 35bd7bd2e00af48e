"""Read, validate and compile lexicons: the common rules plus one or more skills.

A lexicon is human-edited TOML data (``lexicon/common/context.toml`` and
``lexicon/<skill>/skill.toml``). Loading parses each file into pydantic models that reject
unknown keys (:mod:`~crisis_screen.lexicon.schema`), merges them
(:mod:`~crisis_screen.lexicon.compile`) and cross-checks the whole set
(:mod:`~crisis_screen.lexicon.check`): unknown categories, duplicate ids, a term claimed by two
concepts of one skill, malformed abbreviations, fuzzy matching on short terms, invalid token
patterns. Every problem found is reported at once in one
:class:`~crisis_screen.errors.LexiconError`.
"""

from __future__ import annotations

from crisis_screen.errors import LexiconError
from crisis_screen.lexicon.check import MIN_FUZZY_CHARS, check_patterns
from crisis_screen.lexicon.compile import (
    MENTION_KIND,
    TITLE_KIND,
    CueRule,
    Lexicon,
    TermEntry,
)
from crisis_screen.lexicon.load import (
    compile_lexicon,
    default_common_file,
    default_lexicon_dir,
    default_skill_dir,
    lexicon_files,
    load_common,
    load_lexicon,
    read_lexicon_file,
    read_toml,
    resolve_path,
)
from crisis_screen.lexicon.schema import (
    CategorySpec,
    CommonInfo,
    Concept,
    Cue,
    Effect,
    GateSpec,
    LexiconFile,
    ListShape,
    OverlaySpec,
    Pattern,
    SkillInfo,
    SpellingSpec,
    TermGroup,
    lexicon_json_schema,
)

__all__ = [
    "MENTION_KIND",
    "MIN_FUZZY_CHARS",
    "TITLE_KIND",
    "CategorySpec",
    "CommonInfo",
    "Concept",
    "Cue",
    "CueRule",
    "Effect",
    "GateSpec",
    "Lexicon",
    "LexiconError",
    "LexiconFile",
    "ListShape",
    "OverlaySpec",
    "Pattern",
    "SkillInfo",
    "SpellingSpec",
    "TermEntry",
    "TermGroup",
    "check_patterns",
    "compile_lexicon",
    "default_common_file",
    "default_lexicon_dir",
    "default_skill_dir",
    "lexicon_files",
    "lexicon_json_schema",
    "load_common",
    "load_lexicon",
    "read_lexicon_file",
    "read_toml",
    "resolve_path",
]
