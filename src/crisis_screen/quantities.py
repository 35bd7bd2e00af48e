"""Numbers read from a line's evidence-kind cues: course hours, call counts and rates.

"40-hour CIT course" gives ``hours=40``; "over 200 crisis calls" ``count=200, count_unit="calls"``;
"15 mental health calls a month" ``count=15, count_unit="calls", per="month"``. Which cue reads
which number is lexicon data (a category's ``quantity``); this module only reads the shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crisis_screen.models import Quantities

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from crisis_screen.context import CueMatch

__all__ = ["read_quantities"]

_NO_QUANTITIES = Quantities()  # immutable: shared by every line without numbers


#: Longest number read (digits): counts and hours beyond this are not real quantities, and
#: int() refuses very long digit strings outright.
_MAX_DIGITS = 9


def _number(text: str) -> int | None:
    """Read a whole number ("1,200", "３６"), or None for anything else.

    ``str.isdecimal`` accepts exactly the digits ``int`` reads, in any script; ``isdigit``
    also accepts superscripts ("³6"), which ``int`` refuses.
    """
    digits = text.replace(",", "")
    if not digits.isdecimal() or len(digits) > _MAX_DIGITS:
        return None
    return int(digits)


#: Function words that join a count to its period in a rate ("15 calls a month", "3 per shift").
#: Which periods count is lexicon data (the volume cue's rate pattern); this only reads its shape.
_RATE_WORDS = frozenset({"a", "an", "per", "each", "every"})


def read_quantities(doc: Doc, cues: Sequence[CueMatch]) -> Quantities:
    """Read course hours and volumes from the cues whose category declares a ``quantity``.

    A volume that ends in a rate ("15 mental health calls a month") keeps its unit ("calls")
    and reports the period separately (``per="month"``).
    """
    hours = count = None
    unit = per = None
    for m in cues:
        quantity = m.cue.quantity
        if quantity is None:
            continue
        span = doc[m.start : m.end]
        numbers = [_number(t.text) for t in span if t.like_num]
        value = next((n for n in numbers if n is not None), None)
        if value is None:
            continue
        if quantity == "hours" and hours is None:
            hours = value
        elif quantity == "count" and count is None:
            # Cues come longest first at one start, so a rate is seen before its bare count.
            if len(span) >= 3 and span[-2].lower_ in _RATE_WORDS:
                count, unit, per = value, span[-3].lower_, span[-1].lower_
            else:
                count, unit = value, span[-1].lower_
    if hours is None and count is None:
        return _NO_QUANTITIES
    return Quantities.model_construct(hours=hours, count=count, count_unit=unit, per=per)
