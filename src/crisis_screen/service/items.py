"""Request bodies of the HTTP service: their models, and parsing them into work items.

Nothing here imports the web framework, so the parsing rules are plain functions. Every
problem with a request is an :class:`~crisis_screen.errors.InvalidInputError` (or a
:class:`~crisis_screen.errors.LimitExceededError` for size) whose reason names the field and
the problem, never a value from the request: the values are resume text.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crisis_screen.errors import ExtractionError, InvalidInputError, LimitExceededError
from crisis_screen.runs.records import ScanRecord
from crisis_screen.service.worker import WorkItem

__all__ = [
    "MAX_BATCH_ITEMS",
    "BatchRequest",
    "BatchResponse",
    "FileItem",
    "Health",
    "ItemPlan",
    "Problem",
    "TextItem",
    "UrlItem",
    "parse_batch",
    "parse_item",
    "parse_json",
    "plan_upload",
]

#: Most items in one batch request.
MAX_BATCH_ITEMS = 100
#: Longest ``source`` label accepted (it is logged and stored by integrations).
MAX_SOURCE_CHARS = 1024

_Source = Field(
    default=None,
    max_length=MAX_SOURCE_CHARS,
    description="Label of the record (candidate or attachment id); default: the file name.",
)


class TextItem(BaseModel):
    """Plain resume text, screened as ``Screener.screen_text`` screens it."""

    model_config = ConfigDict(extra="forbid", title="TextItem")

    text: str = Field(description="The resume text.")
    source: str | None = _Source


class FileItem(BaseModel):
    """A resume file in base64 (any supported format, detected by content)."""

    model_config = ConfigDict(extra="forbid", title="FileItem")

    filename: str = Field(
        min_length=1,
        max_length=MAX_SOURCE_CHARS,
        description="The file's name; its suffix breaks ties between text-like formats.",
    )
    data: str = Field(description="The file's bytes, base64-encoded (standard alphabet).")
    source: str | None = _Source


class UrlItem(BaseModel):
    """A link to a resume file (ATS attachment links); only when the server allows URLs."""

    model_config = ConfigDict(extra="forbid", title="UrlItem")

    url: str = Field(max_length=8192, description="http(s) URL of the file.")
    source: str | None = Field(
        default=None,
        max_length=MAX_SOURCE_CHARS,
        description="Label of the record; default: the URL without its query string.",
    )


ScreenItem = TextItem | FileItem | UrlItem


class BatchRequest(BaseModel):
    """Up to 100 items, each of the forms ``POST /v1/screen`` takes as JSON."""

    model_config = ConfigDict(extra="forbid", title="BatchRequest")

    items: list[ScreenItem] = Field(max_length=MAX_BATCH_ITEMS)


class BatchResponse(BaseModel):
    """One record per item, in input order; bad items as error records."""

    model_config = ConfigDict(title="BatchResponse")

    records: list[ScanRecord]


class Health(BaseModel):
    """Whether the service screens now, and with what."""

    model_config = ConfigDict(title="Health")

    status: Literal["ok", "starting", "draining", "failed"]
    versions: dict[str, str] = Field(
        default_factory=dict, description="Library, lexicon and scoring versions (once ready)."
    )
    workers: int = Field(description="Worker processes.")
    in_flight: int = Field(description="Requests being screened or waiting for a worker.")
    capacity: int = Field(description="Requests admitted at once (workers + queue).")


class Problem(BaseModel):
    """Why a request was refused (bad request, auth, size, overload)."""

    model_config = ConfigDict(title="Problem")

    status: Literal["error"] = "error"
    error_type: str = Field(description="Exception class name or HTTP problem.")
    error: str = Field(description="One-line reason; never resume text.")
    request_id: str | None = None


@dataclass(frozen=True)
class ItemPlan:
    """What to do with one parsed item.

    Attributes:
        label: The ``source`` its record carries.
        work: The item to screen, or None.
        url: A URL to fetch first (then screened as a file), or None.
        error: Why the item cannot be screened, or None.
    """

    label: str
    work: WorkItem | None = None
    url: str | None = None
    error: ExtractionError | None = None


def parse_json(body: bytes) -> Any:
    """Decode a JSON request body.

    Raises:
        InvalidInputError: The body is empty or not JSON.
    """
    if not body.strip():
        raise InvalidInputError("request", "the body is empty; send a JSON object")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        # The decoder's message quotes the text around the error: give the position only.
        raise InvalidInputError("request", "the body is not valid JSON") from None


def _validation_reason(where: str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = ".".join(str(part) for part in err["loc"])
        problems.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return f"{where}: " + "; ".join(problems)


def url_label(url: str) -> str:
    """A URL without its query and fragment: signed links carry their credentials there."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _model_for(obj: dict[str, Any]) -> type[TextItem] | type[FileItem] | type[UrlItem] | None:
    kinds = [m for m, keys in _KINDS if any(k in obj for k in keys)]
    return kinds[0] if len(kinds) == 1 else None


_KINDS: tuple[tuple[type[TextItem] | type[FileItem] | type[UrlItem], tuple[str, ...]], ...] = (
    (TextItem, ("text",)),
    (FileItem, ("data", "filename")),
    (UrlItem, ("url",)),
)


def _decode_base64(data: str, label: str, where: str, max_bytes: int) -> bytes:
    compact = "".join(data.split())  # encoders wrap lines at 76 characters
    if len(compact) > (max_bytes + 2) // 3 * 4 + 4:
        reason = f"file is more than {max_bytes} bytes"
        raise LimitExceededError(label, reason)
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(label, f"{where}: data is not valid base64") from None
    if len(decoded) > max_bytes:
        raise LimitExceededError(label, f"file is {len(decoded)} bytes, more than {max_bytes}")
    return decoded


def parse_item(obj: Any, index: int | None, max_bytes: int, urls: bool) -> ItemPlan:
    """Turn one JSON item into a plan (never raises: problems become ``error``).

    Args:
        obj: The decoded JSON value.
        index: Its position in a batch (labels of unnamed items), or None for a single item.
        max_bytes: Largest file or text accepted, in bytes (UTF-8 for text).
        urls: True when the server fetches URLs.

    Returns:
        The plan: the item to screen, the URL to fetch, or the error its record reports.
    """
    where = "body" if index is None else f"items[{index}]"
    fallback = "<text>" if index is None else f"<item {index + 1}>"
    if not isinstance(obj, dict):
        return ItemPlan(fallback, error=InvalidInputError(fallback, f"{where} is not an object"))
    model = _model_for(obj)
    source = obj.get("source") if isinstance(obj.get("source"), str) else None
    if model is None:
        reason = f"{where} needs exactly one of: text; filename and data; url"
        return ItemPlan(source or fallback, error=InvalidInputError(source or fallback, reason))
    try:
        item = model.model_validate(obj)
    except ValidationError as exc:
        label = source or fallback
        return ItemPlan(label, error=InvalidInputError(label, _validation_reason(where, exc)))
    if isinstance(item, TextItem):
        # screen_many labels unnamed texts "<text N>", screen_text "<text>": the same here.
        label = item.source or ("<text>" if index is None else f"<text {index + 1}>")
        return _text_plan(item.text, label, where, max_bytes)
    if isinstance(item, FileItem):
        label = item.source or item.filename
        try:
            data = _decode_base64(item.data, label, where, max_bytes)
        except ExtractionError as exc:
            return ItemPlan(label, error=exc)
        return ItemPlan(label, work=WorkItem(label, data=data, filename=item.filename))
    label = item.source or url_label(item.url)
    if not urls:
        return ItemPlan(label, error=InvalidInputError(label, "url input is not enabled here"))
    return ItemPlan(label, url=item.url)


def _text_plan(text: str, label: str, where: str, max_bytes: int) -> ItemPlan:
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return ItemPlan(label, error=InvalidInputError(label, f"{where}: text is not valid UTF-8"))
    if size > max_bytes:
        error = LimitExceededError(label, f"file is {size} bytes, more than {max_bytes}")
        return ItemPlan(label, error=error)
    return ItemPlan(label, work=WorkItem(label, text=text))


def parse_batch(obj: Any, max_bytes: int, urls: bool) -> list[ItemPlan]:
    """Turn a batch body into one plan per item.

    Raises:
        InvalidInputError: The body is not ``{"items": [...]}`` of at most 100 items.
    """
    if not isinstance(obj, dict) or not isinstance(obj.get("items"), list):
        raise InvalidInputError("request", 'the body must be an object {"items": [...]}')
    extra = sorted(set(obj) - {"items"})
    if extra:
        raise InvalidInputError("request", f"unknown field(s) in the body: {', '.join(extra)}")
    items = obj["items"]
    if len(items) > MAX_BATCH_ITEMS:
        raise InvalidInputError(
            "request", f"a batch holds at most {MAX_BATCH_ITEMS} items, got {len(items)}"
        )
    return [parse_item(item, i, max_bytes, urls) for i, item in enumerate(items)]


def plan_upload(data: bytes, filename: str | None, source: str | None, max_bytes: int) -> ItemPlan:
    """The plan of a multipart upload (``file`` field, optional ``source``)."""
    name = posixpath.basename((filename or "").replace("\\", "/")) or "upload"
    label = source or name
    if len(data) > max_bytes:
        error = LimitExceededError(label, f"file is {len(data)} bytes, more than {max_bytes}")
        return ItemPlan(label, error=error)
    return ItemPlan(label, work=WorkItem(label, data=data, filename=name))
