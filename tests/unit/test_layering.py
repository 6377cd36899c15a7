"""Dependencies point one way (handlers -> logic -> repositories -> storage); only handlers read the
environment at init; failures are domain errors until the HTTP edge renders them.

Read from the source (ast), so the rule holds for every import, also one inside a function.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMON = ROOT / "layers" / "api_common" / "api_common"
SERVICES = [ROOT / "user_function" / "users", ROOT / "product_function" / "products"]

# The storage layer: the DynamoDB client and item (de)serialisation, keys, the record type, the versioned
# table, the idempotency record, and the vocabulary of failures every layer raises.
STORAGE = frozenset({"dynamo", "keys", "record", "versioned_table", "idempotency", "errors"})
# What storage may use of the layer besides itself: the SnapStart hook registry (no HTTP, no settings).
STORAGE_MAY_USE = STORAGE | {"snapstart"}
# The HTTP edge: the only modules that know problems (RFC 9457) and render the domain's errors as them.
HTTP_EDGE = frozenset({"problems", "resolver", "responses", "guards", "fields", "store_failures"})
# Named in the failure so it says which arrow points the wrong way.
HTTP = HTTP_EDGE | {"request", "server_errors"}
LOGIC = frozenset({"writes", "preconditions", "etags", "paging", "cursors"})
CONFIG = frozenset({"config"})

# Calls that read the environment or build a client; at import they belong to the handlers alone.
ENVIRONMENT_OR_CLIENT = frozenset(
    {"getenv", "client", "resource", "Session", "container_client", "create_client"}
    | {"common", "common_config", "load", "users_config", "products_config"}
    | {"CursorCodec"}  # also handler-owned: one page-cursor codec per service, passed down
)
# Powertools reads its own POWERTOOLS_* variables when these are built; its documented pattern is one of each
# per module at import, and the tracer must patch botocore before any client exists.
POWERTOOLS_PLUMBING = frozenset({"observability"})


def layer_modules(name: str) -> str:
    return name.removeprefix("api_common.").split(".")[0]


def imported_modules(tree: ast.AST) -> Iterator[str]:
    """The api_common modules a module imports, anywhere in it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "api_common":
                yield from (alias.name for alias in node.names)
            elif node.module.startswith("api_common."):
                yield layer_modules(node.module)
        elif isinstance(node, ast.Import):
            yield from (layer_modules(a.name) for a in node.names if a.name.startswith("api_common."))


def service_modules(tree: ast.AST, service: str) -> set[str]:
    """The modules of its own service a module imports (`users.repository` -> `repository`)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == service:
                found |= {alias.name for alias in node.names}
            elif node.module.startswith(f"{service}."):
                found.add(node.module.split(".")[1])
    return found


def import_time_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node that runs when the module is imported: all but function and lambda bodies."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            pending.extend(node.decorator_list)  # decorators run at import; bodies and defaults' reads do not
            continue
        if isinstance(node, ast.Lambda):
            continue
        yield node
        pending.extend(ast.iter_child_nodes(node))


def reads_at_import(tree: ast.Module) -> list[str]:
    found = []
    for node in import_time_nodes(tree):
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            found.append(f"line {node.lineno}: os.environ")
        if isinstance(node, ast.Call):
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if name in ENVIRONMENT_OR_CLIENT:
                found.append(f"line {node.lineno}: {name}()")
    return found


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def layer_files() -> list[Path]:
    return sorted(COMMON.glob("*.py"))


def test_every_layer_module_has_a_place() -> None:
    """A new module is placed in one of the sets here, so that the rules below see it."""
    placed = STORAGE_MAY_USE | HTTP | LOGIC | CONFIG | POWERTOOLS_PLUMBING
    others = {"models", "jsonio", "syntax", "limits", "tracing", "__init__"}
    assert {path.stem for path in layer_files()} - placed - others == set()


@pytest.mark.parametrize("path", [COMMON / f"{name}.py" for name in sorted(STORAGE)], ids=sorted(STORAGE))
def test_storage_imports_nothing_of_http_logic_or_config(path: Path) -> None:
    imported = set(imported_modules(parse(path)))
    wrong_way = {
        module: "HTTP"
        if module in HTTP
        else "logic"
        if module in LOGIC
        else "config"
        if module in CONFIG
        else ""
        for module in imported - STORAGE_MAY_USE
    }
    assert not wrong_way, f"{path.name} (storage) imports from above: {wrong_way}"


NOT_EDGE = [
    path
    for path in [*layer_files(), *(p for service in SERVICES for p in sorted(service.glob("*.py")))]
    if not (path.parent == COMMON and path.stem in HTTP_EDGE)
]


@pytest.mark.parametrize("path", NOT_EDGE, ids=[f"{p.parent.name}/{p.name}" for p in NOT_EDGE])
def test_only_the_http_edge_knows_problems(path: Path) -> None:
    """Logic, storage and handlers raise domain errors (api_common.errors); the resolver renders them."""
    assert "problems" not in set(imported_modules(parse(path))), f"{path.name} imports api_common.problems"


NOT_HANDLERS = [
    path
    for path in [*layer_files(), *(p for service in SERVICES for p in sorted(service.glob("*.py")))]
    if path.stem != "handler" and path.stem not in POWERTOOLS_PLUMBING
]


@pytest.mark.parametrize("path", NOT_HANDLERS, ids=[f"{p.parent.name}/{p.name}" for p in NOT_HANDLERS])
def test_only_handlers_read_the_environment_or_build_clients_at_import(path: Path) -> None:
    assert reads_at_import(parse(path)) == [], (
        f"{path.name} reads the environment or builds a client at import"
    )


def test_the_rule_sees_what_it_forbids() -> None:
    """The detectors find each forbidden form (else the tests above would pass vacuously)."""
    module = ast.parse(
        "import os\nimport boto3\nA = os.environ['X']\nB = boto3.client('dynamodb')\nC = config.common()\n"
        "def later(environ=os.environ):\n    return os.environ['Y']\n"
    )
    assert sorted(reads_at_import(module)) == ["line 3: os.environ", "line 4: client()", "line 5: common()"]
    imports = ast.parse(
        "from api_common import problems\nfrom api_common.paging import x\n"
        "def f():\n    import api_common.config\nfrom users.logic import y\nfrom users import handler\n"
    )
    assert set(imported_modules(imports)) == {"problems", "paging", "config"}
    assert service_modules(imports, "users") == {"logic", "handler"}


def test_the_handlers_do_read_at_import() -> None:
    """The one place the environment is read and the client built: each handler's top level, once."""
    for service in SERVICES:
        reads = reads_at_import(parse(service / "handler.py"))
        for created in ("container_client()", "common()", "CursorCodec()"):
            assert any(read.endswith(f": {created}") for read in reads), (service.name, created)


REPOSITORIES = [service / "repository.py" for service in SERVICES]


@pytest.mark.parametrize("path", REPOSITORIES, ids=[p.parent.name for p in REPOSITORIES])
def test_repositories_are_storage_too(path: Path) -> None:
    """A service's DynamoDB access uses storage alone, and nothing of its own service above it: the
    idempotency claim reaches it as a JoinedWrite (versioned_table), and its refusals are domain errors."""
    assert set(imported_modules(parse(path))) - STORAGE_MAY_USE == set()
    assert service_modules(parse(path), path.parent.name) == set()


LOGIC_MODULES = [service / "logic.py" for service in SERVICES]


@pytest.mark.parametrize("path", LOGIC_MODULES, ids=[p.parent.name for p in LOGIC_MODULES])
def test_logic_imports_no_handler_and_no_http(path: Path) -> None:
    assert service_modules(parse(path), path.parent.name) <= {"models", "repository"}
    assert set(imported_modules(parse(path))) & HTTP == set()


@pytest.mark.parametrize("name", sorted(LOGIC))
def test_shared_logic_imports_no_http(name: str) -> None:
    assert set(imported_modules(parse(COMMON / f"{name}.py"))) & HTTP == set()
