"""How much a PDF inflates, measured before PDFium parses it (decompression bombs).

PDFium inflates a page's content streams in full when the page is loaded, with no bound:
a 1.6 MB file whose content inflates to 1 GiB took a process from 0.7 to 2.2 GB. The call
cannot be interrupted, so the file is measured first: every compressed stream is inflated
once, in blocks that are counted and thrown away, and the page content PDFium would parse
is added up, a stream counting once for each time a page lists it and a form XObject once
for each time it is drawn (with the forms drawn inside it). Either sum over its limit
raises ``LimitExceededError``.

The scan reads the file's bytes, not its object graph: object numbers, ``/Contents``
entries and resource names are found with regular expressions, which over-counts in odd
files (a name used by two forms counts the larger) and never under-counts in the shapes
PDFium reads. Encrypted files are measured on a decrypted copy that PDFium writes without
inflating anything.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from crisis_screen.extract.limits import Budget

__all__ = ["check_pdf_streams"]

# PDFium skips white space and comments between a dictionary and "stream", and the rest of
# the line after it.
_STREAM_RE = re.compile(
    rb">>(?:[\x00\t\n\x0c\r ]|%[^\r\n]*)*stream(?![A-Za-z])[^\r\n]{0,256}(?:\r\n|\n|\r)"
)
_NUMBER_OBJ_RE = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\s*(\d{1,10})\s*endobj")
_LENGTH_RE = re.compile(rb"/Length\s+(\d{1,10})(?:\s+(\d{1,5})\s+R(?![A-Za-z0-9]))?")
_OBJ_HEAD_RE = re.compile(rb"(\d{1,10})[\x00\t\n\x0c\r ]+(\d{1,5})[\x00\t\n\x0c\r ]+obj\Z")
_FILTER_RE = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()%]+)")
_NAME_RE = re.compile(rb"/([^\s/\[\]<>(){}%]+)")
_REF_RE = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+R(?![A-Za-z0-9])")
_CONTENTS_RE = re.compile(rb"/Contents\s*(?:(\d{1,10})\s+(\d{1,5})\s+R|\[([^\]]*)\])")
_NAMED_REF_RE = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s*(\d{1,10})\s+(\d{1,5})\s+R(?![A-Za-z0-9])")
_DO_RE = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s*Do(?![A-Za-z0-9])")
_FORM_RE = re.compile(rb"/Subtype\s*/Form(?![A-Za-z0-9])")
_OBJSTM_RE = re.compile(rb"/Type\s*/ObjStm(?![A-Za-z0-9])")
_FIRST_RE = re.compile(rb"/First\s+(\d{1,10})")
_ABBREVIATIONS = {
    b"Fl": b"FlateDecode",
    b"LZW": b"LZWDecode",
    b"RL": b"RunLengthDecode",
    b"AHx": b"ASCIIHexDecode",
    b"A85": b"ASCII85Decode",
}
_DECODED = frozenset(
    {b"FlateDecode", b"LZWDecode", b"RunLengthDecode", b"ASCIIHexDecode", b"ASCII85Decode"}
)
_IN_BLOCK = 1 << 18  # compressed bytes given to zlib at once
_OUT_BLOCK = 1 << 20  # inflated bytes produced (and counted) at once
_MAX_FORM_LEVELS = 64  # deeper than PDFium draws nested forms
_Key = tuple[int, int]


@dataclass
class _Stream:
    size: int = 0
    form: bool = False
    draws: Counter[bytes] = field(default_factory=Counter)  # XObject name -> times drawn


class _Scan:
    """The running totals of one file's scan."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.inflated = 0
        self.streams: dict[_Key, _Stream] = {}
        self.texts: list[bytes] = []  # where references are looked for
        self.bodies: dict[_Key, bytes] = {}  # objects stored in object streams

    def count(self, n: int) -> None:
        self.inflated += n
        limit = self.budget.limits.max_pdf_inflated_bytes
        if self.inflated > limit:
            raise self.budget.fail(
                f"PDF streams inflate to more than {limit} bytes (possible decompression bomb)"
            )

    def allowance(self) -> int:
        return self.budget.limits.max_pdf_inflated_bytes - self.inflated + 1


def check_pdf_streams(data: bytes, budget: Budget) -> None:
    """Refuse a PDF whose streams, or whose page content, inflate past the limits.

    Args:
        data: The PDF bytes (decrypted when the file is encrypted).
        budget: Source name, limits and deadline.

    Raises:
        LimitExceededError: The streams inflate to more than ``max_pdf_inflated_bytes``,
            the content to parse is more than ``max_pdf_content_bytes``, or the time limit
            ran out.
    """
    scan = _Scan(budget)
    scan.texts.append(data)
    view = memoryview(data)
    numbers = _Numbers(data)
    for index, m in enumerate(_STREAM_RE.finditer(data)):
        if index % 64 == 0:
            budget.check()
        head = data.rfind(b"obj", max(0, m.start() - 65536), m.start())
        dictionary = data[head + 3 : m.end()] if head >= 0 else b""
        key = _object_key(data, head) if head >= 0 else None
        end = _stream_end(data, dictionary, m.end(), numbers)
        _scan_stream(scan, key, dictionary, view[m.end() : end])
    content = _content_bytes(scan)
    limit = budget.limits.max_pdf_content_bytes
    if content > limit:
        raise budget.fail(
            f"PDF page content inflates to more than {limit} bytes to parse "
            "(possible decompression bomb)"
        )


def _stream_end(data: bytes, dictionary: bytes, start: int, numbers: _Numbers) -> int:
    """Where a stream's data may end: past both "endstream" and its declared ``/Length``.

    PDFium reads ``/Length`` bytes, which may hold the word "endstream"; the first
    "endstream" is where a damaged length leads it instead. The later of the two is taken,
    so the scan never measures less than PDFium inflates (a filter stops at its own end).
    """
    stop = data.find(b"endstream", start)
    end = len(data) if stop < 0 else stop
    m = _LENGTH_RE.search(dictionary)
    if m is None:
        return end
    length = int(m.group(1))
    if m.group(2) is not None:  # "/Length 12 0 R": the number is object 12
        length = numbers.get((int(m.group(1)), int(m.group(2))), 0)
    return min(max(end, start + length), len(data))


class _Numbers:
    """Objects that are a plain number (indirect stream lengths), indexed on first use."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.index: dict[_Key, int] | None = None

    def get(self, key: _Key, default: int) -> int:
        if self.index is None:
            self.index = {(int(n), int(g)): int(v) for n, g, v in _NUMBER_OBJ_RE.findall(self.data)}
        return self.index.get(key, default)


def _object_key(data: bytes, head: int) -> _Key | None:
    m = _OBJ_HEAD_RE.search(data, max(0, head - 24), head + 3)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _filters(dictionary: bytes) -> list[bytes]:
    m = _FILTER_RE.search(dictionary)
    if m is None:
        return []
    names = _NAME_RE.findall(m.group(1))
    return [_ABBREVIATIONS.get(n, n) for n in names]


def _scan_stream(scan: _Scan, key: _Key | None, dictionary: bytes, raw: memoryview) -> None:
    stream = _Stream(form=_FORM_RE.search(dictionary) is not None)
    objstm = _OBJSTM_RE.search(dictionary) is not None
    kept = bytearray()
    tail = b""

    def sink(block: bytes) -> None:
        nonlocal tail
        stream.size += len(block)
        scan.count(len(block))
        # Names drawn with "Do", and the one a block boundary may cut.
        stream.draws.update(_DO_RE.findall(block))
        seam = tail + block[:64]
        stream.draws.update(
            m.group(1) for m in _DO_RE.finditer(seam) if m.start() < len(tail) < m.end()
        )
        tail = block[-64:]
        if objstm:
            kept.extend(block)

    filters = _filters(dictionary)
    data: bytes | memoryview = raw
    for i, name in enumerate(filters):
        if name not in _DECODED:
            break  # image codecs and the rest: PDFium does not parse them as content
        if i == len(filters) - 1 or filters[i + 1] not in _DECODED:
            _decode(name, data, scan, sink)
            data = b""
            break
        # A filter feeding another (e.g. inflating twice) is decoded in full, within the
        # allowance: the next one inflates its output.
        staged = bytearray()
        _decode(name, data, scan, staged.extend, count=False)
        data = bytes(staged)
    if data:
        sink(bytes(data))  # stored without compression, or in a codec not decoded here
    if key is not None:
        previous = scan.streams.get(key)
        if previous is None or previous.size < stream.size:
            scan.streams[key] = stream
    if objstm:
        _read_object_stream(scan, dictionary, bytes(kept))


def _decode(
    name: bytes,
    data: bytes | memoryview,
    scan: _Scan,
    sink: Callable[[bytes], object],
    count: bool = True,
) -> None:
    """Decode ``data`` with one filter, handing the output to ``sink`` block by block."""
    allowance = scan.allowance()
    produced = 0

    def emit(block: bytes) -> None:
        nonlocal produced
        if not block:
            return
        produced += len(block)
        if not count and produced > allowance:
            scan.count(produced)  # raises: the staged output alone is over the limit
        sink(block)
        scan.budget.check()

    if name == b"FlateDecode":
        _inflate(data, emit)
    elif name == b"LZWDecode":
        _lzw(bytes(data), emit, allowance)
    elif name == b"RunLengthDecode":
        _run_length(bytes(data), emit, allowance)
    elif name == b"ASCIIHexDecode":
        digits = re.sub(rb"[^0-9A-Fa-f]", b"", bytes(data).split(b">", 1)[0])
        emit(binascii.unhexlify(digits + b"0" * (len(digits) % 2)))
    else:  # ASCII85Decode
        body = bytes(data).split(b"~>", 1)[0].replace(b"<~", b"", 1)
        try:
            emit(base64.a85decode(body, ignorechars=b" \t\n\r\x0b\x0c\x00"))
        except ValueError:
            emit(bytes(data))


def _inflate(data: bytes | memoryview, emit: Callable[[bytes], None]) -> None:
    inflater = zlib.decompressobj()
    try:
        for start in range(0, len(data), _IN_BLOCK):
            pending = bytes(data[start : start + _IN_BLOCK])
            while pending and not inflater.eof:
                emit(inflater.decompress(pending, _OUT_BLOCK))
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return
        emit(inflater.flush())
    except zlib.error:
        return  # damaged data: PDFium stops at the same point, with what came before


def _lzw(data: bytes, emit: Callable[[bytes], None], allowance: int) -> None:
    """LZW as PDF uses it (MSB first, early change), decoded in full within ``allowance``."""
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    out = bytearray()
    width, bits, nbits, previous = 9, 0, 0, b""
    for byte in data:
        bits = (bits << 8) | byte
        nbits += 8
        while nbits >= width:
            nbits -= width
            code = (bits >> nbits) & ((1 << width) - 1)
            if code == 256:  # clear table
                del table[258:]
                width, previous = 9, b""
                continue
            if code == 257:  # end of data
                emit(bytes(out))
                return
            if code < len(table):
                entry = table[code]
            elif code == len(table) and previous:
                entry = previous + previous[:1]
            else:
                emit(bytes(out))
                return  # damaged
            out += entry
            if previous:
                table.append(previous + entry[:1])
            previous = entry
            if len(table) + 1 >= (1 << width) and width < 12:
                width += 1
            if len(out) >= _OUT_BLOCK:
                emit(bytes(out))
                allowance -= len(out)
                out.clear()
                if allowance < 0:
                    return
        bits &= (1 << nbits) - 1
    emit(bytes(out))


def _run_length(data: bytes, emit: Callable[[bytes], None], allowance: int) -> None:
    out = bytearray()
    i = 0
    while i < len(data):
        length = data[i]
        if length == 128:
            break
        if length < 128:
            out += data[i + 1 : i + 2 + length]
            i += 2 + length
        else:
            out += data[i + 1 : i + 2] * (257 - length)
            i += 2
        if len(out) >= _OUT_BLOCK:
            emit(bytes(out))
            allowance -= len(out)
            out.clear()
            if allowance < 0:
                return
    emit(bytes(out))


def _read_object_stream(scan: _Scan, dictionary: bytes, data: bytes) -> None:
    """Index the objects an object stream holds (page dictionaries often live there)."""
    scan.texts.append(data)
    first = _FIRST_RE.search(dictionary)
    if first is None:
        return
    offset = int(first.group(1))
    numbers = [int(n) for n in re.findall(rb"\d+", data[:offset])]
    pairs = list(zip(numbers[0::2], numbers[1::2], strict=False))
    for i, (number, start) in enumerate(pairs):
        end = pairs[i + 1][1] if i + 1 < len(pairs) else len(data) - offset
        scan.bodies[(number, 0)] = data[offset + start : offset + end]


def _array_refs(scan: _Scan, key: _Key) -> list[_Key]:
    """References inside an indirect array object (``/Contents 12 0 R`` -> ``[...]``)."""
    body = scan.bodies.get(key)
    if body is None:
        pattern = re.compile(rb"(?<![0-9])%d\s+%d\s+obj\s*\[([^\]]*)\]" % key)
        m = pattern.search(scan.texts[0])
        body = m.group(1) if m else b""
    return [(int(n), int(g)) for n, g in _REF_RE.findall(body)]


def _content_bytes(scan: _Scan) -> int:
    """Bytes PDFium parses for the text of every page, forms drawn included.

    Names are resolved globally (a resource name used by several forms costs the largest),
    and a form drawn inside itself costs nothing more, as PDFium stops there.
    """
    budget = scan.budget
    limit = budget.limits.max_pdf_content_bytes
    forms: dict[bytes, set[_Key]] = {}
    for text in scan.texts:
        for i, m in enumerate(_NAMED_REF_RE.finditer(text)):
            if i % 4096 == 0:
                budget.check()
            key = (int(m.group(2)), int(m.group(3)))
            stream = scan.streams.get(key)
            if stream is not None and stream.form:
                forms.setdefault(m.group(1), set()).add(key)
    name_costs: dict[bytes, int] = {}
    open_names: set[bytes] = set()

    def name_cost(name: bytes, level: int) -> int:
        if name in name_costs:
            return name_costs[name]
        if name in open_names or level > _MAX_FORM_LEVELS:
            return 0
        open_names.add(name)
        best = 0
        for key in forms.get(name, ()):
            stream = scan.streams[key]
            best = max(best, stream.size + draws(stream, level + 1))
            if best > limit:
                break
        open_names.discard(name)
        name_costs[name] = min(best, limit + 1)
        return name_costs[name]

    def draws(stream: _Stream, level: int) -> int:
        total = 0
        for name, times in stream.draws.items():
            total += times * name_cost(name, level)
            if total > limit:
                break
        return total

    page_costs: dict[_Key, int] = {}

    def page_cost(key: _Key, indirect: bool) -> int:
        if key not in page_costs:
            stream = scan.streams.get(key)
            if stream is not None:
                page_costs[key] = stream.size + draws(stream, 0)
            elif indirect:
                # "/Contents 12 0 R" naming an array of streams, not a stream.
                page_costs[key] = sum(page_cost(k, False) for k in _array_refs(scan, key))
            else:
                page_costs[key] = 0
        return page_costs[key]

    total = 0
    for text in scan.texts:
        for m in _CONTENTS_RE.finditer(text):
            budget.check()
            number, generation, array = m.groups()
            if array is None:
                total += page_cost((int(number), int(generation)), True)
            else:
                for ref in _REF_RE.finditer(array):
                    total += page_cost((int(ref.group(1)), int(ref.group(2))), False)
                    if total > limit:
                        return total
            if total > limit:
                return total
    return total
