"""Zip package checks shared by the DOCX and ODT readers (zip bombs, member counts, DTDs)."""

from __future__ import annotations

import io
import zipfile

from crisis_screen.errors import CorruptDocumentError
from crisis_screen.extract.limits import Budget

__all__ = ["check_zip", "declares_dtd"]


def check_zip(data: bytes, budget: Budget, label: str, xml_suffixes: tuple[str, ...]) -> None:
    """Check an office zip package against the limits and refuse XML with DTDs, before parsing.

    The uncompressed sizes come from the zip directory; :mod:`zipfile` stops reading a
    member at its declared size, so a lying header cannot inflate past what is checked.

    Args:
        data: The package bytes.
        budget: Source name, limits and deadline.
        label: Format name for messages (``DOCX``, ``ODT``).
        xml_suffixes: Lower-case member name endings that hold XML to check for DTDs.

    Raises:
        LimitExceededError: Too many members, too large uncompressed, or a member's
            compression ratio is suspicious (zip bomb).
        CorruptDocumentError: The zip is damaged or an XML part declares a DTD/entities.
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
            for info in infos:
                if not info.filename.lower().endswith(xml_suffixes):
                    continue
                budget.check()
                part = archive.read(info)
                if declares_dtd(part):
                    # The parsers used would not expand entities, but a DTD has no place in
                    # an office part: refuse rather than trust the parser.
                    raise CorruptDocumentError(
                        source, f"{label} XML part declares a DTD or entities; refused"
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise CorruptDocumentError(source, f"damaged or truncated {label} zip") from None
    except NotImplementedError:
        raise CorruptDocumentError(source, f"{label} uses an unsupported zip compression") from None
    except RuntimeError:
        # zipfile raises RuntimeError for encrypted members.
        raise CorruptDocumentError(source, f"{label} has encrypted zip members") from None


def declares_dtd(part: bytes) -> bool:
    """Tell whether an XML part declares a DTD or entities (UTF-8 or UTF-16)."""
    head = part[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = part.decode("utf-16", errors="ignore").upper()
        return "<!DOCTYPE" in text or "<!ENTITY" in text
    upper = part.upper()
    return b"<!DOCTYPE" in upper or b"<!ENTITY" in upper
