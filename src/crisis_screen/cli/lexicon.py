"""``crisis-screen lexicon`` and ``crisis-screen schema``: lexicon checks and JSON Schemas."""

from __future__ import annotations

import click

from crisis_screen.cli.options import overlay_option


@click.group()
def lexicon() -> None:
    """Validate a lexicon, show where the shipped one is, or print the lexicon JSON Schema."""


@lexicon.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@overlay_option
def validate(paths: tuple[str, ...], overlays: tuple[str, ...]) -> None:
    """Check lexicon files or folders; print every problem, exit 1 if there is any."""
    from crisis_screen.errors import LexiconError
    from crisis_screen.lexicon import load_lexicon

    try:
        lex = load_lexicon(list(paths), overlays=list(overlays), use_cache=False)
    except LexiconError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    terms = sum(1 for _ in lex.term_entries())
    click.echo(
        f"ok: {lex.version}: {len(lex.concepts)} concepts, {terms} surface forms,"
        f" {len(lex.cues)} cues, {len(lex.anchors)} gate anchors"
    )


@lexicon.command("path")
def lexicon_path() -> None:
    """Print the folder of the shipped lexicon (copy it to start a lexicon of your own)."""
    from crisis_screen.errors import LexiconError
    from crisis_screen.lexicon import default_lexicon_dir

    try:
        click.echo(str(default_lexicon_dir()))
    except LexiconError as exc:
        raise click.ClickException(str(exc)) from None


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
