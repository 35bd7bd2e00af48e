"""The HTML report: one self-contained page (inline CSS and JS, no network access).

Rendered with jinja2 from ``templates/report.html.j2`` with autoescaping on: resume text is
untrusted, so every value is escaped, and a Content Security Policy lets nothing run but the
page's own style and script (``templates/report.css`` and ``report.js``, allowed by hash).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from crisis_screen.models import Evidence
from crisis_screen.report.common import adjustment_text, counted_text, line_start, match_span
from crisis_screen.runs.records import ScanRecord

if TYPE_CHECKING:
    import jinja2

__all__ = ["content_security_policy", "csp_hash", "escape", "render_html"]


def escape(value: object) -> str:
    """Escape a value for HTML text and attributes (None becomes an empty string)."""
    return html.escape("" if value is None else str(value), quote=True)


def csp_hash(source: str) -> str:
    """The CSP source expression (``'sha256-...'``) allowing exactly this inline code."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _asset(name: str) -> str:
    return (resources.files("crisis_screen.report") / "templates" / name).read_text("utf-8")


@functools.cache
def _assets() -> tuple[str, str]:
    return _asset("report.css"), _asset("report.js")


def content_security_policy() -> str:
    """The page's policy: only its own style and script; no request of any kind."""
    css, js = _assets()
    return (
        "default-src 'none'; "
        f"style-src {csp_hash(css)}; "
        f"script-src {csp_hash(js)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2
    from markupsafe import Markup

    def finalize(value: object) -> object:
        # Escape as html.escape does (``&#x27;``), the way the report always has; Markup
        # (the page's own CSS, JS and policy) passes through.
        return value if isinstance(value, Markup) else Markup(escape(value))

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("crisis_screen.report", "templates"),
        autoescape=True,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(counted_text=counted_text, adjustment_text=adjustment_text)
    return env


def _evidence_title(ev: Evidence) -> str:
    parts = [
        f"concept: {ev.concept}",
        f"term: {ev.term}",
        f"method: {ev.method}"
        + (f" (similarity {ev.similarity:.0f})" if ev.method == "fuzzy" else ""),
        f"confidence: {ev.confidence:.2f} (base {ev.base:.2f}), {counted_text(ev)}",
    ]
    parts += [adjustment_text(a) for a in ev.adjustments]
    return "\n".join(parts)


@dataclass(frozen=True)
class _Piece:
    """A run of a line's text, highlighted when ``evidence`` is set."""

    text: str
    evidence: Evidence | None = None
    title: str = ""


def _pieces(line: str, marks: Sequence[tuple[int, int, Evidence]]) -> list[_Piece]:
    out: list[_Piece] = []
    pos = 0
    for start, end, ev in sorted(marks, key=lambda m: (m[0], -m[1])):
        if start < pos:
            continue  # overlapping matches: the first one is highlighted, all are listed
        out.append(_Piece(line[pos:start]))
        out.append(_Piece(line[start:end], ev, _evidence_title(ev)))
        pos = end
    out.append(_Piece(line[pos:]))
    return out


@dataclass(frozen=True)
class _Line:
    """One resume line with its matches, as the template shows it."""

    where: str
    pieces: list[_Piece]
    items: list[tuple[Evidence, str]]


def _lines(record: ScanRecord) -> list[_Line]:
    by_line: dict[int, list[tuple[int, Evidence]]] = {}
    for index, ev in enumerate(record.evidence):
        by_line.setdefault(ev.line_no, []).append((index, ev))
    out: list[_Line] = []
    for line_no, items in by_line.items():
        first = items[0][1]
        marks: list[tuple[int, int, Evidence]] = []
        for index, ev in items:
            span = match_span(ev, line_start(record, index))
            if span is not None:
                marks.append((span[0], span[1], ev))
        where = f"line {line_no}" + (f", page {first.page}" if first.page else "")
        out.append(
            _Line(
                where=f"{where}, {first.section}",
                pieces=_pieces(first.line, marks),
                items=[(ev, _evidence_title(ev)) for _, ev in items],
            )
        )
    return out


def render_html(
    records: Sequence[ScanRecord],
    *,
    title: str = "crisis-screen report",
    meta: Mapping[str, str] | None = None,
) -> str:
    """Return a self-contained HTML report (inline CSS and JS, no network access).

    Args:
        records: Ranked records (see :func:`crisis_screen.report.rank.rank_records`).
        title: The page title.
        meta: Extra facts shown under the title (versions, settings, time).

    Returns:
        The HTML document.
    """
    from markupsafe import Markup

    ok = [r for r in records if r.ok]
    failed = [r for r in records if not r.ok]
    flagged = sum(1 for r in ok if r.flagged)
    facts = [f"{len(ok)} resumes screened", f"{flagged} flagged", f"{len(failed)} not screened"]
    facts += [f"{k}: {v}" for k, v in (meta or {}).items()]
    css, js = _assets()
    context: dict[str, Any] = {
        "title": title,
        "facts": facts,
        "ok": [(rank, f"r{rank}", r, _lines(r)) for rank, r in enumerate(ok, 1)],
        "failed": [(i, f"e{i}", r) for i, r in enumerate(failed, 1)],
        # Constants of this package, free of characters needing escapes (a test checks it).
        "csp": Markup(content_security_policy()),
        "css": Markup(css),
        "js": Markup(js),
    }
    page: str = _environment().get_template("report.html.j2").render(context)
    return page
