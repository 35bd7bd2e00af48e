"""``crisis-screen lexicon`` and ``crisis-screen schema``: lexicon checks and JSON Schemas."""

from __future__ import annotations

import click


@click.group()
def lexicon() -> None:
    """Validate a lexicon or print the JSON Schema of the lexicon format."""


@lexicon.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--overlay", multiple=True, type=click.Path(path_type=str), help="Overlay file.")
def validate(paths: tuple[str, ...], overlay: tuple[str, ...]) -> None:
    """Check lexicon files or folders; print every problem, exit 1 if there is any."""
    from crisis_screen.errors import LexiconError
    from crisis_screen.lexicon import load_lexicon

    try:
        lex = load_lexicon(list(paths), overlays=list(overlay))
    except LexiconError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    terms = sum(1 for _ in lex.term_entries())
    click.echo(
        f"ok: {lex.version}: {len(lex.concepts)} concepts, {terms} surface forms,"
        f" {len(lex.cues)} cues, {len(lex.anchors)} gate anchors"
    )


@lexicon.command("schema")
def lexicon_schema() -> None:
    """Print the JSON Schema of the lexicon file format."""
    from crisis_screen.schemas import dump_schema

    click.echo(dump_schema("lexicon"), nl=False)


@click.command()
@click.argument("what", type=click.Choice(["result", "lexicon", "record"]))
def schema(what: str) -> None:
    """Print the JSON Schema of a screening result, a scan output record or the lexicon."""
    from crisis_screen.schemas import dump_schema

    click.echo(dump_schema(what), nl=False)
