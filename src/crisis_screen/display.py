"""How a :class:`~crisis_screen.models.ScreenResult` shows itself to a person.

- :func:`render_repr`: one readable line for the REPL and logs (``repr(result)``);
- :func:`render_html`: the notebook view (``result._repr_html_()``): score, tier, flag and each
  evidence line with its matches in ``<mark>``; every piece of text is escaped and nothing
  executes (no script, no external resource, inline styles only);
- :func:`render_rich`: the same for terminals, as a rich ``Table`` (``rich.print(result)``).

Matches are located inside their line from the evidence offsets alone (a result does not keep
the document text): the line's start is the one offset at which every match of that line reads
its own text.

Resume text, sources and lexicon words are untrusted: the rich and HTML views pass them
through :mod:`crisis_screen.safe_text` (control characters and bidi overrides shown as
visible escapes), piece by piece so the marks still cover exactly the matched text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from crisis_screen.safe_text import escape_controls, one_line

if TYPE_CHECKING:
    from rich.table import Table

    from crisis_screen.models import Evidence, ScreenResult

#: Longest best line shown by ``repr`` before it is cut.
_REPR_LINE_CHARS = 60

_PAD = "padding:2px 8px;vertical-align:top"
_CELL = f' style="{_PAD}"'
_MARK_COUNTED = "background:#ffe08a;color:inherit;padding:0 1px"
_MARK_VOID = "background:#e6e6e6;color:inherit;text-decoration:line-through;padding:0 1px"


def _safe(text: str) -> str:
    return escape_controls(text, keep="\t")


def _tier(result: ScreenResult) -> str | None:
    # `Summary.tier` is newer than some results: show it only when present.
    tier = getattr(result.summary, "tier", None)
    return None if tier is None else str(tier)


def render_repr(result: ScreenResult) -> str:
    """One line: source, score, flag, tier (when present), evidence counts, best line."""
    counted = sum(1 for e in result.evidence if e.counted)
    parts = [
        f"source={result.source!r}",
        f"score={result.score:.2f}",
        f"flagged={result.flagged}",
    ]
    tier = _tier(result)
    if tier is not None:
        parts.append(f"tier={tier!r}")
    parts.append(f"evidence={len(result.evidence)} ({counted} counted)")
    if result.summary.concepts:
        parts.append(f"concepts={list(result.summary.concepts)!r}")
    best = result.summary.best_line
    if best is not None:
        best = best.strip()
        if len(best) > _REPR_LINE_CHARS:
            best = best[: _REPR_LINE_CHARS - 1] + "…"
        parts.append(f"best_line={best!r}")
    return f"ScreenResult({', '.join(parts)})"


def match_offsets(line_evidence: Sequence[Evidence]) -> list[tuple[Evidence, int, int]]:
    """Locate the matches of one line inside ``line``: ``(evidence, start, end)`` in order.

    The line's start in the document is unknown, but it is the same for every match of the
    line: take the first offset at which all of them read their own text. Evidence that cannot
    be located (only possible for hand-made results) is left out; overlaps are dropped.

    Args:
        line_evidence: Evidence items of one line (same ``line_no`` and ``line``).

    Returns:
        Located matches, by position, not overlapping.
    """
    if not line_evidence:
        return []
    line = line_evidence[0].line
    first = line_evidence[0]
    starts: list[int] = []
    found = line.find(first.text) if first.text else -1
    while found >= 0:
        starts.append(first.start - found)
        found = line.find(first.text, found + 1)
    for line_start in starts:
        spans = [(e, e.start - line_start, e.end - line_start) for e in line_evidence]
        if all(0 <= s <= t <= len(line) and line[s:t] == e.text for e, s, t in spans):
            break
    else:
        spans = []
        for e in line_evidence:
            at = line.find(e.text) if e.text else -1
            if at >= 0:
                spans.append((e, at, at + len(e.text)))
    located: list[tuple[Evidence, int, int]] = []
    for e, s, t in sorted(spans, key=lambda x: (x[1], x[2])):
        if not located or s >= located[-1][2]:
            located.append((e, s, t))
    return located


def _lines(result: ScreenResult) -> list[tuple[int, list[Evidence]]]:
    ordered = sorted(result.evidence, key=lambda e: (e.line_no, e.start))
    return [(no, list(group)) for no, group in groupby(ordered, key=lambda e: e.line_no)]


def _explain(ev: Evidence) -> str:
    state = "counted" if ev.counted else "not counted"
    head = f"{ev.concept} · {ev.method} · confidence {ev.confidence:.2f} · {state}"
    reasons = [f"{a.kind}: {a.reason}" for a in ev.adjustments]
    return "; ".join([head, *reasons])


def render_html(result: ScreenResult) -> str:
    """An HTML fragment for notebooks: header, then one table row per evidence line.

    Each match is a ``<mark>`` whose text is exactly ``evidence.text``; its ``title`` tells the
    concept, method, confidence and every context rule. Uncounted matches are struck through.
    """

    def esc(text: str) -> str:
        return html.escape(_safe(text))

    flag = (
        '<strong style="color:#a15c00">flagged</strong>'
        if result.flagged
        else '<span style="color:#666">not flagged</span>'
    )
    head = [
        f"<strong>{esc(one_line(result.source))}</strong>",
        f"score <strong>{result.score:.1f}</strong> (threshold {result.threshold:g})",
    ]
    tier = _tier(result)
    if tier is not None:
        head.append(f"tier <strong>{esc(tier)}</strong>")
    head.append(flag)
    counted = sum(1 for e in result.evidence if e.counted)
    head.append(f"{len(result.evidence)} evidence, {counted} counted")
    out = [
        '<div class="crisis-screen-result" style="font-family:inherit;line-height:1.4">',
        f"<div>{' · '.join(head)}</div>",
    ]
    lines = _lines(result)
    if lines:
        out.append(
            '<table style="border-collapse:collapse;margin-top:4px;text-align:left">'
            f"<thead><tr><th{_CELL}>line</th><th{_CELL}>evidence line</th>"
            f"<th{_CELL}>concepts</th></tr></thead><tbody>"
        )
        for line_no, evidence in lines:
            line = evidence[0].line
            cells: list[str] = []
            pos = 0
            for ev, s, t in match_offsets(evidence):
                style = _MARK_COUNTED if ev.counted else _MARK_VOID
                cells.append(esc(line[pos:s]))
                cells.append(
                    f'<mark style="{style}" title="{esc(_explain(ev))}">{esc(line[s:t])}</mark>'
                )
                pos = t
            cells.append(esc(line[pos:]))
            concepts = ", ".join(
                esc(f"{e.concept} ({e.confidence:.2f}{'' if e.counted else ', not counted'})")
                for e in evidence
            )
            out.append(
                f'<tr><td style="{_PAD}">{line_no}</td>'
                f'<td style="{_PAD};white-space:pre-wrap">{"".join(cells)}</td>'
                f"<td{_CELL}>{concepts}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append('<div style="color:#666">no evidence of the skill</div>')
    out.append("</div>")
    return "\n".join(out)


def render_rich(result: ScreenResult) -> Table:
    """A rich Table: title with score, tier and flag; one row per evidence line."""
    from rich.table import Table
    from rich.text import Text

    tier = _tier(result)
    title = f"{one_line(result.source)} · score {result.score:.1f} (threshold {result.threshold:g})"
    if tier is not None:
        title += f" · tier {tier}"
    title += " · flagged" if result.flagged else " · not flagged"
    # Text, not a str: a str title would be read as rich markup ("[b]" in a file name).
    table = Table(title=Text(title), title_justify="left")
    table.add_column("line", justify="right", style="dim")
    table.add_column("evidence line", overflow="fold")
    table.add_column("concepts")
    for line_no, evidence in _lines(result):
        line = evidence[0].line
        text = Text()
        pos = 0
        for ev, s, t in match_offsets(evidence):
            text.append(_safe(line[pos:s]))
            text.append(
                _safe(line[s:t]), style="bold black on yellow" if ev.counted else "strike dim"
            )
            pos = t
        text.append(_safe(line[pos:]))
        concepts = _safe(
            ", ".join(
                f"{e.concept} ({e.confidence:.2f}{'' if e.counted else ', not counted'})"
                for e in evidence
            )
        )
        table.add_row(str(line_no), text, concepts)
    if not result.evidence:
        table.caption = "no evidence of the skill"
    return table
