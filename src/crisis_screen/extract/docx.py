"""DOCX reading with python-docx: body paragraphs, tables, text boxes, headers, footers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from crisis_screen.errors import CorruptDocumentError, UnsupportedFormatError
from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import row_lines, tidy_lines
from crisis_screen.extract.zipsafe import check_zip

__all__ = ["check_package", "read_docx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _T = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}t"
_TAB, _BR, _CR, _TXBX = f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}txbxContent"
_NUMPR, _PSTYLE, _VAL = f"{_W}numPr", f"{_W}pStyle", f"{_W}val"
_SDT, _SDT_CONTENT = f"{_W}sdt", f"{_W}sdtContent"
_DEL_TEXT = f"{_W}delText"
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def check_package(data: bytes, budget: Budget) -> None:
    """Check a DOCX zip against the limits and refuse XML with DTDs, before parsing it.

    Args:
        data: The DOCX bytes.
        budget: Source name, limits and deadline.

    Raises:
        LimitExceededError: A zip limit was exceeded (see :func:`check_zip`).
        CorruptDocumentError: The zip is damaged or an XML part declares a DTD/entities.
    """
    check_zip(data, budget, "DOCX", _XML_SUFFIXES)


def _para_text(p: Any, budget: Budget) -> str:
    """Text of one ``w:p`` without descending into text boxes (they are read separately)."""
    out: list[str] = []
    stack = list(reversed(list(p)))
    seen = 0
    while stack:
        seen += 1
        if seen % 4096 == 0:
            budget.check()
        el = stack.pop()
        tag = el.tag
        if tag == _T:
            out.append(el.text or "")
        elif tag == _TAB:
            out.append("\t")
        elif tag in (_BR, _CR):
            out.append("\n")
        elif not isinstance(tag, str) or tag in (_TXBX, _DEL_TEXT):
            continue
        else:
            stack.extend(reversed(list(el)))
    return "".join(out)


def _text_boxes(p: Any) -> list[Any]:
    return list(p.iter(_TXBX))


def _block_lines(container: Any, budget: Budget, depth: int = 0) -> Iterator[str]:
    """Yield lines for block content (paragraphs, tables, content controls) in order.

    Iterative over paragraphs; recursion only follows tables and text boxes, bounded by
    ``depth`` so a hostile nesting cannot exhaust the stack.
    """
    if depth > 20:
        return
    for child in container:
        tag = child.tag
        if tag == _P:
            budget.check()
            text = _para_text(child, budget)
            if text.strip():
                style = child.find(f"{_W}pPr/{_PSTYLE}")
                is_list = child.find(f"{_W}pPr/{_NUMPR}") is not None or (
                    style is not None and str(style.get(_VAL, "")).startswith("List")
                )
                # Word stores the bullet glyph in numbering.xml; mark list items so the
                # screener still sees them as bullets.
                yield ("- " + text.lstrip()) if is_list else text
            for box in _text_boxes(child):
                # Text boxes hold paragraphs in a mc:AlternateContent with a VML fallback;
                # python-docx shows neither, and the fallback duplicates the choice.
                if _inside_fallback(box):
                    continue
                yield from _block_lines(box, budget, depth + 1)
        elif tag == _TBL:
            budget.check()
            yield from _table_lines(child, budget, depth + 1)
        elif tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _block_lines(content, budget, depth + 1)


def _inside_fallback(el: Any) -> bool:
    parent = el.getparent()
    while parent is not None:
        tag = parent.tag
        if isinstance(tag, str) and tag.endswith("}Fallback"):
            return True
        parent = parent.getparent()
    return False


def _table_lines(tbl: Any, budget: Budget, depth: int) -> Iterator[str]:
    """One line per row (cells joined by tabs) when cells are single paragraphs.

    Resume templates often use tables for layout, with bullet lists inside cells; such
    rows are read cell by cell so every bullet keeps its own line.
    """
    for tr in tbl.iter(_TR):
        if tr.getparent() is not tbl:
            continue
        cells = [tc for tc in tr if tc.tag == _TC]
        yield from row_lines([list(_block_lines(tc, budget, depth)) for tc in cells])


def read_docx(data: bytes, budget: Budget) -> str:
    """Extract the text of a DOCX file.

    Headers come first, then the body, then footers (each distinct part once).

    Args:
        data: The DOCX bytes.
        budget: Source name, limits and deadline.

    Returns:
        The text, one paragraph / bullet / table row per line.

    Raises:
        CorruptDocumentError: The package is damaged or is not a valid Word document.
        UnsupportedFormatError: The package is another Office type.
        LimitExceededError: A zip limit or the time limit was exceeded.
    """
    check_package(data, budget)
    budget.check()
    import docx

    source = budget.source
    try:
        document = docx.Document(io.BytesIO(data))
    except ValueError as exc:
        if "content type" in str(exc).lower():
            raise UnsupportedFormatError(source, "Office package that is not DOCX") from None
        raise CorruptDocumentError(source, "damaged DOCX package") from None
    except Exception:
        raise CorruptDocumentError(source, "damaged DOCX package") from None
    headers: list[str] = []
    footers: list[str] = []
    seen: set[str] = set()
    for section in document.sections:
        for attr, sink in (
            ("first_page_header", headers),
            ("header", headers),
            ("even_page_header", headers),
            ("footer", footers),
            ("first_page_footer", footers),
            ("even_page_footer", footers),
        ):
            part = getattr(section, attr)
            if part.is_linked_to_previous:
                continue
            # Sections may share one header part; read each part once.
            definition = part.part
            name = str(definition.partname)
            if name in seen:
                continue
            seen.add(name)
            budget.check()
            sink.extend(_block_lines(definition.element, budget))
    body = list(_block_lines(document.element.body, budget))
    return tidy_lines(headers + body + footers)
