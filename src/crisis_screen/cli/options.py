"""Options shared by several commands, and the mapping of library errors to click errors.

Kept import-light (click only): the library is imported inside the functions that need it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from crisis_screen.screener import ScreenerConfig

F = TypeVar("F", bound=Callable[..., Any])

#: Mirrors crisis_screen.scoring.DEFAULT_THRESHOLD without importing the scoring module.
DEFAULT_THRESHOLD = 20.0

#: The options every command gives ``--help`` with.
CONTEXT = {"help_option_names": ["-h", "--help"]}


def threshold_option(func: F) -> F:
    """Add ``--threshold`` (resume score 0-100 at which a resume is flagged)."""
    return click.option(
        "--threshold",
        type=click.FloatRange(0, 100),
        default=DEFAULT_THRESHOLD,
        show_default=True,
        help="Resume score (0-100) at or above which a resume is flagged.",
    )(func)


def lexicon_option(func: F) -> F:
    """Add ``--lexicon DIR`` (repeatable; default: the shipped lexicon)."""
    return click.option(
        "--lexicon",
        multiple=True,
        type=click.Path(exists=True, path_type=str),
        help="Lexicon file or folder to use instead of the shipped one (repeatable).",
    )(func)


def overlay_option(func: F) -> F:
    """Add ``--overlay FILE`` (repeatable): lexicon files extending the loaded skills."""
    return click.option(
        "--overlay",
        "overlays",
        multiple=True,
        type=click.Path(exists=True, path_type=str),
        help="Overlay lexicon file extending the skill (repeatable; it names the skill it "
        "extends in [overlay] extends = ...).",
    )(func)


def screener_options(func: F) -> F:
    """Add ``--lexicon`` and ``--overlay``: what the screener is built from."""
    return lexicon_option(overlay_option(func))


def screener_config(
    lexicon: Sequence[str], overlays: Sequence[str], threshold: float | None
) -> ScreenerConfig:
    """The screener config of a command's ``--lexicon``, ``--overlay`` and ``--threshold``."""
    from crisis_screen.screener import ScreenerConfig

    kwargs: dict[str, Any] = {"lexicon": tuple(lexicon), "overlays": tuple(overlays)}
    if threshold is not None:
        kwargs["threshold"] = float(threshold)
    return ScreenerConfig(**kwargs)


@contextlib.contextmanager
def library_errors(config: ScreenerConfig | None = None) -> Iterator[None]:
    """Turn library errors into click errors.

    A bad ``--lexicon``/``--overlay`` is a usage error (exit 2); a broken shipped lexicon is
    not the user's fault (exit 1); another library error (a missing model, an unreachable
    cluster, a missing optional dependency, an output that cannot be created or that another
    run is writing) is a usage error. An :class:`~crisis_screen.errors.OutputWriteError`
    passes through: writing failed, which the command reports with its own exit status.
    """
    from crisis_screen.errors import CrisisScreenError, LexiconError, OutputWriteError

    try:
        yield
    except OutputWriteError:
        raise  # not a usage error: the caller reports it with its own exit status
    except LexiconError as exc:
        if config is not None and config.overlays and not config.lexicon:
            raise click.BadParameter(str(exc), param_hint="--overlay") from None
        if config is not None and (config.lexicon or config.overlays):
            raise click.BadParameter(str(exc), param_hint="--lexicon") from None
        raise click.ClickException(f"the shipped lexicon is invalid: {exc}") from None
    except (CrisisScreenError, ImportError) as exc:
        raise click.UsageError(str(exc)) from None


def format_option(choices: Sequence[str], help: str = "Output format.") -> Callable[[F], F]:
    """Add ``--format`` (stored as ``fmt``) with these choices, the first being the default."""

    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(list(choices)),
            default=choices[0],
            show_default=True,
            help=help,
        )(func)

    return decorate
