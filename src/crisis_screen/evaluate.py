"""Measure a screener against labelled data: precision, recall, F1, errors, threshold sweep.

Two label formats are read (the same as the project's evaluation data):

- lines: a JSONL file, one object per line with ``text`` and ``label`` (0/1), optional ``id``
  and ``kind``. A line is predicted positive when it has counted evidence.
- resumes: a folder with ``labels.json`` mapping file name to ``{"relevant": 0 or 1}``
  (optional ``kind``); every file is read with :mod:`crisis_screen.extract`. A resume is
  predicted positive when its result is flagged. An entry may also carry the resume's
  ``grade`` (0-3) or ``tier`` (``none``, ``claim_only``, ``moderate``, ``strong``); the report
  then holds the tier confusion table (expected tier against ``summary.tier``).

``calibrate=True`` (``evaluate --calibrate``) adds a reliability table on labelled lines: the
confidence of each line's strongest hit, in bins, against the share of those lines labelled 1.

Integrators use this to check a tuned lexicon or threshold on their own labelled resumes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

# Re-exported: the label readers lived here and users import them from this module.
from crisis_screen.errors import ExtractionError, LabelsError
from crisis_screen.labels import (
    TIERS,
    LabeledItem,
    LabelSet,
    Unit,
    load_labels,
    load_tiers,
)
from crisis_screen.models import Document, ScreenResult, Tier

if TYPE_CHECKING:
    from crisis_screen.screener import Screener

__all__ = [
    "TIERS",
    "EvaluationReport",
    "LabelSet",
    "LabelsError",
    "LabeledItem",
    "calibration",
    "evaluate",
    "load_labels",
    "load_tiers",
    "render_text",
    "tier_confusion",
]

#: Thresholds of the default sweep (resume score, 0-100).
SWEEP_THRESHOLDS = tuple(float(t) for t in range(0, 101, 5))
#: Upper edges of the calibration bins (confidence of a line's strongest hit, 0-1).
CALIBRATION_EDGES = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


class EvidenceBrief(BaseModel):
    """The evidence that decided an item, as shown in the error list."""

    model_config = ConfigDict(frozen=True)

    line_no: int
    text: str
    concept: str
    method: str
    confidence: float
    counted: bool
    reasons: tuple[str, ...]


class ItemOutcome(BaseModel):
    """The prediction for one item that the screener got wrong (or could not read)."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    label: int
    predicted: int | None
    score: float | None
    text: str | None = None
    error: str | None = None
    evidence: tuple[EvidenceBrief, ...] = ()


class Counts(BaseModel):
    """Confusion counts and the measures derived from them."""

    model_config = ConfigDict(frozen=True)

    n: int
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    accuracy: float

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> Counts:
        """Build from ``(label, predicted)`` pairs."""
        tp = fp = fn = tn = 0
        for label, pred in pairs:
            if label and pred:
                tp += 1
            elif pred:
                fp += 1
            elif label:
                fn += 1
            else:
                tn += 1
        n = tp + fp + fn + tn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(
            n=n,
            tp=tp,
            fp=fp,
            fn=fn,
            tn=tn,
            precision=round(precision, 4),
            recall=round(recall, 4),
            f1=round(f1, 4),
            accuracy=round((tp + tn) / n, 4) if n else 0.0,
        )


class KindStats(BaseModel):
    """Results for one ``kind`` of item."""

    model_config = ConfigDict(frozen=True)

    n: int
    positives: int
    predicted_positive: int
    correct: int


class SweepPoint(BaseModel):
    """Precision and recall at one resume-score threshold."""

    model_config = ConfigDict(frozen=True)

    threshold: float
    precision: float
    recall: float
    f1: float
    flagged: int


class TierConfusion(BaseModel):
    """Expected tier (from ``grade``/``tier`` labels) against the predicted ``summary.tier``."""

    model_config = ConfigDict(frozen=True)

    n: int
    correct: int
    accuracy: float
    table: dict[str, dict[str, int]] = Field(description="expected tier -> predicted -> count")
    wrong: tuple[tuple[str, str, str], ...] = Field(
        default=(), description="(item id, expected tier, predicted tier) of every miss"
    )


class CalibrationBin(BaseModel):
    """Lines whose strongest hit has a confidence in ``(low, high]`` (0 means no hit at all)."""

    model_config = ConfigDict(frozen=True)

    low: float
    high: float
    n: int
    mean_confidence: float
    observed: float = Field(description="share of the bin's lines labelled 1")
    counted: int = Field(description="lines of the bin with counted evidence")


class EvaluationReport(BaseModel):
    """Everything ``crisis-screen evaluate`` reports (``--format json`` prints this)."""

    model_config = ConfigDict(frozen=True)

    unit: Unit
    source: str
    threshold: float
    versions: dict[str, str]
    counts: Counts
    by_kind: dict[str, KindStats]
    unreadable: int = 0
    errors: tuple[ItemOutcome, ...] = Field(default=(), description="Misclassified or unread.")
    sweep: tuple[SweepPoint, ...] = ()
    tiers: TierConfusion | None = None
    calibration: tuple[CalibrationBin, ...] = ()


def tier_confusion(pairs: Iterable[tuple[str, Tier, Tier]]) -> TierConfusion:
    """Build the tier confusion table from ``(id, expected, predicted)`` triples."""
    table: dict[str, dict[str, int]] = {t: dict.fromkeys(TIERS, 0) for t in TIERS}
    wrong: list[tuple[str, str, str]] = []
    n = correct = 0
    for item, want, got in pairs:
        n += 1
        table[want][got] += 1
        if want == got:
            correct += 1
        else:
            wrong.append((item, want, got))
    return TierConfusion(
        n=n,
        correct=correct,
        accuracy=round(correct / n, 4) if n else 0.0,
        table=table,
        wrong=tuple(wrong),
    )


def calibration(
    scored: Iterable[tuple[int, float, bool]], edges: Sequence[float] = CALIBRATION_EDGES
) -> tuple[CalibrationBin, ...]:
    """Bin ``(label, confidence, counted)`` triples by confidence: a reliability table.

    The first bin holds lines with no hit (confidence 0); each other bin ``(low, high]``.
    A well-calibrated screener's observed share of positives rises with the confidence.
    """
    rows = list(scored)
    out: list[CalibrationBin] = []
    bounds = [(0.0, 0.0), *zip(edges[:-1], edges[1:], strict=True)]
    for low, high in bounds:
        if high == 0.0:
            inside = [r for r in rows if r[1] <= 0.0]
        else:
            inside = [r for r in rows if low < r[1] <= high]
        if not inside:
            continue
        out.append(
            CalibrationBin(
                low=low,
                high=high,
                n=len(inside),
                mean_confidence=round(sum(r[1] for r in inside) / len(inside), 4),
                observed=round(sum(r[0] for r in inside) / len(inside), 4),
                counted=sum(1 for r in inside if r[2]),
            )
        )
    return tuple(out)


def evaluate(
    screener: Screener,
    labels: LabelSet,
    *,
    sweep: bool = False,
    thresholds: Sequence[float] = SWEEP_THRESHOLDS,
    calibrate: bool = False,
) -> EvaluationReport:
    """Screen every labelled item and compare with its label.

    Args:
        screener: The screener to measure (its threshold decides resume flags).
        labels: From :func:`load_labels`.
        sweep: Also report precision/recall at each score threshold.
        thresholds: Thresholds of the sweep.
        calibrate: Also report the reliability table (lines: confidence of the strongest hit
            against the share labelled 1; resumes: the same with the score / 100).

    Returns:
        The report; unreadable resumes are listed as errors and left out of the counts.
    """
    outcomes: list[tuple[LabeledItem, ScreenResult | None, str | None]] = []
    if labels.unit == "line":
        docs = [Document(text=i.text or "", source=i.id) for i in labels.items]
        results = screener.screen_many(docs)
        outcomes = [(i, r, None) for i, r in zip(labels.items, results, strict=True)]
    else:
        for item in labels.items:
            try:
                outcomes.append((item, screener.screen_file(item.path or ""), None))
            except ExtractionError as exc:
                outcomes.append((item, None, f"{type(exc).__name__}: {exc.reason}"))
    pairs: list[tuple[int, int]] = []
    by_kind: dict[str, list[tuple[int, int]]] = {}
    errors: list[ItemOutcome] = []
    unreadable = 0
    for item, result, error in outcomes:
        if result is None:
            unreadable += 1
            errors.append(
                ItemOutcome(
                    id=item.id,
                    kind=item.kind,
                    label=item.label,
                    predicted=None,
                    score=None,
                    error=error,
                )
            )
            continue
        pred = _predict(labels.unit, result)
        pairs.append((item.label, pred))
        by_kind.setdefault(item.kind, []).append((item.label, pred))
        if pred != item.label:
            errors.append(_outcome(item, result, pred))
    kinds = {
        k: KindStats(
            n=len(v),
            positives=sum(lab for lab, _ in v),
            predicted_positive=sum(p for _, p in v),
            correct=sum(lab == p for lab, p in v),
        )
        for k, v in sorted(by_kind.items())
    }
    points: list[SweepPoint] = []
    if sweep:
        scored = [(i.label, r.score) for i, r, _ in outcomes if r is not None]
        for t in thresholds:
            c = Counts.of((lab, int(score >= t and score > 0)) for lab, score in scored)
            points.append(
                SweepPoint(
                    threshold=t,
                    precision=c.precision,
                    recall=c.recall,
                    f1=c.f1,
                    flagged=c.tp + c.fp,
                )
            )
    expected = load_tiers(labels)
    tiers = None
    if expected:
        tiers = tier_confusion(
            (i.id, expected[i.id], r.summary.tier)
            for i, r, _ in outcomes
            if r is not None and i.id in expected
        )
    bins: tuple[CalibrationBin, ...] = ()
    if calibrate:
        bins = calibration(
            (i.label, _confidence(labels.unit, r), _predict(labels.unit, r) == 1)
            for i, r, _ in outcomes
            if r is not None
        )
    return EvaluationReport(
        unit=labels.unit,
        source=labels.source,
        threshold=screener.threshold,
        versions=screener.versions.model_dump(),
        counts=Counts.of(pairs),
        by_kind=kinds,
        unreadable=unreadable,
        errors=tuple(errors),
        sweep=tuple(points),
        tiers=tiers,
        calibration=bins,
    )


def _confidence(unit: Unit, result: ScreenResult) -> float:
    """A line's strongest hit confidence (0 with none); a resume's score as a share."""
    if unit == "line":
        return max((e.confidence for e in result.evidence), default=0.0)
    return result.score / 100.0


def _predict(unit: Unit, result: ScreenResult) -> int:
    if unit == "line":
        return int(any(e.counted for e in result.evidence))
    return int(result.flagged)


def _outcome(item: LabeledItem, result: ScreenResult, pred: int) -> ItemOutcome:
    # A missed positive shows every hit (why each did not count); a false positive shows the
    # counted evidence that flagged it.
    shown = [e for e in result.evidence if e.counted] if pred else list(result.evidence)
    return ItemOutcome(
        id=item.id,
        kind=item.kind,
        label=item.label,
        predicted=pred,
        score=result.score,
        text=item.text,
        evidence=tuple(
            EvidenceBrief(
                line_no=e.line_no,
                text=e.text,
                concept=e.concept,
                method=e.method,
                confidence=e.confidence,
                counted=e.counted,
                reasons=tuple(a.reason for a in e.adjustments),
            )
            for e in shown[:8]
        ),
    )


def render_text(report: EvaluationReport) -> str:
    """Render a report for a terminal (plain text, stable for logs and diffs)."""
    c = report.counts
    out = [
        f"crisis-screen evaluate: {report.source} ({c.n} {report.unit}s"
        + (f", {report.unreadable} unreadable" if report.unreadable else "")
        + ")",
        f"versions: {report.versions.get('lexicon')} / scoring {report.versions.get('scoring')}"
        + (f" / threshold {report.threshold:g}" if report.unit == "resume" else ""),
        "",
        f"precision {c.precision:.3f}   recall {c.recall:.3f}   F1 {c.f1:.3f}"
        f"   accuracy {c.accuracy:.3f}",
        f"confusion: TP {c.tp}  FP {c.fp}  FN {c.fn}  TN {c.tn}",
        "",
        f"{'kind':<20} {'n':>5} {'positives':>9} {'flagged':>8} {'correct':>8}",
    ]
    for kind, k in report.by_kind.items():
        out.append(f"{kind:<20} {k.n:>5} {k.positives:>9} {k.predicted_positive:>8} {k.correct:>8}")
    if report.sweep:
        out += ["", f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>6} {'flagged':>8}"]
        for p in report.sweep:
            out.append(
                f"{p.threshold:>9g} {p.precision:>9.3f} {p.recall:>7.3f} {p.f1:>6.3f}"
                f" {p.flagged:>8}"
            )
    if report.tiers is not None:
        t = report.tiers
        out += [
            "",
            f"tiers: {t.correct}/{t.n} correct ({t.accuracy:.0%}); rows expected, columns got",
            f"{'':<11}" + "".join(f"{p:>11}" for p in TIERS),
        ]
        for want in TIERS:
            out.append(f"{want:<11}" + "".join(f"{t.table[want][p]:>11}" for p in TIERS))
        for item, want_tier, got in t.wrong:
            out.append(f"- [tier] {item}: expected {want_tier}, got {got}")
    if report.calibration:
        out += [
            "",
            "reliability (confidence of the strongest hit vs share labelled positive):",
            f"{'bin':>11} {'n':>5} {'mean conf':>9} {'observed':>8} {'counted':>7}",
        ]
        for b in report.calibration:
            span = "no hit" if b.high == 0.0 else f"{b.low:.1f}-{b.high:.1f}"
            out.append(
                f"{span:>11} {b.n:>5} {b.mean_confidence:>9.3f} {b.observed:>8.3f} {b.counted:>7}"
            )
    if report.errors:
        out += ["", f"misclassified or unread ({len(report.errors)}):"]
        for e in report.errors:
            what = (
                "unreadable"
                if e.predicted is None
                else ("false positive" if e.predicted else "missed positive")
            )
            out.append(f"- [{what}] {e.id} ({e.kind})" + (f" score {e.score:g}" if e.score else ""))
            if e.text:
                out.append(f"    text: {e.text[:160]}")
            if e.error:
                out.append(f"    error: {e.error}")
            for ev in e.evidence:
                status = "counted" if ev.counted else "not counted"
                why = "; ".join(ev.reasons) or "no context adjustment"
                out.append(
                    f"    line {ev.line_no}: {ev.text!r} [{ev.concept}, {ev.method},"
                    f" {ev.confidence:.2f}, {status}] {why}"
                )
    return "\n".join(out) + "\n"
