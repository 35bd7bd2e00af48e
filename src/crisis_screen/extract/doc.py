"""Legacy Word 97-2003 (.doc) reading through an external converter in a subprocess.

``antiword`` is used when installed, else ``catdoc``, else LibreOffice headless
(``soffice --cat``, slow: it starts a whole office suite). Each runs with the file's
remaining time limit and is killed when it runs out. The document is passed on standard
input (LibreOffice needs a file: a private temporary directory, removed afterwards).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from crisis_screen.errors import (
    CorruptDocumentError,
    EncryptedDocumentError,
    UnsupportedFormatError,
)
from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import tidy_lines

__all__ = ["INSTALL_HINT", "converters", "read_doc"]

#: What to install when no converter is found (named in the error).
INSTALL_HINT = (
    "install antiword to read it (Debian/Ubuntu: apt-get install antiword; catdoc or "
    "LibreOffice also work), or save it as DOCX"
)
# How each converter is called: the command, and whether it reads the document on stdin.
_COMMANDS: dict[str, list[str]] = {
    # -w 0: one paragraph per line (no re-wrapping), so a bullet stays on one line.
    "antiword": ["-w", "0", "-m", "UTF-8.txt", "-"],
    # -w: no wrapping; -d utf-8: output encoding.
    "catdoc": ["-w", "-d", "utf-8"],
}


def converters() -> list[tuple[str, str]]:
    """Return the installed converters, in the order they are tried, as ``(name, path)``.

    LibreOffice is only used when neither antiword nor catdoc is installed.
    """
    found = [(name, path) for name in _COMMANDS if (path := shutil.which(name)) is not None]
    if not found:
        office = shutil.which("soffice") or shutil.which("libreoffice")
        if office is not None:
            found.append(("soffice", office))
    return found


def _run(args: list[str], stdin: bytes | None, budget: Budget, name: str) -> tuple[int, bytes]:
    budget.check()
    try:
        proc = subprocess.run(
            args,
            input=stdin,
            capture_output=True,
            timeout=max(budget.remaining(), 0.01),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise budget.fail(
            f"{name} did not finish within the time limit of {budget.allowed:g} s"
        ) from None
    except OSError:
        return -1, b""
    return proc.returncode, proc.stdout + b"\n\0" + proc.stderr


def _convert(name: str, path: str, data: bytes, budget: Budget) -> tuple[bool, str, bytes]:
    """Run one converter; return (succeeded, text, diagnostic output)."""
    if name == "soffice":
        with tempfile.TemporaryDirectory(prefix="crisis_screen_doc_") as tmp:
            doc_path = os.path.join(tmp, "resume.doc")
            with open(doc_path, "wb") as handle:
                handle.write(data)
            profile = "file://" + os.path.join(tmp, "profile")
            code, out = _run(
                [path, f"-env:UserInstallation={profile}", "--headless", "--cat", doc_path],
                None,
                budget,
                name,
            )
    else:
        code, out = _run([path, *_COMMANDS[name]], data, budget, name)
    stdout, _, stderr = out.partition(b"\n\0")
    if stdout.startswith(b"[File is encrypted"):
        # catdoc reports encryption on stdout, as if it were the text.
        return False, "", stdout[:40]
    text = stdout.decode("utf-8", errors="replace").lstrip("\ufeff")
    ok = code == 0 and bool(text.strip()) and b"could not be loaded" not in stderr
    return ok, text, stderr


def _table_row(line: str) -> str:
    """Write an antiword table row (``|cell   |cell   |``) as cells joined by tabs.

    The DOCX reader gives table rows the same shape, so job lines read alike.
    """
    stripped = line.strip()
    if len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|"):
        return "\t".join(cell.strip() for cell in stripped[1:-1].split("|"))
    return line


def read_doc(data: bytes, budget: Budget) -> str:
    """Extract the text of a legacy Word (.doc) file.

    Args:
        data: The OLE file bytes.
        budget: Source name, limits and deadline.

    Returns:
        The text, one paragraph per line.

    Raises:
        UnsupportedFormatError: No converter is installed (the reason says what to install).
        EncryptedDocumentError: The document is password protected.
        CorruptDocumentError: Every installed converter failed on it (damaged, truncated).
        LimitExceededError: The time limit ran out.
    """
    source = budget.source
    tools = converters()
    if not tools:
        raise UnsupportedFormatError(source, f"legacy Word .doc file; {INSTALL_HINT}")
    for name, path in tools:
        ok, text, diagnostics = _convert(name, path, data, budget)
        if b"ncrypted" in diagnostics or b"password" in diagnostics.lower():
            raise EncryptedDocumentError(source, "password-protected Word .doc document")
        if ok:
            lines = [_table_row(line) for line in text.splitlines() if line.strip() != "[pic]"]
            return tidy_lines(lines)
    names = " and ".join(name for name, _ in tools)
    raise CorruptDocumentError(source, f"damaged or truncated Word .doc file ({names} failed)")
