"""The HTML report: one self-contained page (inline CSS and JS, no network access).

The page's frame (summary, chart, controls, table headings) is rendered with jinja2 from
``templates/report.html.j2`` with autoescaping on; the records travel as JSON
(:mod:`crisis_screen.report.page`) and ``templates/report.js`` draws them as text, the
visible rows first and the rest as they are scrolled to, filtered or opened, so a report of
thousands of resumes shows as fast as a small page. Resume text is untrusted: it is escaped
or set as text everywhere, and a Content Security Policy lets nothing run but the page's own
style and script (``templates/report.css`` and ``report.js``, allowed by hash).
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from crisis_screen.report.chart import score_chart
from crisis_screen.report.common import TIER_LABELS, strip_bidi
from crisis_screen.report.decisions import DECISIONS, Decision, match_decisions
from crisis_screen.report.page import data_json, page_data
from crisis_screen.runs.records import ScanRecord

if TYPE_CHECKING:
    import jinja2

__all__ = ["FIRST_ROWS", "content_security_policy", "csp_hash", "escape", "render_html"]

#: Rows the page draws at once, and then each time the end of the table comes into view:
#: more than a tall screen holds, few enough to lay out fast (each has form controls).
FIRST_ROWS = 50
#: Data blocks longer than this (characters) are gzip-compressed: a browser reads a 3 MB
#: block of text slower than it inflates 0.5 MB.
COMPRESS_OVER = 200_000


def _block(text: str, compress: bool | None) -> tuple[str, str]:
    """A data block's content and its ``data-encoding`` (``json`` or ``gzip+base64``)."""
    if compress is False or (compress is None and len(text) <= COMPRESS_OVER):
        return text, "json"
    # mtime=0: the same records give the same file, byte for byte.
    packed = gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
    return base64.b64encode(packed).decode("ascii"), "gzip+base64"


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
    return env


def _counts(records: Sequence[ScanRecord]) -> list[tuple[str, str, int, int]]:
    """``(tier, label, resumes, flagged)`` for each tier, strongest first."""
    ok = [r for r in records if r.ok and r.summary is not None]
    out = []
    for tier, label in TIER_LABELS.items():
        mine = [r for r in ok if r.summary is not None and r.summary.tier == tier]
        out.append((tier, label, len(mine), sum(1 for r in mine if r.flagged)))
    return out


def render_html(
    records: Sequence[ScanRecord],
    *,
    title: str = "crisis-screen report",
    meta: Mapping[str, str] | None = None,
    decisions: Iterable[Decision] = (),
    compress: bool | None = None,
) -> str:
    """Return a self-contained HTML report (inline CSS and JS, no network access).

    The page holds a summary (counts by tier and flag, a score histogram with the threshold),
    the ranking (sortable, searchable, filtered by tier, flag and decision), a collapsed
    evidence card under each resume with evidence, and decision controls whose choices stay
    in the browser and export as ``decisions.json``.

    Args:
        records: Ranked records (see :func:`crisis_screen.report.rank.rank_records`).
        title: The page title.
        meta: Extra facts shown under the title (versions, settings, time).
        decisions: Decisions to show (``scan --decisions``); matched by SHA-256 and path.
        compress: Gzip the row and evidence data (base64 in the page; the browser inflates
            it with ``DecompressionStream``); None: only when it is large.

    Returns:
        The HTML document.
    """
    from markupsafe import Markup

    ok = [r for r in records if r.ok]
    failed = [r for r in records if not r.ok]
    flagged = sum(1 for r in ok if r.flagged)
    facts = [f"{len(ok)} resumes screened", f"{flagged} flagged", f"{len(failed)} not screened"]
    facts += [f"{k}: {v}" for k, v in (meta or {}).items()]
    match = match_decisions(records, decisions)
    data = page_data(records, match.by_record, match.unmatched)
    head = {k: data[k] for k in ("id", "threshold", "tiers", "extra")}
    head.update(total=len(data["rows"]), page=FIRST_ROWS, rows=data["rows"][:FIRST_ROWS])
    css, js = _assets()
    context: dict[str, Any] = {
        "title": title,
        "facts": [strip_bidi(f) for f in facts],
        "counts": _counts(records),
        "n_ok": len(ok),
        "n_flagged": flagged,
        "n_failed": len(failed),
        "failed": [
            (strip_bidi(r.source), strip_bidi(r.error_type or ""), strip_bidi(r.error or ""))
            for r in failed
        ],
        "tiers": list(TIER_LABELS.items()),
        "decisions": DECISIONS,
        # Constants of this package or numbers only, free of characters needing escapes.
        "chart": Markup(score_chart([r.score or 0.0 for r in ok], data["threshold"])),
        "head": Markup(data_json(head)),
        "blocks": [
            (name, *map(Markup, _block(data_json(data[name]), compress)))
            for name in ("rows", "evidence")
        ],
        "csp": Markup(content_security_policy()),
        "css": Markup(css),
        "js": Markup(js),
    }
    page: str = _environment().get_template("report.html.j2").render(context)
    return page
