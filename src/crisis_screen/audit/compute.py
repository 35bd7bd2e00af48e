"""The arithmetic of the impact-ratio audit: selection and scoring rates by group, and ratios.

For each category (one demographic column, or the intersection of several) and each group in
it (a value, or a combination of values):

- ``n``: screened resumes in the group; ``share``: ``n`` over the category's total (resumes
  with a known value in every column of the category);
- ``selection_rate``: selected over ``n`` (selected = flagged by the screener, or marked
  ``advance`` by a reviewer when decisions are given);
- ``impact_ratio``: the group's selection rate over the highest selection rate of the
  groups that are not excluded;
- ``scoring_rate``: the share of the group scoring above the median score of every screened
  resume (the whole sample, demographics known or not); ``scoring_impact_ratio`` likewise;
- groups whose share is under :data:`MIN_SHARE` (2%) are reported but excluded from the
  ratios: they get no ratio and do not set the highest rate, as the NYC rules on automated
  employment decision tools allow.

These are plain functions of :class:`Outcome` values, so they can be checked against an
independent computation; reading files and joining them is :mod:`crisis_screen.audit.inputs`.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "MIN_SHARE",
    "AuditReport",
    "CategoryAudit",
    "GroupStats",
    "Outcome",
    "audit_category",
    "audit_outcomes",
    "median_score",
]

#: Groups under this share of a category's total are excluded from the impact ratios.
MIN_SHARE = 0.02


@dataclass(frozen=True)
class Outcome:
    """One screened resume as the audit sees it.

    Attributes:
        score: Its score, 0-100.
        selected: Flagged (or, with decisions, marked ``advance``).
        groups: Its value in each demographic column (a blank value is left out), or None
            when no demographic row matches it.
    """

    score: float
    selected: bool
    groups: Mapping[str, str] | None = None


@dataclass(frozen=True)
class GroupStats:
    """The rates of one group of a category.

    Attributes:
        values: The group's value in each column of the category.
        n: Resumes in the group.
        share: ``n`` over the category's total.
        excluded: True when ``share`` is under the minimum: no ratios.
        selected: Resumes selected.
        selection_rate: ``selected / n``.
        impact_ratio: ``selection_rate`` over the highest rate of the groups not excluded
            (None when excluded, or when no such group selects anyone).
        scored_above: Resumes scoring above the sample's median.
        scoring_rate: ``scored_above / n``.
        scoring_impact_ratio: ``scoring_rate`` over the highest scoring rate (as above).
    """

    values: tuple[str, ...]
    n: int
    share: float
    excluded: bool
    selected: int
    selection_rate: float
    impact_ratio: float | None
    scored_above: int
    scoring_rate: float
    scoring_impact_ratio: float | None


@dataclass(frozen=True)
class CategoryAudit:
    """The audit of one category.

    Attributes:
        columns: The demographic column, or the columns intersected.
        total: Resumes with a known value in every column.
        unknown: Screened resumes missing a value in some column (or with no demographics).
        groups: Each group, sorted by its values.
    """

    columns: tuple[str, ...]
    total: int
    unknown: int
    groups: tuple[GroupStats, ...]


@dataclass(frozen=True)
class AuditReport:
    """Everything ``crisis-screen audit`` reports.

    Attributes:
        results: The results file audited.
        demographics: The demographics file.
        decisions: The decisions file, or None when the selection is the screener's flag.
        selection: ``flagged`` or ``advance``.
        results_total: Records in the results file.
        screened: Screened records (the sample).
        not_screened: Error records (files that could not be read; not in the sample).
        no_demographics: Screened records that no demographic row matches.
        unmatched_rows: Demographic rows that match no screened record.
        undecided: With decisions, screened records without one (counted as not selected).
        median: The median score of the sample.
        min_share: The share under which a group is excluded from the ratios.
        versions: Lexicon and scoring versions: the manifest's, else those of the records.
        versions_from: Where ``versions`` came from (the manifest's path, or ``records``).
        record_versions: Every distinct ``lexicon / scoring`` pair among the records.
        categories: The audit of each column, then of each intersection.
    """

    results: str
    demographics: str
    decisions: str | None
    selection: str
    results_total: int
    screened: int
    not_screened: int
    no_demographics: int
    unmatched_rows: int
    undecided: int | None
    median: float
    min_share: float
    versions: dict[str, str]
    versions_from: str
    record_versions: tuple[str, ...]
    categories: tuple[CategoryAudit, ...] = field(default_factory=tuple)


def median_score(outcomes: Sequence[Outcome]) -> float:
    """The median score of all outcomes (0 for none)."""
    return float(statistics.median(o.score for o in outcomes)) if outcomes else 0.0


def _ratio(rate: float, best: float | None) -> float | None:
    return rate / best if best else None


def audit_category(
    outcomes: Sequence[Outcome],
    columns: Sequence[str],
    median: float,
    min_share: float = MIN_SHARE,
) -> CategoryAudit:
    """Rates and impact ratios of the groups of one category.

    Args:
        outcomes: Every screened resume (with or without demographics).
        columns: One column, or several to intersect.
        median: The sample's median score (:func:`median_score` of every outcome).
        min_share: Groups under this share of the total get no ratios.

    Returns:
        The category's audit.
    """
    counts: dict[tuple[str, ...], list[int]] = {}
    unknown = 0
    for o in outcomes:
        values = tuple(o.groups.get(c, "") for c in columns) if o.groups is not None else ()
        if not values or not all(values):
            unknown += 1
            continue
        tally = counts.setdefault(values, [0, 0, 0])
        tally[0] += 1
        tally[1] += int(o.selected)
        tally[2] += int(o.score > median)
    total = sum(t[0] for t in counts.values())
    eligible = {k for k, t in counts.items() if total and t[0] / total >= min_share}
    best_sel = max((counts[k][1] / counts[k][0] for k in eligible), default=None)
    best_score = max((counts[k][2] / counts[k][0] for k in eligible), default=None)
    groups = []
    for values in sorted(counts):
        n, selected, above = counts[values]
        excluded = values not in eligible
        groups.append(
            GroupStats(
                values=values,
                n=n,
                share=n / total,
                excluded=excluded,
                selected=selected,
                selection_rate=selected / n,
                impact_ratio=None if excluded else _ratio(selected / n, best_sel),
                scored_above=above,
                scoring_rate=above / n,
                scoring_impact_ratio=None if excluded else _ratio(above / n, best_score),
            )
        )
    return CategoryAudit(columns=tuple(columns), total=total, unknown=unknown, groups=tuple(groups))


def audit_outcomes(
    outcomes: Sequence[Outcome],
    columns: Sequence[str],
    intersections: Sequence[Sequence[str]] = (),
    min_share: float = MIN_SHARE,
) -> tuple[float, tuple[CategoryAudit, ...]]:
    """Audit every column, then every intersection of columns.

    Args:
        outcomes: Every screened resume.
        columns: The demographic columns, each audited alone.
        intersections: Column lists to audit together (``("sex", "race_ethnicity")``).
        min_share: Groups under this share of a category's total get no ratios.

    Returns:
        The sample's median score and the audit of each category.
    """
    median = median_score(outcomes)
    cats = [audit_category(outcomes, (c,), median, min_share) for c in columns]
    cats += [audit_category(outcomes, tuple(cols), median, min_share) for cols in intersections]
    return median, tuple(cats)
