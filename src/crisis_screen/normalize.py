"""Normalise a candidate line before tokenising, keeping a map back to the original offsets.

Extracted resume text is messy in ways that break token matching although a reader sees the
words plainly: a non-breaking or zero-width space, a tab or double space between two words
(spaCy makes the extra whitespace a token of its own), a PDF line-break hyphen left inside a
line ("crisis- line", "interven- tion"), a slash spaced on one side ("psychiatric /medical"),
punctuation with no space after it ("mood;suicide"), a bullet glued to the first word
("•Crisis"), curly quotes. :class:`LineNormalizer` rewrites those spots of one line in one
regex pass and returns a :class:`NormalizedLine`: the text the tokenizer sees plus a map from
its offsets back to the original line, so evidence offsets still slice the document text.

Most lines need no change; they pass through with no copy and an identity map.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection
from dataclasses import dataclass

# Characters that render as nothing and join what is around them: removed (a soft hyphen or
# a word joiner between two letters means the reader sees one word).
_INVISIBLE = "\u00ad\u200c\u200d\u2060\ufeff"
# Whitespace other than a plain space, read as one space. The zero-width space is a word
# separator by definition (web copy puts it between words), so it counts here too.
_SPACES = "\t\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000"
# Same-length look-alikes: Unicode hyphens and the minus sign, curly quotes and primes.
_CHAR_MAP = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
}
# Bullet glyphs, including the private-use ones Word and PDF exports produce.
_BULLETS = (
    "\u2022\u2023\u2043\u2219\u25a0\u25a1\u25aa\u25ab\u25b8\u25ba\u25c6\u25c7\u25cf\u25e6"
    "\u27a2\u27a4\u2713\u2714\u00b7\uf0a7\uf0b7\uf0d8\uf0fc"
)
_LETTER = r"[^\W\d_]"

_WHITE = _SPACES + _INVISIBLE
_CHARS = "".join(_CHAR_MAP)


def _fixes(*, plain_spaces: bool) -> re.Pattern[str]:
    """Compile the pattern of every spot to repair.

    It starts with one character class of all the characters a fix can start with, so the
    regex engine scans at C speed to those few characters (a plain space is one only in the
    variant for lines with a run of spaces); which fix it is, and what surrounds it, is then
    told by lookbehinds on that character and one named group per fix.
    """
    branches = [
        rf"(?<=[{_WHITE}])(?P<space>[ {_WHITE}]*)",
        rf"(?<=[{_CHARS}])(?P<char>)",
        rf"(?<=[{_BULLETS}])(?P<bullet>)(?=\w)",
        rf"(?<=[;|+])(?<={_LETTER}.)(?P<glue>)(?={_LETTER})",
        rf"(?<=,)(?:(?<={_LETTER},)(?=\d)|(?<=\d,)(?={_LETTER}))(?P<comma>)",
        r"(?<=&)(?<=\w&)(?P<amp>)(?=\w)",
        rf"(?<=/)(?P<slash> *)(?={_LETTER})",
        rf"(?<=-)(?<={_LETTER}-)(?P<brk> +)(?={_LETTER})",
    ]
    first = f"{_WHITE}{_CHARS}{_BULLETS};|+,&/\\-"
    if plain_spaces:
        branches.append(r"(?<= )(?P<spaces> +)")
        first += " "
    return re.compile(f"[{first}](?:{'|'.join(branches)})")


_FIXES = _fixes(plain_spaces=False)
# For the lines with a run of plain spaces (checked first with a fast substring test).
_FIXES_SPACED = _fixes(plain_spaces=True)
_INVISIBLE_SET = frozenset(_INVISIBLE)
_WORD_BEFORE = re.compile(rf"{_LETTER}+\Z")
_WORD_AFTER = re.compile(rf"{_LETTER}+")
# A hyphen left before these words is a suspended hyphen ("pre- and post-test"), not a break.
_SUSPENDING = frozenset({"and", "or", "nor", "to", "vs", "versus", "through"})


@dataclass(frozen=True, slots=True)
class NormalizedLine:
    """A line as the tokenizer sees it, with the way back to the original offsets.

    Attributes:
        text: The normalised text.
        original: The line as it was.
        anchors: Normalised offsets where the mapping changes, ascending.
        origins: Original offset of each anchor.
        caps: How far past its anchor the mapping keeps counting (inside a rewritten stretch it
            stops at the stretch's last original character); ``-1`` means without limit.
    """

    text: str
    original: str
    anchors: tuple[int, ...] = ()
    origins: tuple[int, ...] = ()
    caps: tuple[int, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether normalisation changed anything."""
        return bool(self.anchors)

    def offset(self, index: int) -> int:
        """Return the original offset of the character at normalised offset ``index``."""
        if not self.anchors:
            return index
        k = bisect_right(self.anchors, index) - 1
        if k < 0:
            return index
        step = index - self.anchors[k]
        cap = self.caps[k]
        return self.origins[k] + (step if cap < 0 else min(step, cap))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original ``(start, end)`` of the normalised span ``[start, end)``."""
        if not self.anchors:
            return start, end
        first = self.offset(start)
        if end <= start:
            return first, first
        return first, self.offset(end - 1) + 1


class LineNormalizer:
    """Rewrite the spots of a line that break tokenising, remembering where they were."""

    def __init__(self, words: Collection[str] = ()) -> None:
        """Prepare the normaliser.

        Args:
            words: Lower-case words of the lexicon's terms. A line-break hyphen inside a word
                ("interven- tion") is removed when the joined word is one of them and the part
                after the hyphen is not; otherwise the hyphen is kept ("crisis- line" ->
                "crisis-line", "de- escalation" -> "de-escalation").
        """
        self._words = frozenset(words)

    def __call__(self, line: str) -> NormalizedLine:
        """Normalise one line (a line of ``str.splitlines``, without its line break)."""
        # "-Crisis intervention": a dash bullet glued to the first word ("- Crisis" is fine).
        lead = line.lstrip() if line[:1].isspace() else line
        dash_bullet = lead[:1] == "-" and lead[1:2].isalpha()
        fixes = _FIXES_SPACED if "  " in line else _FIXES
        first = fixes.search(line)
        if first is None and not dash_bullet:
            return NormalizedLine(line, line)
        pieces: list[str] = []
        anchors: list[int] = []
        origins: list[int] = []
        caps: list[int] = []
        pos = 0  # original offset copied up to
        out = 0  # length of the normalised text so far

        def edit(start: int, end: int, replacement: str) -> None:
            nonlocal pos, out
            if start > pos:
                pieces.append(line[pos:start])
                out += start - pos
            anchors.append(out)
            origins.append(start)
            caps.append(max(end - start - 1, 0))
            pieces.append(replacement)
            out += len(replacement)
            anchors.append(out)
            origins.append(end)
            caps.append(-1)
            pos = end

        if dash_bullet:
            at = len(line) - len(lead)
            edit(at, at + 1, "- ")
        matches = fixes.finditer(line, first.start()) if first is not None else iter(())
        for m in matches:
            fix = self._replacement(line, m, pos)
            if fix is not None:
                edit(fix[0], m.end(), fix[1])
        if not anchors:
            return NormalizedLine(line, line)
        pieces.append(line[pos:])
        return NormalizedLine("".join(pieces), line, tuple(anchors), tuple(origins), tuple(caps))

    def _replacement(self, line: str, m: re.Match[str], pos: int) -> tuple[int, str] | None:
        """Return where one fix starts and what replaces it up to the match end, or None.

        Args:
            line: The original line.
            m: The match.
            pos: Offset up to which the line is already copied; a fix never starts before it.
        """
        kind = m.lastgroup
        start = m.start()
        if start < pos:
            return None
        found = m.group()
        if kind in ("space", "spaces"):
            # Take the plain spaces before it too: "a \u00a0b" is one gap.
            while start > pos and line[start - 1] == " ":
                start -= 1
            gap = line[start : m.end()]
            if gap == " ":
                return None
            return start, "" if all(c in _INVISIBLE_SET for c in gap) else " "
        if kind == "char":
            return start, _CHAR_MAP[found]
        if kind in ("bullet", "glue", "comma"):
            return start, found + " "
        if kind == "amp":
            return start, " & "
        if kind == "slash":
            # A slash between two words, spaced on one side or both: "psychiatric /surgical".
            while start > pos and line[start - 1] == " ":
                start -= 1
            if start == m.start() and found == "/":
                return None  # "a/b" is split by the tokenizer already
            return (start, "/") if start > 0 and line[start - 1].isalpha() else None
        # kind == "brk": a letter, a hyphen, then spaces and a letter.
        before = _WORD_BEFORE.search(line, max(0, start - 40), start)
        after = _WORD_AFTER.match(line, m.end())
        if before is None or after is None:
            return None
        right = after.group().lower()
        if right in _SUSPENDING:
            return None
        if (before.group() + after.group()).lower() in self._words and right not in self._words:
            return start, ""
        return start, "-"
