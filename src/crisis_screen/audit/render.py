"""Writing an audit out: plain text, JSON, or a self-contained HTML page.

The HTML page has no script and allows no request (a Content Security Policy with only its
own stylesheet, by hash); every value is escaped.
"""

from __future__ import annotations

import html
import json
from typing import Any

from crisis_screen.audit.compute import AuditReport, CategoryAudit, GroupStats

__all__ = ["AUDIT_FORMATS", "audit_dict", "render_audit", "render_audit_html", "render_audit_text"]

#: Output formats of ``crisis-screen audit``.
AUDIT_FORMATS = ("text", "json", "html")


def _label(cat: CategoryAudit) -> str:
    return " x ".join(cat.columns)


def _selection(report: AuditReport) -> str:
    if report.selection == "advance":
        return f'a reviewer\'s "advance" decision ({report.decisions}); no decision counts as not'
    return "flagged by the screener (score at or above the threshold)"


def _facts(report: AuditReport) -> list[str]:
    facts = [
        f"Results: {report.results_total} in {report.results}: {report.screened} screened, "
        f"{report.not_screened} not screened (left out)",
        f"Selected means: {_selection(report)}",
        f"Screened results with no demographic data: {report.no_demographics}; demographic "
        f"rows matching no result: {report.unmatched_rows}",
        f"Median score of all {report.screened} screened: {report.median:g}; the scoring "
        "rate is the share scoring above it",
        f"Groups under {report.min_share:.0%} of a category's total are shown but excluded "
        "from the impact ratios (marked *)",
        "Versions ("
        + report.versions_from
        + "): "
        + ", ".join(f"{k} {v}" for k, v in sorted(report.versions.items())),
    ]
    if report.undecided is not None:
        facts.insert(2, f"Screened results without a decision: {report.undecided}")
    if len(report.record_versions) > 1:
        facts.append("Warning: the records mix versions: " + "; ".join(report.record_versions))
    return facts


def _num(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


_HEAD = (
    "group",
    "n",
    "share",
    "selected",
    "selection rate",
    "impact ratio",
    "above median",
    "scoring rate",
    "scoring impact ratio",
)


def _cells(group: GroupStats) -> list[str]:
    return [
        " / ".join(group.values) + (" *" if group.excluded else ""),
        str(group.n),
        f"{group.share:.2%}",
        str(group.selected),
        _num(group.selection_rate),
        _num(group.impact_ratio),
        str(group.scored_above),
        _num(group.scoring_rate),
        _num(group.scoring_impact_ratio),
    ]


def render_audit_text(report: AuditReport) -> str:
    """The audit as aligned plain-text tables."""
    out = [f"Impact-ratio audit of {report.results}", ""]
    out += _facts(report)
    for cat in report.categories:
        out += ["", f"{_label(cat)}: {cat.total} with data, {cat.unknown} unknown"]
        rows = [list(_HEAD)] + [_cells(g) for g in cat.groups]
        widths = [max(len(r[i]) for r in rows) for i in range(len(_HEAD))]
        for row in rows:
            cells = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"


def _group_dict(cat: CategoryAudit, group: GroupStats) -> dict[str, Any]:
    return {
        "group": dict(zip(cat.columns, group.values, strict=True)),
        "n": group.n,
        "share": group.share,
        "excluded_under_min_share": group.excluded,
        "selected": group.selected,
        "selection_rate": group.selection_rate,
        "impact_ratio": group.impact_ratio,
        "scored_above_median": group.scored_above,
        "scoring_rate": group.scoring_rate,
        "scoring_impact_ratio": group.scoring_impact_ratio,
    }


def audit_dict(report: AuditReport) -> dict[str, Any]:
    """The audit as JSON-ready data (rates as exact floats, not rounded)."""
    return {
        "results": report.results,
        "demographics": report.demographics,
        "decisions": report.decisions,
        "selection": report.selection,
        "results_total": report.results_total,
        "screened": report.screened,
        "not_screened": report.not_screened,
        "no_demographics": report.no_demographics,
        "unmatched_demographic_rows": report.unmatched_rows,
        "undecided": report.undecided,
        "median_score": report.median,
        "min_share": report.min_share,
        "versions": report.versions,
        "versions_from": report.versions_from,
        "record_versions": list(report.record_versions),
        "categories": [
            {
                "columns": list(cat.columns),
                "total": cat.total,
                "unknown": cat.unknown,
                "groups": [_group_dict(cat, g) for g in cat.groups],
            }
            for cat in report.categories
        ],
    }


_CSS = (
    "body{font:15px/1.45 system-ui,sans-serif;color:#1d232a;margin:0 auto;max-width:1100px;"
    "padding:24px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
    "table{border-collapse:collapse;width:100%}th,td{padding:5px 8px;border-bottom:1px solid "
    "#d8dee4;text-align:right;font-variant-numeric:tabular-nums}th:first-child,td:first-child"
    "{text-align:left}th{font-size:13px;color:#5b6570}tr.excluded td{color:#6e7781;"
    "font-style:italic}ul{padding-left:18px}"
)


def render_audit_html(report: AuditReport) -> str:
    """The audit as one self-contained HTML page (no script, no request)."""
    from crisis_screen.report.html import csp_hash

    e = html.escape
    csp = f"default-src 'none'; style-src {csp_hash(_CSS)}; base-uri 'none'; form-action 'none'"
    parts = [
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>",
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name=viewport content="width=device-width, initial-scale=1">',
        f"<title>Impact-ratio audit</title><style>{_CSS}</style></head><body>",
        f"<h1>Impact-ratio audit of {e(report.results)}</h1><ul>",
    ]
    parts += [f"<li>{e(f)}</li>" for f in _facts(report)]
    parts.append("</ul>")
    for cat in report.categories:
        parts.append(
            f"<h2>{e(_label(cat))}</h2><p>{cat.total} with data, {cat.unknown} unknown</p>"
        )
        parts.append("<table><thead><tr>")
        parts += [f"<th scope=col>{e(h)}</th>" for h in _HEAD]
        parts.append("</tr></thead><tbody>")
        for group in cat.groups:
            cls = ' class="excluded"' if group.excluded else ""
            parts.append(f"<tr{cls}>" + "".join(f"<td>{e(c)}</td>" for c in _cells(group)))
            parts.append("</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "".join(parts)


def render_audit(fmt: str, report: AuditReport) -> str:
    """Render an audit as ``text``, ``json`` or ``html``.

    Raises:
        ValueError: An unknown format.
    """
    if fmt == "text":
        return render_audit_text(report)
    if fmt == "json":
        return json.dumps(audit_dict(report), indent=2, sort_keys=True) + "\n"
    if fmt == "html":
        return render_audit_html(report)
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(AUDIT_FORMATS)})")
