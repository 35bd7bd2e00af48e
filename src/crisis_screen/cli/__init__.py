"""The ``crisis-screen`` command line: a thin layer over the library.

Subcommands live in their own modules and are imported only when run, so ``--help`` and
``--version`` answer without importing spaCy, pydantic or the screener.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
from typing import Any, NoReturn

import click

from crisis_screen import __version__

#: Subcommand name -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "scan": "crisis_screen.cli.scan:scan",
    "explain": "crisis_screen.cli.explain:explain",
    "evaluate": "crisis_screen.cli.evaluate:evaluate",
    "lexicon": "crisis_screen.cli.lexicon:lexicon",
    "schema": "crisis_screen.cli.lexicon:schema",
    "interview": "crisis_screen.cli.interview:interview",
    "title": "crisis_screen.cli.interview:title",
    "audit": "crisis_screen.cli.audit:audit",
    "serve": "crisis_screen.cli.serve:serve",
}

#: One-line help of each subcommand, shown by ``--help`` without importing it.
SHORT_HELP: dict[str, str] = {
    "scan": "Screen resume files and folders; ranked, explained results.",
    "explain": "Explain one resume's evidence and score.",
    "evaluate": "Measure precision/recall on labelled lines or resumes.",
    "lexicon": "Validate a lexicon, show where the shipped one is, print its schema.",
    "schema": "Print the JSON Schema of results or output records.",
    "interview": "Interview kit: score answers, print an interview guide.",
    "title": "Normalise a job title to the skill.",
    "audit": "Impact-ratio audit of results by demographic group.",
    "serve": "Serve screening over HTTP for ATS integrations (crisis_screen[server]).",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the subcommand names."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import and return one subcommand."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List subcommands from ``SHORT_HELP`` (importing them would make --help slow)."""
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crisis-screen")
def cli() -> None:
    """Screen resumes for Mental Health Response (crisis intervention, CIT, co-responder work).

    Every flag comes with its evidence: the line, the matched text, the term, how it matched
    and each context rule that changed its weight. The tool flags and explains; a person
    decides.
    """


def main(argv: list[str] | None = None) -> Any:
    """Run the command line; it ends with ``SystemExit`` (its exit status), as click does.

    The console script runs :func:`run`, which calls this, then ends the process at once.
    """
    args = sys.argv[1:] if argv is None else argv
    params = _local_scan_params(args)
    if params is not None:
        # Worker processes fork from a server that must first import spaCy and build the
        # screener (over a second): start it before this process spends its own time
        # importing, if this scan will use workers at all.
        from crisis_screen.runs.workers import start_early

        start_early(
            params["paths"],
            jobs=params["jobs"],
            lexicon=params["lexicon"],
            overlays=params["overlays"],
        )
    return cli.main(args=argv, prog_name="crisis-screen")


def run() -> NoReturn:
    """Console-script entry point: :func:`main`, then end the process without tearing it down.

    Tearing down an interpreter that holds spaCy and a screener takes about 0.2 s (a one-file
    scan: 1.9 -> 1.7 s here) after the work is done and every output file is closed, so the
    process flushes its streams and logs and ends at once. :func:`main` itself exits normally,
    for callers that run it in their own process; so does a command that started a Dask
    cluster, whose clean-up runs at exit, or one that never loaded spaCy (nothing to save).
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    if "spacy" not in sys.modules or "distributed" in sys.modules:
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`)
            stream.flush()
    os._exit(code)


def _exit_code(code: object) -> int:
    """The status ``sys.exit(code)`` would end with (a message goes to stderr, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _local_scan_params(args: list[str]) -> dict[str, Any] | None:
    """The paths, jobs, lexicon and overlays of a ``scan`` that may run local workers, else None.

    Parsed with the command's own options (click only, no callbacks), so a scan on Dask, a
    ``--help`` or another command gives None.
    """
    if not args or args[0] != "scan" or "-h" in args or "--help" in args:
        return None
    from crisis_screen.cli.scan import scan

    try:
        params = scan.make_context("scan", list(args[1:]), resilient_parsing=True).params
    except click.ClickException:
        return None  # the real parse reports it
    if params.get("scheduler") or params.get("jobs") == 1:
        return None
    return {
        "paths": tuple(params.get("paths") or ()),
        "jobs": params.get("jobs"),
        "lexicon": tuple(params.get("lexicon") or ()),
        "overlays": tuple(params.get("overlays") or ()),
    }


def _may_use_workers(args: list[str]) -> bool:
    """Return True for a ``scan`` that will run local worker processes (see ``start_early``)."""
    from crisis_screen.runs.workers import pool_likely

    params = _local_scan_params(args)
    return params is not None and pool_likely(params["paths"], params["jobs"])
