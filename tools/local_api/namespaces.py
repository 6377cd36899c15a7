"""Each function's own copies of the packages that keep per-process state, in sys.modules while it runs.

A Lambda container is a process of its own: Powertools reads the service name at import and shares metric
dimensions between Metrics instances, and the layer's api_common creates its Logger and Metrics at import.
So each function gets its own copy of those packages (and of the handler packages), swapped into sys.modules
for the length of its invocation; stateless packages (pydantic, boto3) stay shared.

Which names to swap: those under the isolated roots, found by a scan of sys.modules at each swap.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import cast

_ABSENT = object()


class ModuleNamespaces:
    """Per-key (per-function) copies of every module under `roots`; outside an invocation, sys.modules holds
    whatever copies the rest of the process imported (usually none)."""

    def __init__(self, roots: Iterable[str]) -> None:
        self._roots = frozenset(roots)
        self._prefixes = tuple(f"{root}." for root in sorted(self._roots))
        self._owned: dict[str, dict[str, ModuleType]] = {}

    def owned(self, key: str) -> dict[str, ModuleType]:
        """The modules `key` had in sys.modules when its last invocation ended."""
        return dict(self._owned.get(key, {}))

    @contextmanager
    def entered(self, key: str) -> Iterator[None]:
        """sys.modules with `key`'s own copies for the length of the block. Callers serialise blocks."""
        others = _take(self._scan())
        sys.modules.update(self._owned.get(key, {}))
        try:
            yield
        finally:
            self._owned[key] = _take(self._scan())
            sys.modules.update(others)

    def _isolated(self, name: str) -> bool:
        return name in self._roots or name.startswith(self._prefixes)

    def _scan(self) -> set[str]:
        return {name for name in list(sys.modules) if self._isolated(name)}  # list(): one C-level copy


def _take(names: Iterable[str]) -> dict[str, ModuleType]:
    """Remove `names` from sys.modules; the modules that were there (a name may have gone meanwhile)."""
    taken: dict[str, ModuleType] = {}
    for name in names:
        module: object = sys.modules.pop(name, _ABSENT)
        if module is not _ABSENT:
            taken[name] = cast(ModuleType, module)  # or None, an import blocker: kept as it was
    return taken
