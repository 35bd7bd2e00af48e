"""The one place that builds the spaCy pipeline.

The default is a blank English pipeline (what ``spacy.blank("en")`` builds, with the
tokenizer fix below; :mod:`crisis_screen.blank_english`): tokenisation is all the matchers
need, nothing is downloaded, and it loads in a fraction of a second. An installed trained
pipeline can be named instead; it is never required.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisis_screen.errors import CrisisScreenError

if TYPE_CHECKING:
    from spacy.language import Language


def fix_tokenizer(nlp: Language) -> None:
    """Remove the tokenizer special cases that defeat spaCy's tokenizer cache.

    Args:
        nlp: The pipeline to fix in place.
    """
    from spacy.tokenizer import Tokenizer

    from crisis_screen.blank_english import SLOW_SPECIAL_CASES

    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):  # a custom callable: nothing to fix
        return
    rules = tokenizer.rules
    if rules and any(k in rules for k in SLOW_SPECIAL_CASES):
        tokenizer.rules = {k: v for k, v in rules.items() if k not in SLOW_SPECIAL_CASES}


def build_nlp(model: str | None = None) -> Language:
    """Build the pipeline the screener tokenises with.

    Args:
        model: Name or path of an installed spaCy pipeline; ``None`` uses a blank English
            pipeline. Trained components are disabled: only the tokenizer is used.

    Returns:
        The pipeline, with the tokenizer fix applied.

    Raises:
        CrisisScreenError: When ``model`` is given but not installed.
    """
    if model is None:
        from crisis_screen.blank_english import BlankEnglish

        return BlankEnglish()
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise CrisisScreenError(
            f"spaCy pipeline {model!r} is not installed; install it or omit `model` to use"
            " the built-in blank English pipeline"
        ) from exc
    # Matching needs tokens only; running a tagger or parser would cost time for nothing.
    nlp.select_pipes(disable=nlp.pipe_names)
    fix_tokenizer(nlp)
    return nlp
