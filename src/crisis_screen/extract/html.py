"""HTML reading with the standard library parser: visible text, one block per line."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import tidy_lines

__all__ = ["read_html"]

# Elements whose content is never shown.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "math"})
# Elements that never have content, so they are not pushed on the nesting stack.
_VOID = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "param", "source", "track", "wbr",
    }
)  # fmt: skip
# Elements that start a new line.
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
        "table", "tbody", "thead", "tfoot", "tr", "ul", "caption", "body", "html",
    }
)  # fmt: skip
# Elements that an opening tag of the same name implicitly closes (HTML's optional end
# tags), so sloppy "<li>a<li>b" markup does not count as ever-deeper nesting.
_SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option"})
# Stands in for the tab between table cells until whitespace is collapsed.
_CELL_SEP = "\ue000"
_WS_RE = re.compile(r"[ \t\r\n\f\v]+")
# Text is fed to the parser in blocks of this size.
_CHUNK = 65536
# Runs of white space in an unfinished start tag: an upper bound on its attributes.
_ATTR_GAPS_RE = re.compile(r"[\t\n\f\r /]+")


class _DepthExceeded(Exception):
    pass


class _TextParser(HTMLParser):
    def __init__(self, budget: Budget) -> None:
        super().__init__(convert_charrefs=True)
        self.budget = budget
        self.stack: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.lines: list[str] = []
        self.current: list[str] = []
        self.cells = 0

    def _flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        self.cells = 0
        if self.pre:
            self.lines.extend(text.split("\n"))
            return
        line = _WS_RE.sub(" ", text).strip(" " + _CELL_SEP).replace(_CELL_SEP, "\t")
        # Block boundaries come in pairs (end of one, start of next): keep no blank lines.
        if line and line != "-":
            self.lines.append(line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.budget.check()
        if len(attrs) > self.budget.limits.max_html_attributes:
            raise self.budget.fail(_too_many_attributes(self.budget))
        if tag in _VOID:
            if tag in ("br", "hr"):
                self._flush()
            return
        if tag in _SELF_CLOSING_SIBLINGS and self.stack and self.stack[-1] == tag:
            self.handle_endtag(tag)
        self.stack.append(tag)
        if len(self.stack) > self.budget.limits.max_html_depth:
            raise _DepthExceeded
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if tag == "pre":
            self._flush()
            self.pre += 1
        elif tag in _BLOCK:
            self._flush()
            if tag == "li" and not self.hidden:
                # Keep list items recognisable as bullets for the line-based screener.
                self.current.append("- ")
        elif tag in ("td", "th"):
            if self.cells:
                self.current.append(_CELL_SEP)
            self.cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack:
            return  # stray end tag: browsers ignore it too
        while self.stack:
            open_tag = self.stack.pop()
            if open_tag in _HIDDEN:
                self.hidden -= 1
            elif open_tag == "pre":
                self._flush()
                self.pre -= 1
            elif open_tag in _BLOCK:
                self._flush()
            if open_tag == tag:
                break

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.current.append(data)


def _too_many_attributes(budget: Budget) -> str:
    return f"HTML tag with more than {budget.limits.max_html_attributes} attributes"


def _check_open(parser: _TextParser, budget: Budget) -> int:
    """Return the size of the construct the parser holds open; refuse a bloated start tag.

    The parser keeps an unfinished tag, comment or declaration (``rawdata``) until its end
    arrives and then builds a tuple per attribute, about 0.7 KB each: a tag of millions of
    attributes is refused while it is still being read.
    """
    pending = parser.rawdata
    if (
        len(pending) > _CHUNK
        and pending[1:2].isalpha()
        and len(_ATTR_GAPS_RE.findall(pending)) > budget.limits.max_html_attributes
    ):
        raise budget.fail(_too_many_attributes(budget))
    return len(pending)


def read_html(text: str, budget: Budget) -> str:
    """Extract visible text from HTML.

    Args:
        text: The decoded HTML.
        budget: Source name, limits and deadline.

    Returns:
        Visible text with one block element (paragraph, list item, heading, table row)
        per line; table cells are separated by tabs.

    Raises:
        LimitExceededError: Nesting deeper than ``max_html_depth``, a tag with more than
            ``max_html_attributes`` attributes, or the time limit.
    """
    parser = _TextParser(budget)
    try:
        # Fed in blocks so the time limit is checked even in tag-free stretches. The
        # parser rescans an unfinished construct from its start on every feed, so the
        # next block is at least twice the open construct: the rescans stay linear.
        pos, size = 0, _CHUNK
        while pos < len(text):
            parser.feed(text[pos : pos + size])
            pos += size
            budget.check()
            size = max(_CHUNK, 2 * _check_open(parser, budget))
        if parser.rawdata[:1] == "<":
            # A tag or comment still open at the end of the file shows nothing in a browser;
            # the parser would instead rescan it once for every "<" inside.
            parser.reset()
        parser.close()
    except _DepthExceeded:
        raise budget.fail(
            f"HTML nesting deeper than {budget.limits.max_html_depth} elements"
        ) from None
    parser._flush()
    return tidy_lines(parser.lines)
