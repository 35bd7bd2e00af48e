"""The score distribution of a report as inline SVG: a histogram with the threshold marked.

Only numbers and fixed words go into the markup, so nothing in it needs escaping; it has no
style attributes (the page's stylesheet colours it through classes), so the report's Content
Security Policy allows it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BINS", "score_chart", "score_histogram"]

#: Bins of the histogram: 5 points wide, the last one closed (95-100).
BINS = 20

_W, _H = 640, 210
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 22, 36
_PLOT_W = _W - _LEFT - _RIGHT
_PLOT_H = _H - _TOP - _BOTTOM


def score_histogram(scores: Sequence[float], bins: int = BINS) -> list[int]:
    """Count scores (0-100) in ``bins`` equal bins; 100 falls in the last one."""
    counts = [0] * bins
    for score in scores:
        counts[min(int(max(score, 0.0) * bins // 100), bins - 1)] += 1
    return counts


def _x(score: float) -> float:
    return _LEFT + _PLOT_W * score / 100.0


def score_chart(scores: Sequence[float], threshold: float | None) -> str:
    """Return an SVG histogram of ``scores`` with a dashed line at ``threshold``.

    Args:
        scores: Scores of the screened resumes, 0-100.
        threshold: The flag threshold, or None to mark none.

    Returns:
        The ``<svg>`` element (a ``role="img"`` with a text alternative).
    """
    counts = score_histogram(scores)
    top = max(counts, default=0) or 1
    width = _PLOT_W / len(counts)
    parts = [
        f'<svg id="score-chart" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">Score distribution of {len(scores)} screened resumes'
        + (f", threshold {threshold:g}" if threshold is not None else "")
        + "</title>",
    ]
    for i, count in enumerate(counts):
        low = i * 100 / len(counts)
        height = _PLOT_H * count / top
        x = _LEFT + i * width
        above = threshold is not None and low >= threshold
        cls = "bar above" if above else "bar"
        if count:
            parts.append(
                f'<rect class="{cls}" x="{x + 1:.1f}" y="{_TOP + _PLOT_H - height:.1f}" '
                f'width="{width - 2:.1f}" height="{max(height, 1):.1f}">'
                f"<title>{low:g}-{low + 100 / len(counts):g}: {count}</title></rect>"
            )
            parts.append(
                f'<text class="count" x="{x + width / 2:.1f}" '
                f'y="{_TOP + _PLOT_H - height - 4:.1f}">{count}</text>'
            )
    base = _TOP + _PLOT_H
    parts.append(f'<line class="axis" x1="{_LEFT}" y1="{base}" x2="{_W - _RIGHT}" y2="{base}"/>')
    for tick in range(0, 101, 20):
        parts.append(f'<text class="tick" x="{_x(tick):.1f}" y="{base + 16}">{tick}</text>')
    parts.append(
        f'<text class="axis-label" x="{_LEFT + _PLOT_W / 2:.1f}" y="{_H - 4}">score</text>'
    )
    parts.append(
        f'<text class="axis-label" x="12" y="{_TOP + _PLOT_H / 2:.1f}" '
        f'transform="rotate(-90 12 {_TOP + _PLOT_H / 2:.1f})">resumes</text>'
    )
    if threshold is not None:
        x = _x(threshold)
        parts.append(
            f'<line class="threshold" x1="{x:.1f}" y1="{_TOP - 8}" x2="{x:.1f}" y2="{base}"/>'
        )
        parts.append(
            f'<text class="threshold-label" x="{x + 4:.1f}" y="{_TOP - 10}">'
            f"threshold {threshold:g}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
