"""Resuming an interrupted JSONL run: what it already holds, and what is left to screen."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crisis_screen.runs.sinks import atomic_output
from crisis_screen.runs.sources import sha256_file

__all__ = ["ResumePlan", "plan_resume"]


@dataclass
class ResumePlan:
    """What an interrupted JSONL run already holds, and what is left to screen.

    Attributes:
        todo: Files still to screen, in walk order.
        done: Files skipped because a record with the same path and SHA-256 exists.
        prior: The kept record summaries of skipped inputs: ``(status, flagged)``.
        repaired: True when the output was rewritten (truncated or stale lines dropped).
    """

    todo: list[str]
    done: list[str]
    prior: dict[str, tuple[str, bool]]
    repaired: bool


def _parse_prior(raw: bytes) -> tuple[list[tuple[bytes, dict[str, Any]]], bool]:
    """Split an output file into its valid records; report whether anything was dropped."""
    body, sep, tail = raw.rpartition(b"\n")
    complete = body + sep
    dropped = bool(tail)  # no trailing newline: the last line was cut off mid-write
    records: list[tuple[bytes, dict[str, Any]]] = []
    for line in complete.splitlines():
        if not line.strip():
            dropped = True
            continue
        try:
            value = json.loads(line)
        except ValueError:
            dropped = True
            continue
        if not isinstance(value, dict) or not isinstance(value.get("source"), str):
            dropped = True
            continue
        records.append((line, value))
    return records, dropped


def plan_resume(output: str | os.PathLike[str], files: Sequence[str]) -> ResumePlan:
    """Prepare an interrupted JSONL output for appending, and decide what is left to do.

    A file is skipped when the output holds a record with the same path and SHA-256. The
    output is repaired in place first: a last line cut off by a kill is discarded, and
    records of inputs that changed (or could not be hashed) are dropped, because they are
    screened again and every input must appear exactly once.

    Args:
        output: The JSONL output of the interrupted run (missing means nothing done yet).
        files: This run's inputs, in walk order.

    Returns:
        The plan.
    """
    target = Path(output)
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return ResumePlan(todo=list(files), done=[], prior={}, repaired=False)
    records, dropped = _parse_prior(raw)
    latest: dict[str, dict[str, Any]] = {}
    for _, value in records:
        latest[value["source"]] = value
    inputs = set(files)
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
    redo = inputs.difference(done)
    keep: list[bytes] = []
    kept_sources: set[str] = set()
    # Walk backwards so the latest record of a source is the one kept.
    for line, value in reversed(records):
        source = value["source"]
        if source in redo or source in kept_sources:
            dropped = True
            continue
        kept_sources.add(source)
        keep.append(line)
    keep.reverse()
    if dropped:
        with atomic_output(target) as out:
            for line in keep:
                out.write(line.decode("utf-8") + "\n")
    return ResumePlan(todo=todo, done=done, prior=prior, repaired=dropped)
