"""The impact-ratio audit (``crisis-screen audit``): rates and ratios by demographic group.

``inputs`` reads and joins the results, demographics, decisions and manifest; ``compute`` is
the arithmetic (selection rate, impact ratio, scoring rate, scoring impact ratio, groups under
2% excluded from the ratios); ``render`` writes text, JSON or HTML. Demographics are read here
only, never by screening.

Importing this package loads nothing: names are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisis_screen._lazy import lazy_attributes

__all__ = [
    "AUDIT_FORMATS",
    "MIN_SHARE",
    "AuditReport",
    "CategoryAudit",
    "GroupStats",
    "Outcome",
    "audit_category",
    "audit_dict",
    "audit_outcomes",
    "read_demographics",
    "render_audit",
    "run_audit",
]

if TYPE_CHECKING:
    from crisis_screen.audit.compute import (
        MIN_SHARE,
        AuditReport,
        CategoryAudit,
        GroupStats,
        Outcome,
        audit_category,
        audit_outcomes,
    )
    from crisis_screen.audit.inputs import read_demographics, run_audit
    from crisis_screen.audit.render import AUDIT_FORMATS, audit_dict, render_audit

_COMPUTE = "crisis_screen.audit.compute"
_LAZY = {
    "MIN_SHARE": _COMPUTE,
    "AuditReport": _COMPUTE,
    "CategoryAudit": _COMPUTE,
    "GroupStats": _COMPUTE,
    "Outcome": _COMPUTE,
    "audit_category": _COMPUTE,
    "audit_outcomes": _COMPUTE,
    "read_demographics": "crisis_screen.audit.inputs",
    "run_audit": "crisis_screen.audit.inputs",
    "AUDIT_FORMATS": "crisis_screen.audit.render",
    "audit_dict": "crisis_screen.audit.render",
    "render_audit": "crisis_screen.audit.render",
}

__getattr__ = lazy_attributes(__name__, _LAZY)
