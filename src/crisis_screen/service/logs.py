"""Structured logs of the HTTP service: one JSON object per line on stderr.

A request's line holds its id, endpoint, status, timings and sizes, and counts of records; it
never holds resume text or uploaded file names (only the routes' own paths are logged, and a
record's ``source`` only as the caller gave it, never by default). Exceptions are logged by
type and place, never by message: a library's message can quote the document it choked on.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
import traceback
from typing import Any

__all__ = ["JsonFormatter", "configure_logging", "log_event"]

LOGGER = logging.getLogger("crisis_screen.service")
# One encoder for every line: ``json.dumps`` with options builds a new one per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@functools.lru_cache(maxsize=4)
def _second(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))


class JsonFormatter(logging.Formatter):
    """Format records as JSON lines: time, level, logger, event, message and fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return one JSON line for ``record``."""
        line: dict[str, Any] = {
            "ts": f"{_second(int(record.created))}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": getattr(record, "event", "log"),
        }
        if line["event"] == "log":
            line["message"] = record.getMessage()
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line["exc_type"] = type(exc).__name__
            frames = traceback.extract_tb(exc.__traceback__)[-5:]
            line["exc_where"] = [f"{f.filename}:{f.lineno} {f.name}" for f in frames]
        return _ENCODE(line)


def configure_logging(level: str = "info") -> None:
    """Send every log record (uvicorn's included) to stderr as JSON lines.

    The lines hold no thread or process names, so log records skip looking them up (the
    ``logging`` module's own switches for this): a line is logged on every request.
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event with its fields.

    Builds the record itself: ``Logger.log`` would also walk the stack to find the caller,
    which is a good part of the cost of a line logged on every request.
    """
    if LOGGER.isEnabledFor(level):
        extra = {"event": event, "fields": fields}
        LOGGER.handle(
            LOGGER.makeRecord(LOGGER.name, level, __file__, 0, event, (), None, None, extra)
        )
