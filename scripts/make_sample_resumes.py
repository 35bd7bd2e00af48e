"""Regenerate the binary sample resumes (PDF, DOCX) from their text sources.

Sources live in ``scripts/sample_sources/<name>.txt`` with a tiny markup: the first lines are
the name and contact block, ``## HEADING`` starts a section, ``- `` starts a bullet, and a
line matching ``Title, Employer | dates`` is a job line. Output is deterministic (fixed
creation dates and zip timestamps), so re-running the script does not dirty git.

Usage::

    python scripts/make_sample_resumes.py [--out sample_resumes]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "scripts" / "sample_sources"

#: Which format each source is rendered to.
OUTPUTS: dict[str, str] = {
    "police_officer_cit": "pdf",
    "cit_trainer_sergeant": "pdf",
    "corrections_suicide_watch": "pdf",
    "finance_analyst_2008": "pdf",
    "sheriff_deputy_coresponder": "docx",
    "pr_crisis_communications": "docx",
    "corrections_use_of_force": "docx",
}
FIXED_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def parse(text: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Split a source into its header lines and (heading, lines) sections."""
    header: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif not line.strip():
            continue
        elif sections:
            sections[-1][1].append(line)
        else:
            header.append(line)
    return header, sections


def _winansi(text: str) -> str:
    # fpdf2's core fonts write WinAnsi bytes: map typographic characters to their cp1252
    # code points so bullets and dashes survive without embedding a TTF font.
    return text.replace("- ", "\u2022 ", 1) if text.startswith("- ") else text


def render_pdf(text: str) -> bytes:
    """Render a source as a one-column PDF with bullets, like a word-processor export."""
    from fpdf import FPDF

    header, sections = parse(text)
    pdf = FPDF(format="Letter")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()

    def write(line: str, size: float, style: str = "", indent: float = 0.0) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.set_x(pdf.l_margin + indent)
        encoded = _winansi(line).encode("cp1252", "replace").decode("latin-1")
        pdf.multi_cell(0, size * 0.5, encoded, new_x="LMARGIN", new_y="NEXT")

    write(header[0], 18, "B")
    for line in header[1:]:
        write(line, 10)
    for heading, lines in sections:
        pdf.ln(3)
        write(heading, 12, "B")
        for line in lines:
            if line.startswith("- "):
                write(line, 10, indent=4)
            elif " | " in line and "," in line.split(" | ")[0]:
                write(line, 10.5, "B")
            else:
                write(line, 10)
    return bytes(pdf.output())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and member order, for reproducible output."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def render_docx(text: str) -> bytes:
    """Render a source as a DOCX: contact block in the page header, bullets as a list."""
    import docx

    header, sections = parse(text)
    document = docx.Document()
    props = document.core_properties
    props.author = "crisis_screen sample generator"
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_modified_by = "crisis_screen"
    props.revision = 1
    document.sections[0].header.paragraphs[0].text = "  |  ".join(header[1:])
    document.add_heading(header[0], level=0)
    for heading, lines in sections:
        document.add_heading(heading.title(), level=1)
        for line in lines:
            if line.startswith("- "):
                document.add_paragraph(line[2:], style="List Bullet")
            elif " | " in line and "," in line.split(" | ")[0]:
                # Job lines as a two-cell table row, as many resume templates do.
                role, dates = line.rsplit(" | ", 1)
                table = document.add_table(rows=1, cols=2)
                table.cell(0, 0).text = role
                table.cell(0, 1).text = dates
            else:
                document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return _normalise_zip(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    """Regenerate every binary sample; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "sample_resumes")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, fmt in OUTPUTS.items():
        text = (SRC / f"{name}.txt").read_text(encoding="utf-8")
        data = render_pdf(text) if fmt == "pdf" else render_docx(text)
        target = args.out / f"{name}.{fmt}"
        target.write_bytes(data)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
