"""Labelled data for :mod:`crisis_screen.evaluate`: reading and checking label files.

Two label formats are read (the same as the project's evaluation data):

- lines: a JSONL file, one object per line with ``text`` and ``label`` (0/1), optional ``id``
  and ``kind``.
- resumes: a folder with ``labels.json`` mapping file name to ``{"relevant": 0 or 1}``
  (optional ``kind``, and ``grade`` 0-3 or ``tier`` for the tier table).

A label file is checked whole before anything is screened: every problem is reported together
in one :class:`~crisis_screen.errors.LabelsError`, each saying what was expected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from crisis_screen.errors import LabelsError
from crisis_screen.models import Tier

Unit = Literal["line", "resume"]
#: Tiers, weakest first; a ``grade`` 0-3 is the index into this tuple.
TIERS: tuple[Tier, ...] = ("none", "claim_only", "moderate", "strong")


class LabeledItem(BaseModel):
    """One labelled line or resume.

    Attributes:
        id: Identifier (the JSONL ``id`` or the resume file name).
        label: 1 when it shows the skill, else 0.
        kind: Optional category for the breakdown (e.g. ``hard_negative``).
        text: The line text (lines only).
        path: The resume file (resumes only).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    label: Literal[0, 1]
    kind: str
    text: str | None = None
    path: str | None = None


class LabelSet(BaseModel):
    """Labelled data of one unit."""

    model_config = ConfigDict(frozen=True)

    unit: Unit
    source: str
    items: tuple[LabeledItem, ...]


def load_labels(path: str | Path) -> LabelSet:
    """Read labelled lines (JSONL) or labelled resumes (a folder with ``labels.json``).

    Every problem of the file is collected before anything is raised, so one run lists them
    all: each bad JSONL line by number, each bad ``labels.json`` entry by file name, and every
    labelled file that is missing from the folder (a missing file is an error, not a smaller
    test set).

    Args:
        path: A ``.jsonl`` file, a folder holding ``labels.json``, or that ``labels.json``.

    Raises:
        LabelsError: Listing every problem, each naming the file (and line) and what was
            expected.
    """
    p = Path(path)
    if p.is_dir():
        return _load_resume_labels(p / "labels.json")
    if p.name == "labels.json":
        return _load_resume_labels(p)
    if not p.exists():
        raise LabelsError(f"{p}: no such file or directory")
    return _load_line_labels(p)


#: What one JSONL line should look like, quoted in messages.
_LINE_SHAPE = '{"text": "...", "label": 0 or 1}'
#: What one labels.json entry should look like.
_ENTRY_SHAPE = '{"relevant": 0 or 1}'


def _describe(value: object) -> str:
    """Name a JSON value in a message without echoing long text (it may be resume text)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value) if len(value) <= 12 else f"a string of {len(value)} characters"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _binary(value: object) -> bool:
    return value in (0, 1) and not isinstance(value, bool) and isinstance(value, int)


def _label_problems(where: str, obj: dict[str, object], key: str) -> list[str]:
    """Check the 0/1 label under ``key`` and the optional string ``kind`` of one item."""
    out: list[str] = []
    if key not in obj:
        out.append(f'{where}: missing "{key}" (expected 0 or 1)')
    elif not _binary(obj[key]):
        out.append(f'{where}: "{key}" must be 0 or 1, found {_describe(obj[key])}')
    kind = obj.get("kind")
    if kind is not None and not isinstance(kind, str):
        out.append(f'{where}: "kind" must be a string, found {_describe(kind)}')
    return out


def _load_line_labels(path: Path) -> LabelSet:
    try:
        raw_lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"{path}: cannot read: {exc}") from exc
    items: list[LabeledItem] = []
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    for n, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(
                f"{where}: not valid JSON ({exc.msg}, column {exc.colno});"
                f" expected one object a line, {_LINE_SHAPE}"
            )
            continue
        if not isinstance(obj, dict):
            problems.append(f"{where}: expected an object {_LINE_SHAPE}, found {_describe(obj)}")
            continue
        bad = len(problems)
        text, label, kind, ident = obj.get("text"), obj.get("label"), obj.get("kind"), obj.get("id")
        if "text" not in obj:
            problems.append(f'{where}: missing "text" (expected the line as a string)')
        elif not isinstance(text, str):
            problems.append(f'{where}: "text" must be a string, found {_describe(text)}')
        problems += _label_problems(where, obj, "label")
        if ident is not None and (isinstance(ident, bool) or not isinstance(ident, (str, int))):
            problems.append(f'{where}: "id" must be a string or a number, found {_describe(ident)}')
        elif ident is not None:
            first = seen_ids.setdefault(str(ident), n)
            if first != n:
                problems.append(
                    f'{where}: "id" {_describe(str(ident))} is already used on line {first}'
                )
        if len(problems) > bad:
            continue
        items.append(
            LabeledItem(
                id=str(obj.get("id", n)),
                label=1 if label == 1 else 0,  # checked above: 0 or 1
                kind=str(kind or ("positive" if label else "negative")),
                text=text,
            )
        )
    if problems:
        raise LabelsError(problems)
    if not items:
        raise LabelsError(f"{path}: no labelled lines (expected one object a line, {_LINE_SHAPE})")
    return LabelSet(unit="line", source=str(path), items=tuple(items))


def _pairs_once(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # json.loads keeps the last of two equal keys without a word; keep them all to report it.
    out: dict[str, object] = {}
    for key, value in pairs:
        out[key] = _Repeated(out[key], value) if key in out else value
    return out


class _Repeated:
    """A key given twice in one JSON object (only the fact matters)."""

    def __init__(self, first: object, second: object) -> None:
        self.values = (first, second)


def _load_resume_labels(path: Path) -> LabelSet:
    folder = path.parent
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_pairs_once)
    except FileNotFoundError as exc:
        raise LabelsError(f"{path}: not found (a resume folder needs labels.json)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"{path}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise LabelsError(
            f"{path}: not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
        ) from exc
    if not isinstance(data, dict):
        raise LabelsError(
            f"{path}: expected an object mapping file names to {_ENTRY_SHAPE},"
            f" found {_describe(data)}"
        )
    if not data:
        raise LabelsError(
            f"{path}: no labelled files (expected file names mapped to {_ENTRY_SHAPE})"
        )
    items: list[LabeledItem] = []
    problems: list[str] = []
    root = folder.resolve()
    for name, entry in sorted(data.items()):
        where = f"{path}: {name!r}"
        if isinstance(entry, _Repeated):
            problems.append(f"{where}: listed more than once (each file takes one label)")
            continue
        bad = len(problems)
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected an object {_ENTRY_SHAPE}, found {_describe(entry)}")
            continue
        relevant, kind = entry.get("relevant"), entry.get("kind")
        problems += _label_problems(where, entry, "relevant")
        target = folder / name
        if not name.strip():
            problems.append(f"{path}: an empty file name (expected a file of {folder})")
        elif Path(name).is_absolute() or not target.resolve().is_relative_to(root):
            problems.append(f"{where}: names a file outside {folder} (use a name relative to it)")
        elif not target.exists():
            problems.append(f"{where}: no such file in {folder}")
        elif not target.is_file():
            problems.append(f"{where}: is a folder, not a resume file")
        if len(problems) > bad:
            continue
        items.append(
            LabeledItem(
                id=name,
                label=1 if relevant == 1 else 0,  # checked above: 0 or 1
                kind=str(kind or ("relevant" if relevant else "not_relevant")),
                path=str(target),
            )
        )
    if problems:
        raise LabelsError(problems)
    return LabelSet(unit="resume", source=str(folder), items=tuple(items))


def load_tiers(labels: LabelSet) -> dict[str, Tier]:
    """Read the expected tier of each resume from its ``labels.json`` entry, when given.

    An entry's ``tier`` (a tier name) wins over its ``grade`` (0-3, an index into
    :data:`TIERS`); entries with neither are left out.

    Args:
        labels: A resume label set from :func:`load_labels`.

    Raises:
        LabelsError: When a grade or tier is not one of the known values.
    """
    if labels.unit != "resume":
        return {}
    path = Path(labels.source) / "labels.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabelsError(f"{path}: cannot read: {exc}") from exc
    out: dict[str, Tier] = {}
    for name, entry in data.items() if isinstance(data, dict) else ():
        if not isinstance(entry, dict):
            continue
        tier, grade = entry.get("tier"), entry.get("grade")
        if tier is not None:
            if tier not in TIERS:
                raise LabelsError(f"{path}: {name!r}: 'tier' must be one of {TIERS}, got {tier!r}")
            out[name] = tier
        elif grade is not None:
            if grade not in (0, 1, 2, 3) or isinstance(grade, bool):
                raise LabelsError(f"{path}: {name!r}: 'grade' must be 0-3, got {grade!r}")
            out[name] = TIERS[grade]
    return out
