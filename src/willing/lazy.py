"""Names of a package imported on first use (PEP 562), so importing the package costs nothing.

`willing --help` and the commands that need no solver must not load pandas, HiGHS, plotly or
the service stack just because a package's `__init__` re-exports names from modules that do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from types import ModuleType
from typing import Any


class _Package(ModuleType):
    """A package whose exported names may be those of its own submodules (`willing.sustain` is
    both a module and the function it defines): importing the submodule binds it on the
    package, which would hide the function; the function is bound instead."""

    def __setattr__(self, name: str, value: Any) -> None:
        where: Mapping[str, str] = self.__dict__.get("_exports", {})
        if isinstance(value, ModuleType) and where.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


def exports(package: str, where: Mapping[str, str],
            namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, whose public names are `where`'s keys,
    each defined in the module it maps to; a name once imported is kept in `namespace` (the
    package's globals), so later look-ups are plain attribute reads."""
    namespace["_exports"] = where
    sys.modules[package].__class__ = _Package

    def getattr_(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        value = getattr(import_module(where[name]), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *where})

    return getattr_, dir_
