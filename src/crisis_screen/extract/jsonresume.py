"""JSON Resume (jsonresume.org schema) reading, with known section spans."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from crisis_screen.errors import CorruptDocumentError
from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import split_long_lines
from crisis_screen.models import Section, SectionSpan

__all__ = ["is_json_resume", "parse_json", "read_json_resume"]

_RESUME_KEYS = frozenset({"basics", "work", "volunteer", "education", "skills", "certificates"})


def parse_json(text: str, budget: Budget) -> Any:
    """Parse JSON, mapping deep nesting to ``LimitExceededError``.

    Args:
        text: The decoded file.
        budget: Source name and limits.

    Returns:
        The parsed value, or None when the text is not JSON.

    Raises:
        LimitExceededError: Nesting too deep for the parser.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise budget.fail("JSON nesting too deep") from None
    except ValueError:
        return None


def is_json_resume(value: Any) -> bool:
    """Tell whether parsed JSON looks like a JSON Resume document.

    Args:
        value: Parsed JSON.

    Returns:
        True for an object with ``basics`` or ``work`` (or other resume) keys.
    """
    if not isinstance(value, dict):
        return False
    if "basics" in value or "work" in value:
        return True
    return len(_RESUME_KEYS.intersection(value)) >= 2


def _s(value: Any) -> str:
    """Scalar to text; anything else (objects, lists, null) becomes empty."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return ""


def _items(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for s in (_s(v) for v in value) if s]
    single = _s(value)
    return [single] if single else []


def _join(parts: Iterable[str], sep: str) -> str:
    return sep.join(p for p in parts if p)


def _dates(item: dict[str, Any]) -> str:
    start, end = _s(item.get("startDate")), _s(item.get("endDate"))
    if start and not end:
        end = "Present"
    return f"{start} - {end}" if start else end


class _Builder:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.max_line_chars = budget.limits.max_line_chars
        self.lines: list[str] = []
        self.length = 0
        self.spans: list[SectionSpan] = []

    def add(self, *lines: str) -> None:
        for index, line in enumerate(lines):
            if index % 256 == 0:
                # Checked as the text grows: a file of a million entries stops on time or
                # length while it is being read.
                self.budget.check()
                if self.length > self.budget.limits.max_chars:
                    raise self.budget.fail(
                        f"extracted text exceeds {self.budget.limits.max_chars} characters"
                    )
            # Split long lines here, not afterwards, so the section offsets stay exact.
            text = split_long_lines(
                line.replace("\r\n", "\n").replace("\r", "\n"), self.max_line_chars
            )
            for piece in text.split("\n"):
                if piece.strip():
                    self.lines.append(piece.rstrip())
                    self.length += len(piece.rstrip()) + 1

    def block(self, heading: str, section: Section, lines: list[str]) -> None:
        if not any(line.strip() for line in lines):
            return
        if self.lines:
            self.lines.append("")
            self.length += 1
        start = self.length
        self.add(heading, *lines)
        # The span ends before the newline that closes the block's last line.
        self.spans.append(SectionSpan(start=start, end=self.length - 1, section=section))


def _work_lines(items: list[dict[str, Any]], budget: Budget) -> list[str]:
    lines: list[str] = []
    for index, item in enumerate(items):
        if index % 256 == 0:
            budget.check()
        role = _s(item.get("position"))
        org = _s(item.get("name")) or _s(item.get("company")) or _s(item.get("organization"))
        head = _join((_join((role, org), ", "), _dates(item)), " | ")
        lines.append(_join((head, _s(item.get("location"))), " | "))
        lines.append(_s(item.get("summary")))
        lines.extend(f"- {h}" for h in _strings(item.get("highlights")))
    return lines


def read_json_resume(value: dict[str, Any], budget: Budget) -> tuple[str, tuple[SectionSpan, ...]]:
    """Render a JSON Resume object as resume text with section spans.

    Args:
        value: The parsed JSON Resume object.
        budget: Source name and limits.

    Returns:
        The text and its section spans (work/volunteer -> experience, skills, certificates
        -> certifications, education, basics.summary -> summary; other lists -> other).

    Raises:
        CorruptDocumentError: ``basics`` or a section has the wrong JSON type.
    """
    basics = value.get("basics", {})
    if basics is None:
        basics = {}
    if not isinstance(basics, dict):
        raise CorruptDocumentError(budget.source, "JSON Resume 'basics' is not an object")
    b = _Builder(budget)
    location = basics.get("location")
    place = (
        _join((_s(location.get("city")), _s(location.get("region"))), ", ")
        if isinstance(location, dict)
        else ""
    )
    profiles = [
        _join((_s(p.get("network")), _s(p.get("url")) or _s(p.get("username"))), ": ")
        for p in _items(basics.get("profiles"))
    ]
    b.add(
        _s(basics.get("name")),
        _s(basics.get("label")),
        _join((_s(basics.get("email")), _s(basics.get("phone")), place), " | "),
        _s(basics.get("url")),
        *profiles,
    )
    b.block("Summary", "summary", [_s(basics.get("summary"))])
    b.block("Experience", "experience", _work_lines(_items(value.get("work")), budget))
    b.block("Volunteer", "experience", _work_lines(_items(value.get("volunteer")), budget))
    budget.check()
    education: list[str] = []
    for index, item in enumerate(_items(value.get("education"))):
        if index % 256 == 0:
            budget.check()
        degree = _join((_s(item.get("studyType")), _s(item.get("area"))), ", ")
        education.append(_join((_s(item.get("institution")), degree, _dates(item)), " | "))
        if _s(item.get("score")):
            education.append(f"Score: {_s(item.get('score'))}")
        education.extend(f"- {c}" for c in _strings(item.get("courses")))
    b.block("Education", "education", education)
    certificates = [
        _join((_s(c.get("name")), _s(c.get("issuer")), _s(c.get("date"))), " | ")
        for c in _items(value.get("certificates"))
    ]
    b.block("Certifications", "certifications", certificates)
    skills: list[str] = []
    for index, item in enumerate(_items(value.get("skills"))):
        if index % 256 == 0:
            budget.check()
        name, keywords = _s(item.get("name")), _join(_strings(item.get("keywords")), ", ")
        skills.append(f"{name}: {keywords}" if name and keywords else name or keywords)
    b.block("Skills", "skills", skills)
    other: list[tuple[str, str, list[str]]] = [
        ("Awards", "awards", ["title", "awarder", "date", "summary"]),
        ("Publications", "publications", ["name", "publisher", "releaseDate", "summary"]),
        ("Projects", "projects", ["name", "description", "startDate", "endDate"]),
        ("Languages", "languages", ["language", "fluency"]),
        ("Interests", "interests", ["name"]),
        ("References", "references", ["name", "reference"]),
    ]
    for heading, key, fields in other:
        lines: list[str] = []
        for index, item in enumerate(_items(value.get(key))):
            if index % 256 == 0:
                budget.check()
            lines.append(_join((_s(item.get(f)) for f in fields), " | "))
            lines.extend(f"- {h}" for h in _strings(item.get("highlights")))
            lines.extend(f"- {k}" for k in _strings(item.get("keywords")))
        b.block(heading, "other", lines)
    return "\n".join(b.lines), tuple(b.spans)
