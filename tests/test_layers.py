"""The import direction of the package, walked with `ast`: adapters and CLI on top, the token service below,
settings at the bottom, `oauth` imported by the token layer only inside functions (on a miss), and no circles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"rightbrain_helper": ROOT / "helper", "rightbrain_helper.integrations": ROOT / "integrations"}
LEAVES = {
    "rightbrain_helper",
    "errors",
    "log",
    "clock",
    "ports",
    "jsonout",
    "jsonin",
    "netaddr",
    "private_files",
    "fswrite",
    "secret_forms",
}
API = {"api", "requests_auth", "httpx_auth"}
# what each layer may import at module level (lazy imports inside functions may also reach `oauth`)
ALLOWED = {
    "leaf": {"leaf"},
    "settings": {"leaf", "settings"},
    "token": {"leaf", "settings", "token"},
    "oauth": {"leaf", "settings", "oauth", "token.entry", "token.client_auth"},  # the Token; the method table
    "fleet": {"leaf", "settings", "fleet", "token.entry", "token.cache", "token.client_secret", "token.client_auth"},
    "runtime": {"leaf", "settings", "token", "runtime"},
    "api": {"leaf", "settings", "token", "runtime", "api"},
    "cli": {"leaf", "settings", "token", "runtime", "cli"},
    "integrations": {"leaf", "settings", "token", "runtime", "cli", "integrations"},
    "main": {"integrations"},
}
LAZY_EXTRA = {  # a miss loads these inside functions: the HTTP client, and the fleet tier when configured
    "token": {"oauth", "fleet"},
    "runtime": {"oauth", "fleet"},
    "api": {"oauth", "fleet"},
    "cli": {"oauth", "fleet"},
    "integrations": {"oauth", "fleet"},
}


def module_files() -> Iterator[tuple[str, Path]]:
    """(dotted module name, path) for every module of the installed package's source."""
    for package, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [*path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if package == "rightbrain_helper" and parts[:1] == ["integrations"]:
                continue
            yield ".".join([package, *parts]), path


def layer_of(module: str) -> str:
    """The layer a module belongs to: its first segment below the package, or `leaf`."""
    if module.startswith("rightbrain_helper.integrations"):
        return "integrations"
    rest = module.removeprefix("rightbrain_helper").lstrip(".")
    head = rest.split(".", 1)[0] if rest else "rightbrain_helper"
    if head == "__main__":
        return "main"
    if head in LEAVES:
        return "leaf"
    if head in API:
        return "api"
    return head


def target_names(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Absolute names of the project modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base]) if base else ".".join(anchor)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def imports_of(module: str, path: Path) -> Iterator[tuple[str, bool]]:
    """(imported project module, imported lazily) for each runtime import; TYPE_CHECKING blocks are skipped."""
    tree = ast.parse(path.read_text())
    known = {name for name, _ in module_files()}

    def walk(nodes: list[ast.stmt], lazy: bool) -> Iterator[tuple[str, bool]]:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in target_names(module, path.name == "__init__.py", node):
                    if name in known and name != module:
                        yield name, lazy
            inner = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for field in ("body", "orelse", "finalbody"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    yield from walk([child for child in children if isinstance(child, ast.stmt)], lazy or inner)
            for handler in getattr(node, "handlers", None) or []:
                yield from walk(handler.body, lazy or inner)

    yield from walk(tree.body, False)


def allowed(source: str, target: str, lazy: bool) -> bool:
    """Whether `source` may import `target` (lazily or at module level)."""
    own, other = layer_of(source), layer_of(target)
    rest = target.removeprefix("rightbrain_helper.")
    permitted = ALLOWED[own] | (LAZY_EXTRA.get(own, set()) if lazy else set())
    return other in permitted or rest in permitted or (other == "rightbrain_helper" and "leaf" in permitted)


def test_every_import_points_down() -> None:
    """No module imports a layer above its own (core never imports adapters or the CLI; settings import nothing
    of the token layer; oauth is loaded by the token layer only on a miss)."""
    wrong = [
        f"{module} -> {target}{' (lazy)' if lazy else ''}"
        for module, path in module_files()
        for target, lazy in imports_of(module, path)
        if not allowed(module, target, lazy)
    ]
    assert wrong == []


def test_no_import_circles() -> None:
    """The import graph has no cycle, counting imports inside functions too (a lazy edge is still an edge)."""
    graph = {module: {target for target, _ in imports_of(module, path)} for module, path in module_files()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_layers_cover_every_module() -> None:
    """Every module sits in a known layer, so a new package cannot escape the rules by being unnamed."""
    unknown = sorted({layer_of(module) for module, _ in module_files()} - set(ALLOWED))
    assert unknown == []
