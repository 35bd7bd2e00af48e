"""Ranking records for display: best score first, then the files that failed."""

from __future__ import annotations

from collections.abc import Iterable

from crisis_screen.runs.records import ScanRecord, rank_key

__all__ = ["rank_records"]


def rank_records(
    records: Iterable[ScanRecord], *, top: int | None = None, min_score: float | None = None
) -> list[ScanRecord]:
    """Order records for display: screened files by score (best first), then failures.

    Args:
        records: Records in any order.
        top: Keep only the best N screened files (failures are always kept).
        min_score: Keep only screened files scoring at least this (failures always kept).

    Returns:
        Screened records ranked, then error records in their input order.
    """
    ok: list[ScanRecord] = []
    errors: list[ScanRecord] = []
    for record in records:
        if not record.ok:
            errors.append(record)
        elif min_score is None or (record.score or 0.0) >= min_score:
            ok.append(record)
    ok.sort(key=lambda r: rank_key(r.score, r.source))
    if top is not None:
        ok = ok[:top]
    return ok + errors
