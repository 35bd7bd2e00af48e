"""Lazy package attributes (PEP 562), shared by the packages that export names lazily.

Importing a package then costs nothing: ``crisis_screen.Screener`` imports the screener (and
spaCy) the first time it is used, and ``crisis-screen --help`` stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, table: Mapping[str, str]) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` importing ``table[name]`` (a module) on first use.

    Args:
        package: The package's ``__name__`` (for the error message).
        table: Attribute name -> the module that defines it.
    """

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__
