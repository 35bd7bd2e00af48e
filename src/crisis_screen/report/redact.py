"""Blind review: identity masked in the records a report or CSV shows (``scan --redact``).

What is masked, everywhere resume text reaches an output (evidence lines and matches, context
cues, best lines, error messages):

- e-mail addresses (``[email]``), URLs and web addresses (``[url]``), phone numbers
  (``[phone]``: 9 to 15 digits in a phone shape, or a local ``555-0147``; years, dates,
  hours and counts stay);
- the name/contact block: evidence lines among the first :data:`HEADER_LINES` lines that
  stand before any section heading keep only their matched text, every other word becomes
  ``[redacted]``;
- the file name, which often holds the candidate's name: replaced by ``resume-`` and the
  first 12 hex digits of the file's SHA-256 (the extension kept), so decisions made on a
  redacted report still match the file.

Document offsets (``start``, ``end``, cue offsets) are kept, so an authorised reviewer can
find the text in the original file; ``line_starts`` is moved so each match is still located
exactly in its redacted line. Names written elsewhere in a sentence are not recognised: the
screener keeps only evidence lines, and a name is not a pattern.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from crisis_screen.models import Adjustment, Evidence, Summary
from crisis_screen.report.common import line_start, match_span
from crisis_screen.runs.records import ScanRecord

__all__ = [
    "HEADER_LINES",
    "NAME_MASK",
    "redact_record",
    "redact_records",
    "redact_source",
    "redact_text",
]

#: Lines at the top of a resume taken as the name/contact block while no heading is seen.
HEADER_LINES = 4
#: What replaces a word of the name/contact block.
NAME_MASK = "[redacted]"
#: Sections that mean "no heading seen yet".
_NO_HEADING = frozenset({"unknown", "other"})

_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+"
    # Bare web addresses: a dotted name ending in a common top-level domain, with a path
    # or not ("linkedin.com/in/x", "jane-doe.dev").
    r"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|org|net|io|dev|me|info|edu|gov|us|uk|ca|au|de|co|app|site|online|page)\b"
    r"(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w/])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?|\d{1,4}[\s.-])"
    r"(?:\d{2,4}[\s.-]){0,2}\d{3,4}(?![\w/])"
)
_PHONE_DIGITS = (9, 15)
#: A local number without its area code ("555-0147") is a phone too.
_LOCAL_PHONE = re.compile(r"\d{3}[-.]\d{4}")


def _phone_spans(text: str) -> Iterable[tuple[int, int]]:
    for m in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        local = _LOCAL_PHONE.fullmatch(m.group()) is not None
        if local or _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
            yield m.start(), m.end()


def _mask_spans(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, mask)`` of e-mails, URLs and phones, in text order."""
    found: list[tuple[int, int, str]] = []
    found += [(m.start(), m.end(), "[email]") for m in _EMAIL.finditer(text)]
    for m in _URL.finditer(text):
        # A sentence's closing punctuation is not part of the address.
        end = m.start() + len(m.group().rstrip(".,;:!?)]'\""))
        found.append((m.start(), end, "[url]"))
    found += [(s, e, "[phone]") for s, e in _phone_spans(text)]
    out: list[tuple[int, int, str]] = []
    # E-mails were found first, so at a tie in position the e-mail wins over its domain.
    for start, end, mask in sorted(found, key=lambda f: (f[0], -f[1])):
        if out and start < out[-1][1]:
            continue
        out.append((start, end, mask))
    return out


def _apply(text: str, masks: Sequence[tuple[int, int, str]]) -> tuple[str, list[int]]:
    """Replace the masked spans; return the text and the new offset of each old offset."""
    pieces: list[str] = []
    where = [0] * (len(text) + 1)
    pos = 0
    new = 0
    for start, end, mask in masks:
        for i in range(pos, start + 1):
            where[i] = new + (i - pos)
        pieces.append(text[pos:start])
        new += start - pos
        for i in range(start + 1, end + 1):
            where[i] = -1  # inside a mask: no position survives
        pieces.append(mask)
        new += len(mask)
        where[end] = new
        pos = end
    for i in range(pos, len(text) + 1):
        where[i] = new + (i - pos)
    pieces.append(text[pos:])
    return "".join(pieces), where


def redact_text(text: str) -> str:
    """Mask e-mail addresses, URLs and phone numbers in one text."""
    return _apply(text, _mask_spans(text))[0]


def _header_masks(line: str, keep: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Masks over every word of a name/contact line outside the ``keep`` spans."""
    masks = _mask_spans(line)
    covered = [(s, e) for s, e, _ in masks] + list(keep)
    words: list[tuple[int, int, str]] = []
    for m in re.finditer(r"[^\s|,;/\u2022\u00b7()\[\]-]+", line):
        if any(s < m.end() and m.start() < e for s, e in covered):
            continue
        if words and not line[words[-1][1] : m.start()].strip(" \t,-"):
            # Words one after another become one mask: "Jane Q. Doe" -> "[redacted]".
            words[-1] = (words[-1][0], m.end(), NAME_MASK)
        else:
            words.append((m.start(), m.end(), NAME_MASK))
    return sorted(masks + words)


def redact_source(record: ScanRecord) -> str:
    """The alias a redacted report shows instead of the file's path."""
    digest = record.sha256 or hashlib.sha256(record.source.encode("utf-8", "replace")).hexdigest()
    suffix = PurePath(record.source).suffix
    if not re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix):
        suffix = ""
    return f"resume-{digest[:12]}{suffix.lower()}"


def _is_header(ev: Evidence, first_heading: int) -> bool:
    return ev.line_no <= HEADER_LINES and ev.line_no < first_heading and ev.section in _NO_HEADING


class _LineRedactor:
    """Redacts the evidence lines of one record, each line once."""

    def __init__(self, record: ScanRecord) -> None:
        headed = [ev.line_no for ev in record.evidence if ev.section not in _NO_HEADING]
        self.first_heading = min(headed, default=HEADER_LINES + 1)
        self.record = record
        self.header_lines: dict[str, str] = {}

    def line_masks(self, index: int) -> list[tuple[int, int, str]]:
        ev = self.record.evidence[index]
        if not _is_header(ev, self.first_heading):
            return _mask_spans(ev.line)
        keep = []
        for j, other in enumerate(self.record.evidence):
            if other.line_no == ev.line_no:
                span = match_span(other, line_start(self.record, j))
                if span is not None:
                    keep.append(span)
        return _header_masks(ev.line, keep)

    def evidence(self, index: int) -> tuple[Evidence, int]:
        """The redacted evidence and its new line start."""
        ev = self.record.evidence[index]
        masks = self.line_masks(index)
        line, where = _apply(ev.line, masks)
        if masks and _is_header(ev, self.first_heading):
            self.header_lines[ev.line] = line
        span = match_span(ev, line_start(self.record, index))
        text = ev.text
        new_start = -1
        if span is not None and where[span[0]] >= 0 and where[span[1]] >= 0:
            new_start = where[span[0]]
            text = line[new_start : where[span[1]]]
        else:
            text = redact_text(ev.text)
        adjustments = tuple(self._adjustment(a, ev) for a in ev.adjustments)
        updated = ev.model_copy(update={"line": line, "text": text, "adjustments": adjustments})
        return updated, (ev.start - new_start if new_start >= 0 else -1)

    def _adjustment(self, adj: Adjustment, ev: Evidence) -> Adjustment:
        if adj.cue is None:
            return adj
        cue = NAME_MASK if _is_header(ev, self.first_heading) else redact_text(adj.cue)
        return adj.model_copy(update={"cue": cue})

    def line(self, text: str | None) -> str | None:
        """A best line: as its evidence line was redacted, else with contact details masked."""
        if text is None:
            return None
        for original, redacted in self.header_lines.items():
            if text.strip() == original.strip():
                return redacted
        return redact_text(text)


def _summary(summary: Summary, lines: _LineRedactor) -> Summary:
    return summary.model_copy(update={"best_line": lines.line(summary.best_line)})


def redact_record(record: ScanRecord) -> ScanRecord:
    """Return the record as a blind reviewer may see it (see the module docstring).

    Args:
        record: A record, ok or error.

    Returns:
        A copy with the file name, contact details and name/contact block masked.
    """
    alias = redact_source(record)
    lines = _LineRedactor(record)
    evidence: list[Evidence] = []
    starts: list[int] = []
    for index in range(len(record.evidence)):
        ev, start = lines.evidence(index)
        evidence.append(ev)
        starts.append(start)
    update: dict[str, object] = {
        "source": alias,
        "evidence": tuple(evidence),
        "line_starts": tuple(starts) if record.line_starts else (),
    }
    if record.summary is not None:
        update["summary"] = _summary(record.summary, lines)
    if record.skills:
        update["skills"] = {
            k: s.model_copy(update={"summary": _summary(s.summary, lines)})
            for k, s in record.skills.items()
        }
    if record.error is not None:
        error = record.error.replace(record.source, alias)
        name = PurePath(record.source).name
        if name:
            error = error.replace(name, alias)
        update["error"] = redact_text(error)
    return record.model_copy(update=update)


def redact_records(records: Iterable[ScanRecord]) -> list[ScanRecord]:
    """:func:`redact_record` of each record, in order."""
    return [redact_record(r) for r in records]
