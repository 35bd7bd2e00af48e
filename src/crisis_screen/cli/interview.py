"""``crisis-screen interview score|guide`` and ``crisis-screen title``.

Only click is imported at module level: the library (pydantic, spaCy, the screener) is imported
inside each command, so ``crisis-screen --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from crisis_screen.cli.options import format_option, screener_options

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_BANK_HELP = "Question bank TOML file (default: the shipped bank)."


@click.group()
def interview() -> None:
    """Interview kit: score answers against the question bank, print an interview guide.

    Scores and guides are an aid to a human interviewer, not a verdict.
    """


@interview.command()
@click.argument("answers", type=_FILE)
@format_option(("text", "json", "markdown"))
@click.option("--bank", "bank_path", type=_FILE, default=None, help=_BANK_HELP)
def score(answers: Path, fmt: str, bank_path: Path | None) -> None:
    """Score interview answers: covered and missing key points per question.

    ANSWERS is a JSON file {"question_id": "answer text", ...} or a text file with one section
    per answer, each headed by a line "## <question_id>".
    """
    from crisis_screen.errors import CrisisScreenError
    from crisis_screen.interview import (
        QuestionBank,
        UnknownQuestionError,
        read_answers,
        render_scores,
        score_answers,
    )

    try:
        bank = QuestionBank.load(bank_path) if bank_path else QuestionBank.default()
        parsed = read_answers(answers)
        scores = score_answers(parsed, bank)
    except UnknownQuestionError as exc:
        raise click.ClickException(f"{answers}: {exc}") from None
    except CrisisScreenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(render_scores(scores, fmt), nl=False)  # type: ignore[arg-type]


@interview.command()
@click.argument("resume", type=_FILE)
@format_option(("text", "markdown", "html"), "Output format (HTML is one self-contained page).")
@click.option("--bank", "bank_path", type=_FILE, default=None, help=_BANK_HELP)
@screener_options
def guide(
    resume: Path,
    fmt: str,
    bank_path: Path | None,
    lexicon: tuple[str, ...],
    overlays: tuple[str, ...],
) -> None:
    """Print an interview guide for one candidate, with follow-ups from their resume.

    RESUME is any file the screener reads (PDF, DOCX, HTML, RTF, text, JSON Resume).
    --lexicon and --overlay change the lexicon the resume is screened with (the follow-ups).
    """
    from crisis_screen.errors import CrisisScreenError
    from crisis_screen.interview import QuestionBank, build_guide, render_guide
    from crisis_screen.screener import Screener

    try:
        bank = QuestionBank.load(bank_path) if bank_path else QuestionBank.default()
        screener = Screener(list(lexicon) or None, overlays=overlays)
        result = screener.screen_file(resume)
    except CrisisScreenError as exc:
        raise click.ClickException(str(exc)) from None
    names = {cid: c.name for cid, c in screener.lexicon.concepts.items()}
    built = build_guide(result, bank, concept_names=names)
    click.echo(render_guide(built, fmt), nl=False)  # type: ignore[arg-type]


@click.command()
@click.argument("job_title")
@format_option(("text", "json"))
def title(job_title: str, fmt: str) -> None:
    """Normalise a job title: expand abbreviations and match it to the skill's titles.

    Example: crisis-screen title "CIT Ofc."
    """
    from crisis_screen.errors import CrisisScreenError
    from crisis_screen.titles import normalize_title

    try:
        match = normalize_title(job_title)
    except CrisisScreenError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(match.model_dump_json(indent=2))
        return
    rows = [
        ("Input", match.input),
        ("Expanded", match.expanded),
        ("Skill title", "yes" if match.is_skill_title else "no"),
        ("Matched title", match.canonical or "-"),
        ("Concept", match.concept or "-"),
        ("Method", match.method),
        ("Similarity", f"{match.similarity:g}"),
        ("Canonical skill title", match.skill_title or "-"),
        ("Related concepts", ", ".join(match.related_concepts) or "-"),
        ("Why", match.reason),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key.ljust(width)}  {value}")
