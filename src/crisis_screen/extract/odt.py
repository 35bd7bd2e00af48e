"""OpenDocument text (.odt) reading with zipfile and defusedxml.

Paragraphs, headings, lists (items marked ``- `` like DOCX list paragraphs), tables (one
line per row, cells joined by tabs, or cell by cell when a cell holds several lines), text
frames, and the page headers and footers of the master pages. Tracked deletions,
annotations and notes are skipped. The package is checked against the same zip and DTD
limits as DOCX before any XML is parsed.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from crisis_screen.errors import CorruptDocumentError
from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import row_lines, tidy_lines
from crisis_screen.extract.zipsafe import check_zip

__all__ = ["read_odt"]

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_P, _H = f"{_TEXT}p", f"{_TEXT}h"
_LIST, _LIST_ITEM, _LIST_HEADER = f"{_TEXT}list", f"{_TEXT}list-item", f"{_TEXT}list-header"
_S, _TAB, _LINE_BREAK = f"{_TEXT}s", f"{_TEXT}tab", f"{_TEXT}line-break"
_C = f"{_TEXT}c"
_TBL, _ROW, _CELL = f"{_TABLE}table", f"{_TABLE}table-row", f"{_TABLE}table-cell"
_SKIP = frozenset(
    {
        f"{_TEXT}tracked-changes",
        f"{_TEXT}note",
        f"{_OFFICE}annotation",
        f"{_OFFICE}annotation-end",
        f"{_TEXT}sequence-decls",
        f"{_TEXT}variable-decls",
        f"{_TABLE}table-columns",
        f"{_TABLE}table-column",
    }
)
_HEADERS = (f"{_STYLE}header", f"{_STYLE}header-first", f"{_STYLE}header-left")
_FOOTERS = (f"{_STYLE}footer", f"{_STYLE}footer-first", f"{_STYLE}footer-left")
_MAX_DEPTH = 40
_WS_RE = re.compile(r"[ \t\r\n]+")
_XML_SUFFIXES = (".xml", ".rdf")


def _collapse(text: str | None) -> str:
    """ODF white space rule: runs of spaces, tabs and newlines in the XML are one space.

    Real spaces, tabs and breaks are elements (``text:s``, ``text:tab``, ``text:line-break``).
    """
    return _WS_RE.sub(" ", text) if text else ""


def _space_count(value: str) -> int:
    """The ``text:c`` of a ``text:s`` (repeated spaces): ASCII digits only, at most 100."""
    # str.isdigit also accepts superscripts ("³") that int() refuses.
    return min(int(value), 100) if value.isascii() and value.isdigit() and len(value) < 6 else 1


def _inline_text(p: Any, budget: Budget) -> str:
    """Text of a paragraph or heading; frames inside it are read as separate blocks."""
    out: list[str] = [_collapse(p.text)]
    # An explicit stack of elements and tail strings: spans nest, hostile files nest deeply.
    stack: list[tuple[Any, int]] = [(c, 1) for c in reversed(list(p))]
    seen = 0
    while stack:
        seen += 1
        if seen % 4096 == 0:
            budget.check()
        el, depth = stack.pop()
        if isinstance(el, str):
            out.append(_collapse(el))
            continue
        tag = el.tag
        if tag == _S:
            out.append(" " * _space_count(str(el.get(_C, "1"))))
        elif tag == _TAB:
            out.append("\t")
        elif tag == _LINE_BREAK:
            out.append("\n")
        elif not isinstance(tag, str) or tag in _SKIP or tag in (_P, _H) or depth > _MAX_DEPTH:
            pass  # paragraphs nested in frames are read by _block_lines
        else:
            if el.tail:
                stack.append((el.tail, depth))
            stack.extend((c, depth + 1) for c in reversed(list(el)))
            out.append(_collapse(el.text))
            continue
        if el.tail:
            out.append(_collapse(el.tail))
    return "".join(out)


def _frames(p: Any) -> Iterator[Any]:
    """Text boxes (``draw:text-box``) inside a paragraph, in order, outermost only."""
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag.endswith("}text-box"):
            yield el
        else:
            stack.extend(reversed(list(el)))


def _block_lines(
    container: Any, budget: Budget, depth: int = 0, in_list: bool = False
) -> Iterator[str]:
    """Yield lines for block content (paragraphs, headings, lists, tables) in order."""
    if depth > _MAX_DEPTH:
        return
    for child in container:
        tag = child.tag
        if tag in (_P, _H):
            budget.check()
            text = _inline_text(child, budget)
            if text.strip():
                # ODF keeps list bullets in list styles, so list items are marked the way
                # the DOCX reader marks Word list paragraphs.
                yield ("- " + text.lstrip()) if in_list else text
            for box in _frames(child):
                yield from _block_lines(box, budget, depth + 1)
        elif tag == _LIST:
            budget.check()
            yield from _block_lines(child, budget, depth + 1, in_list=True)
        elif tag in (_LIST_ITEM, _LIST_HEADER):
            yield from _block_lines(child, budget, depth + 1, in_list=tag == _LIST_ITEM)
        elif tag == _TBL:
            budget.check()
            yield from _table_lines(child, budget, depth + 1)
        elif tag in _SKIP or not isinstance(tag, str):
            continue
        else:
            # Sections, table headers and other wrappers hold ordinary blocks.
            yield from _block_lines(child, budget, depth + 1, in_list)


def _rows(table: Any) -> Iterator[Any]:
    """This table's rows, through row groups, but not the rows of tables nested in cells."""
    stack = list(reversed(list(table)))
    while stack:
        el = stack.pop()
        if el.tag == _ROW:
            yield el
        elif el.tag != _TBL and isinstance(el.tag, str):
            stack.extend(reversed(list(el)))


def _table_lines(table: Any, budget: Budget, depth: int) -> Iterator[str]:
    """One line per row when cells are single lines, else cell by cell (layout tables)."""
    for row in _rows(table):
        cells = [c for c in row if c.tag == _CELL]
        yield from row_lines([list(_block_lines(c, budget, depth + 1)) for c in cells])


def _parse(archive: zipfile.ZipFile, name: str, budget: Budget) -> Any:
    from defusedxml import ElementTree

    data = archive.read(name)
    budget.check()
    try:
        return ElementTree.fromstring(data, forbid_dtd=True)
    except Exception:
        # Parser errors may quote the document; keep only the fact.
        raise CorruptDocumentError(budget.source, f"damaged ODT part {name}") from None


def read_odt(data: bytes, budget: Budget) -> str:
    """Extract the text of an OpenDocument text file.

    Headers come first, then the body, then footers (each master page's once).

    Args:
        data: The ODT bytes.
        budget: Source name, limits and deadline.

    Returns:
        The text, one paragraph / list item / table row per line.

    Raises:
        CorruptDocumentError: The package is damaged or has no ``content.xml``.
        LimitExceededError: A zip limit or the time limit was exceeded.
    """
    check_zip(data, budget, "ODT", _XML_SUFFIXES)
    source = budget.source
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "content.xml" not in names:
                raise CorruptDocumentError(source, "ODT package has no content.xml")
            content = _parse(archive, "content.xml", budget)
            styles = _parse(archive, "styles.xml", budget) if "styles.xml" in names else None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error):
        raise CorruptDocumentError(source, "damaged or truncated ODT zip") from None
    headers: list[str] = []
    footers: list[str] = []
    if styles is not None:
        seen: tuple[set[str], set[str]] = (set(), set())
        for page in styles.iter(f"{_STYLE}master-page"):
            budget.check()
            for tag, sink, known in [(t, headers, seen[0]) for t in _HEADERS] + [
                (t, footers, seen[1]) for t in _FOOTERS
            ]:
                for part in page.iter(tag):
                    for line in _block_lines(part, budget):
                        # Master pages often repeat one header: keep each line once.
                        if line not in known:
                            known.add(line)
                            sink.append(line)
    body = content.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise CorruptDocumentError(source, "ODT content.xml has no text body")
    lines = list(_block_lines(body, budget))
    return tidy_lines(headers + lines + footers)
