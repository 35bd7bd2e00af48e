"""Exception hierarchy of crisis_screen.

Every error the library raises on purpose derives from :class:`CrisisScreenError`, so an
integration can catch one type. Messages name the file and the problem, never resume text
(it is personal data).
"""

from __future__ import annotations

from collections.abc import Sequence


class CrisisScreenError(Exception):
    """Base class of every error crisis_screen raises on purpose."""


class LexiconError(CrisisScreenError):
    """A lexicon (or question bank) failed validation.

    All problems found are reported together, one per line, each naming the file and entry.

    Attributes:
        problems: The individual problems, each ``"<file>: <entry>: <message>"``.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in lexicon"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class ExtractionError(CrisisScreenError):
    """A document could not be turned into text.

    Attributes:
        source: The file name or label of the document.
        reason: A one-line reason, safe to log (no resume text).
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class UnsupportedFormatError(ExtractionError):
    """The content is not a format crisis_screen reads (detected by content, not suffix)."""


class EmptyDocumentError(ExtractionError):
    """The file is empty or holds no text at all."""


class EncryptedDocumentError(ExtractionError):
    """The document is encrypted or password protected."""


class NeedsOCRError(ExtractionError):
    """A PDF has pages but no text layer: it is a scan and needs OCR first."""


class CorruptDocumentError(ExtractionError):
    """The file is damaged, truncated or not what its format promises."""


class LimitExceededError(ExtractionError):
    """The file exceeds a configured safety limit (size, pages, ratio, time, nesting)."""


class TimeLimitExceededError(LimitExceededError):
    """Reading and screening the file took longer than its time limit, and it was stopped.

    In a batch's worker processes a watchdog stops the worker (and replaces it) when a file
    runs past its limit; the batch goes on with the other files.
    """


class MemoryLimitExceededError(LimitExceededError):
    """Reading or screening the file needed more memory than a worker process may use."""


class InvalidInputError(ExtractionError):
    """A request item the HTTP service cannot turn into a resume: a missing field, bad base64."""


class FetchRefusedError(ExtractionError):
    """A URL the HTTP service will not fetch: a host off the allow-list, a private address."""


class LabelsError(CrisisScreenError):
    """A label file for ``evaluate`` cannot be used as it is.

    Every problem found is reported together, one per line, each naming the file and the line
    (JSONL) or the labelled file name (``labels.json``) and saying what was expected.

    Attributes:
        problems: The individual problems, e.g. ``"<file>:<line>: <message>"``.
    """

    #: Problems shown in the message; all of them stay in :attr:`problems`.
    MAX_SHOWN = 50

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        count = len(self.problems)
        shown = self.problems[: self.MAX_SHOWN]
        lines = [f"  - {p}" for p in shown]
        if count > len(shown):
            lines.append(f"  ... and {count - len(shown)} more")
        head = f"{count} problem{'s' if count != 1 else ''} in labelled data"
        super().__init__(head + ":\n" + "\n".join(lines))


class MissingExtraError(CrisisScreenError, ImportError):
    """An optional feature needs a package that is not installed.

    Also an :class:`ImportError`, so code that guards optional imports keeps working.

    Attributes:
        module: The missing module.
        extra: The crisis_screen extra that installs it.
    """

    def __init__(self, feature: str, module: str, extra: str) -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            f"{feature} needs {module}, which is not installed: "
            f"pip install 'crisis_screen[{extra}]'",
            name=module,
        )


class ReviewInputError(CrisisScreenError):
    """A file read for review or audit (results, decisions, demographics) cannot be used.

    Every problem found is reported together, each naming the file and the entry or line.
    Messages name columns and positions, never resume text or demographic values.

    Attributes:
        path: The file.
        problems: The individual problems, e.g. ``"entry 3: decision must be ..."``.
    """

    #: Problems shown in the message; all of them stay in :attr:`problems`.
    MAX_SHOWN = 20

    def __init__(self, path: str, problems: str | Sequence[str]) -> None:
        self.path = path
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[: self.MAX_SHOWN]
        more = len(self.problems) - len(shown)
        text = "; ".join(shown) + (f"; ... and {more} more" if more > 0 else "")
        super().__init__(f"{path}: {text}")


class DecisionsError(ReviewInputError):
    """A reviewer decisions file (``decisions.json``) is not a valid list of decisions."""


class DemographicsError(ReviewInputError):
    """A demographics file for ``crisis-screen audit`` cannot be joined to the results."""


class OutputError(CrisisScreenError):
    """An output file of a run (results, evidence CSV, manifest) cannot be written.

    Attributes:
        path: The output, printable (control characters and undecodable bytes escaped).
        reason: A one-line reason.
    """

    def __init__(self, path: str, reason: str) -> None:
        from crisis_screen.safe_text import one_line

        self.path = one_line(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class OutputInUseError(OutputError):
    """Another run is writing the same output (its lock is held); nothing was written."""


class OutputNotWritableError(OutputError):
    """An output cannot be created: a missing or read-only folder, or a read-only file.

    Checked before any work, so nothing was screened or written.
    """


class OutputWriteError(OutputError, OSError):
    """Writing an output failed during a run (disk full, file too large, I/O error).

    Also an :class:`OSError`, so code that catches write errors keeps working. The output
    holds complete records only: a line cut off by the error is truncated away.
    """
