"""Resuming an interrupted JSONL run: what it already holds, and what is left to screen.

The output is repaired in place, never through a copy: a run that stopped on a full disk can
be resumed on that disk. A torn last line is cut off (truncating needs no free space); lines
to drop inside the file are squeezed out by moving the later lines up, which writes no more
bytes than the file already holds. Either step can be interrupted safely: what it leaves is
read the same way by the next resume (a torn or repeated line is dropped again).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crisis_screen.runs.sources import sha256_file
from crisis_screen.safe_text import source_path

__all__ = ["ResumePlan", "plan_resume", "record_path"]


@dataclass
class ResumePlan:
    """What an interrupted JSONL run already holds, and what is left to screen.

    Attributes:
        todo: Files still to screen, in walk order.
        done: Files skipped because a record with the same path and SHA-256 exists.
        prior: The kept record summaries of skipped inputs: ``(status, flagged)``.
        repaired: True when the output was repaired (a torn, invalid or stale line dropped).
    """

    todo: list[str]
    done: list[str]
    prior: dict[str, tuple[str, bool]]
    repaired: bool


def record_path(value: dict[str, Any]) -> str | None:
    """The path a parsed JSONL record names (``source``, or the bytes of ``source_hex``).

    Returns:
        The path as walked, or None when the record names none that can be read.
    """
    source, raw = value.get("source"), value.get("source_hex")
    if not isinstance(source, str) or not (raw is None or isinstance(raw, str)):
        return None
    try:
        return source_path(source, raw)
    except ValueError:  # source_hex that is not hex
        return None


@dataclass
class _Line:
    """One line of the output: where it starts, its bytes, and the path of a valid record."""

    offset: int
    data: bytes
    path: str | None
    value: dict[str, Any] | None


def _parse_prior(raw: bytes) -> tuple[list[_Line], int]:
    """Split an output into its lines; return them and where the complete lines end."""
    end = raw.rfind(b"\n") + 1  # bytes after the last newline: a line cut off mid-write
    lines: list[_Line] = []
    offset = 0
    for data in raw[:end].split(b"\n")[:-1]:
        value: Any = None
        with contextlib.suppress(ValueError):
            value = json.loads(data) if data.strip() else None
        path = record_path(value) if isinstance(value, dict) else None
        lines.append(_Line(offset, data, path, value if path is not None else None))
        offset += len(data) + 1
    return lines, end


def _repair_in_place(target: Path, lines: list[_Line], keep: list[bool], end: int) -> None:
    """Drop the lines not kept and anything after ``end``, in place (no temp copy)."""
    first = next((i for i, kept in enumerate(keep) if not kept), len(lines))
    start = lines[first].offset if first < len(lines) else end
    rest = b"".join(
        line.data + b"\n" for line, kept in zip(lines[first:], keep[first:], strict=True) if kept
    )
    with open(target, "r+b") as handle:
        if rest:
            handle.seek(start)
            handle.write(rest)
            handle.flush()
        handle.truncate(start + len(rest))


def plan_resume(output: str | os.PathLike[str], files: Sequence[str]) -> ResumePlan:
    """Prepare an interrupted JSONL output for appending, and decide what is left to do.

    A file is skipped when the output holds a record with the same path and SHA-256. The
    output is repaired in place first: a last line cut off by a kill or a full disk is
    discarded, and records of inputs that changed (or could not be hashed) are dropped,
    because they are screened again and every input must appear exactly once.

    Args:
        output: The JSONL output of the interrupted run (missing means nothing done yet).
        files: This run's inputs, in walk order.

    Returns:
        The plan.

    Raises:
        OSError: The output cannot be read or repaired (the next resume can still use it).
    """
    target = Path(output)
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return ResumePlan(todo=list(files), done=[], prior={}, repaired=False)
    lines, end = _parse_prior(raw)
    latest: dict[str, dict[str, Any]] = {}
    for line in lines:
        if line.path is not None and line.value is not None:
            latest[line.path] = line.value
    todo: list[str] = []
    done: list[str] = []
    prior: dict[str, tuple[str, bool]] = {}
    for path in files:
        found = latest.get(path)
        sha = found.get("sha256") if found is not None else None
        current: str | None = None
        if isinstance(sha, str):
            with contextlib.suppress(OSError):
                current = sha256_file(path)
        if found is not None and current is not None and current == sha:
            done.append(path)
            prior[path] = (str(found.get("status")), bool(found.get("flagged")))
        else:
            todo.append(path)
    redo = set(files).difference(done)
    keep = [False] * len(lines)
    kept_paths: set[str] = set()
    # Walk backwards so the latest record of a source is the one kept.
    for index in range(len(lines) - 1, -1, -1):
        named = lines[index].path
        if named is not None and named not in redo and named not in kept_paths:
            kept_paths.add(named)
            keep[index] = True
    repaired = end < len(raw) or not all(keep)
    if repaired:
        _repair_in_place(target, lines, keep, end)
    return ResumePlan(todo=todo, done=done, prior=prior, repaired=repaired)
