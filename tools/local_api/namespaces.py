"""Each function's own copies of the packages that keep per-process state, in sys.modules while it runs.

A Lambda container is a process of its own: Powertools reads the service name at import and shares metric
dimensions between Metrics instances, and the layer's api_common creates its Logger and Metrics at import.
So each function gets its own copy of those packages (and of the handler packages), swapped into sys.modules
for the length of its invocation; stateless packages (pydantic, boto3) stay shared.

Which names to swap: those under the isolated roots. Scanning all of sys.modules' few thousand names for them,
twice per invocation, was about 6 % of the local API's time under load. A dict keeps insertion order, so a
marker entry moved to the end of sys.modules at every swap makes the names imported since the last swap the
ones after it: the known names plus those are exactly what a scan would find, at the cost of the
function's own modules. If anything removes the marker, the next swap scans instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import cast

# Never imported: only its place in sys.modules is read.
MARKER = "tools.local_api._namespaces_marker"
_MARKER_MODULE = ModuleType(MARKER)
_ABSENT = object()


class ModuleNamespaces:
    """Per-key (per-function) copies of every module under `roots`; outside an invocation, sys.modules holds
    whatever copies the rest of the process imported (usually none)."""

    def __init__(self, roots: Iterable[str]) -> None:
        self._roots = frozenset(roots)
        self._prefixes = tuple(f"{root}." for root in sorted(self._roots))
        self._owned: dict[str, dict[str, ModuleType]] = {}
        self._outside: set[str] | None = None  # names under the roots outside invocations; None: not known

    def owned(self, key: str) -> dict[str, ModuleType]:
        """The modules `key` had in sys.modules when its last invocation ended."""
        return dict(self._owned.get(key, {}))

    @contextmanager
    def entered(self, key: str) -> Iterator[None]:
        """sys.modules with `key`'s own copies for the length of the block. Callers serialise blocks."""
        added = self._added_since_mark()
        outside = self._scan() if self._outside is None or added is None else self._outside | added
        others = _take(outside)
        own = self._owned.get(key, {})
        sys.modules.update(own)
        _mark()
        try:
            yield
        finally:
            added = self._added_since_mark()
            self._owned[key] = _take(self._scan() if added is None else set(own) | added)
            sys.modules.update(others)
            self._outside = set(others)
            _mark()

    def _isolated(self, name: str) -> bool:
        return name in self._roots or name.startswith(self._prefixes)

    def _scan(self) -> set[str]:
        return {name for name in list(sys.modules) if self._isolated(name)}

    def _added_since_mark(self) -> set[str] | None:
        """Isolated names inserted into sys.modules after the marker; None when the marker is gone."""
        try:
            added: list[str] = []
            for name in reversed(sys.modules):  # the marker is last but for what came since: a few names
                if name == MARKER:
                    return {name for name in added if self._isolated(name)}
                added.append(name)
        except RuntimeError:  # another thread imported meanwhile: read a copy instead
            pass
        names = list(sys.modules)  # one C-level copy, consistent while other threads import
        for position in range(len(names) - 1, -1, -1):
            if names[position] == MARKER:
                return {name for name in names[position + 1 :] if self._isolated(name)}
        return None


def _take(names: Iterable[str]) -> dict[str, ModuleType]:
    """Remove `names` from sys.modules; the modules that were there (a name may have gone meanwhile)."""
    taken: dict[str, ModuleType] = {}
    for name in names:
        module: object = sys.modules.pop(name, _ABSENT)
        if module is not _ABSENT:
            taken[name] = cast(ModuleType, module)  # or None, an import blocker: kept as it was
    return taken


def _mark() -> None:
    sys.modules[MARKER] = sys.modules.pop(MARKER, _MARKER_MODULE)
