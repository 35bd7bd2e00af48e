"""Zip package checks shared by the DOCX and ODT readers (zip bombs, member counts, DTDs)."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib
from collections.abc import Callable

from crisis_screen.errors import CorruptDocumentError
from crisis_screen.extract.limits import Budget

__all__ = ["check_zip", "declares_dtd", "dtd_problem", "xml_encoding"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_RE = re.compile(
    rb"<\?xml[^>]{0,200}?encoding[\x20\t\r\n]*=[\x20\t\r\n]*[\"']([A-Za-z][A-Za-z0-9._-]{0,39})[\"']"
)
_DTD_BYTES_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_TEXT_RE = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARES = "declares a DTD or entities"
_WIDE_CODECS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
_CONTENT_TYPES = "[Content_Types].xml"
_XML_TYPE_RE = re.compile(r"(?:[/+]xml)(?:;|$)", re.IGNORECASE)


def check_zip(data: bytes, budget: Budget, label: str, xml_suffixes: tuple[str, ...]) -> None:
    """Check an office zip package against the limits and refuse XML with DTDs, before parsing.

    The uncompressed sizes come from the zip directory; :mod:`zipfile` stops reading a
    member at its declared size, so a lying header cannot inflate past what is checked.

    Args:
        data: The package bytes.
        budget: Source name, limits and deadline.
        label: Format name for messages (``DOCX``, ``ODT``).
        xml_suffixes: Lower-case member name endings that hold XML to check for DTDs.
            Members that ``[Content_Types].xml`` (DOCX) gives an XML type are checked too,
            whatever their name: the DOCX parser goes by the type.

    Raises:
        LimitExceededError: Too many members, too large uncompressed, or a member's
            compression ratio is suspicious (zip bomb).
        CorruptDocumentError: The zip is damaged, or an XML part declares a DTD/entities
            or is in an encoding other than UTF-8, UTF-16, UTF-32 or an ASCII superset.
    """
    limits = budget.limits
    source = budget.source
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_zip_members:
                raise budget.fail(
                    f"{label} has {len(infos)} zip members, more than {limits.max_zip_members}"
                )
            total = sum(info.file_size for info in infos)
            if total > limits.max_zip_uncompressed_bytes:
                raise budget.fail(
                    f"{label} inflates to {total} bytes, "
                    f"more than {limits.max_zip_uncompressed_bytes}"
                )
            for info in infos:
                if info.file_size > limits.zip_ratio_floor_bytes:
                    ratio = info.file_size / max(info.compress_size, 1)
                    if ratio > limits.max_zip_ratio:
                        raise budget.fail(
                            f"{label} member compresses {ratio:.0f}:1, more than "
                            f"{limits.max_zip_ratio:g}:1 (possible zip bomb)"
                        )
            is_xml = _xml_members(archive, infos, xml_suffixes)
            for info in infos:
                if not is_xml(info.filename):
                    continue
                budget.check()
                problem = dtd_problem(archive.read(info))
                if problem is not None:
                    # The parsers used would not expand entities, but a DTD has no place in
                    # an office part: refuse rather than trust the parser.
                    raise CorruptDocumentError(source, f"{label} XML part {problem}; refused")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, zlib.error):
        raise CorruptDocumentError(source, f"damaged or truncated {label} zip") from None
    except NotImplementedError:
        raise CorruptDocumentError(source, f"{label} uses an unsupported zip compression") from None
    except RuntimeError:
        # zipfile raises RuntimeError for encrypted members.
        raise CorruptDocumentError(source, f"{label} has encrypted zip members") from None


def _xml_members(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], xml_suffixes: tuple[str, ...]
) -> Callable[[str], bool]:
    """Tell which members a package's parser reads as XML: by name, or by declared type."""
    names = {info.filename for info in infos}
    typed_parts: set[str] = set()
    typed_extensions: set[str] = set()
    if _CONTENT_TYPES in names:
        types = archive.read(_CONTENT_TYPES)
        if dtd_problem(types) is None:
            from defusedxml import ElementTree

            try:
                root = ElementTree.fromstring(types, forbid_dtd=True)
            except Exception:
                root = None  # python-docx refuses the package in its own words
            for el in root.iter() if root is not None else ():
                content_type = str(el.get("ContentType", ""))
                # Images are kept as bytes (an SVG is "image/svg+xml"), never parsed.
                if not _XML_TYPE_RE.search(content_type) or content_type.startswith("image/"):
                    continue
                if el.get("PartName"):
                    typed_parts.add(str(el.get("PartName")).lstrip("/").lower())
                if el.get("Extension"):
                    typed_extensions.add("." + str(el.get("Extension")).lower())

    def is_xml(name: str) -> bool:
        lower = name.lower()
        return (
            lower.endswith(xml_suffixes)
            or lower in typed_parts
            or lower.endswith(tuple(typed_extensions))
        )

    return is_xml


def xml_encoding(part: bytes) -> tuple[str, int]:
    """Return the encoding of an XML document and the length of its byte-order mark.

    The rules of the XML specification (appendix F): a byte-order mark, else the pattern of
    NUL bytes around the first characters (UTF-16 and UTF-32 without a mark) or an EBCDIC
    declaration, else the encoding the XML declaration names, else UTF-8.

    Args:
        part: The document's bytes.

    Returns:
        A codec name (possibly one Python does not know) and the BOM length.
    """
    for bom, codec in _BOMS:
        if part.startswith(bom):
            return codec, len(bom)
    head = part[:4]
    if head == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC
        return "cp037", 0
    if len(head) == 4 and 0 in head:
        nuls = (head[0] == 0, head[1] == 0, head[2] == 0, head[3] == 0)
        by_pattern = {
            (False, True, True, True): "utf-32-le",
            (True, True, True, False): "utf-32-be",
            (False, True, False, True): "utf-16-le",
            (True, False, True, False): "utf-16-be",
        }
        return by_pattern.get(nuls, "unknown"), 0
    declared = _DECLARED_RE.match(part, 0, 512)
    return (declared.group(1).decode("ascii") if declared else "utf-8"), 0


def _ascii_superset(codec: str) -> bool:
    """Tell whether a codec writes ASCII as ASCII (so "<!DOCTYPE" is found in the bytes)."""
    sample = bytes(range(32, 127))
    try:
        return sample.decode(codec) == sample.decode("ascii") and codec != "utf-7"
    except (UnicodeDecodeError, LookupError):
        return False


def dtd_problem(part: bytes) -> str | None:
    """Say why an XML part is refused (a DTD or entities, or an unreadable encoding), or None.

    Args:
        part: The XML bytes.

    Returns:
        ``"declares a DTD or entities"``, ``"is in an encoding that cannot be checked
        (<name>)"``, or None for a part without a DTD.
    """
    # The bytes themselves first: a parser may ignore a declared encoding that the bytes
    # contradict, and read them as ASCII.
    if _DTD_BYTES_RE.search(part):
        return _DECLARES
    name, bom = xml_encoding(part)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return f"is in an encoding that cannot be checked ({name[:40]})"
    if _ascii_superset(codec):
        return None
    if codec not in _WIDE_CODECS:
        # UTF-7, EBCDIC and the like: no office format uses them, and a parser that knows
        # them would see markup that a byte search does not.
        return f"is in an encoding that cannot be checked ({name[:40]})"
    text = part[bom:].decode(codec, errors="ignore")
    return _DECLARES if _DTD_TEXT_RE.search(text) else None


def declares_dtd(part: bytes) -> bool:
    """Tell whether an XML part declares a DTD or entities, or cannot be checked for one.

    Args:
        part: The XML bytes.

    Returns:
        True when :func:`dtd_problem` finds a problem.
    """
    return dtd_problem(part) is not None
