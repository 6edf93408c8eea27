"""The layers hold: front-ends go through ``VeoService``, nothing imports upwards, no cycles.

Imports are read from the source (``ast``), every one of them: at module level, inside functions
and under ``TYPE_CHECKING`` (a dependency is a dependency, even when it is lazy). Layers, lowest
first (data flows down, nothing flows back up):

    0  errors, catalog (+ catalog_file, catalog_entry, catalog_table, catalog_beyond_veo),
       pricing, wording, words, types (+ types/*), settings, recommend (+ recommend_beyond,
       recommend_scenarios), fallbacks, availability, docs
                                                                                  (domain, pure)
    1  transport/
    2  channels/, protocols/, images
    3  journal/
    4  engine/
    5  service (VeoService, the one door)
    6  front-ends: cli/, langchain/, mcp_server/ (and the package's public __init__)

The sandbox simulates APIYI; it may import only catalog, errors, types and transport.addresses
(and the service may start it). Front-ends may import the public facade and public types only.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("veo_tools", "mcp_server")

BASE = (
    "errors",
    "catalog",
    "catalog_file",
    "catalog_entry",
    "catalog_beyond_veo",
    "catalog_table",
    "wording",
    "words",
    "types",
    "settings",
    "recommend",
    "recommend_beyond",
    "recommend_scenarios",
    "fallbacks",
    "availability",
    "docs",
    "money",
    "pricing",
)
FRONT_ENDS = ("veo_tools.cli", "veo_tools.langchain", "mcp_server")
#: What a front-end may import from the package (besides its own modules).
PUBLIC = frozenset(
    {
        "veo_tools",
        "veo_tools.service",
        *(f"veo_tools.{name}" for name in BASE),
        # Not engine internals: the CLI serves and demos the simulator, and the MCP HTTP
        # server checks its bind address with the same pure helper the sandbox uses.
        "veo_tools.sandbox",
        "veo_tools.transport.addresses",
    }
)
SANDBOX_MAY_IMPORT = frozenset(
    {"veo_tools.catalog", "veo_tools.errors", "veo_tools.types", "veo_tools.transport.addresses"}
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


MODULES = modules()


def _own(name: str) -> str | None:
    """The package module ``name`` lives in (a name imported from a module is not a module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported(node: ast.ImportFrom, module: str, path: Path) -> Iterator[str]:
    if node.level:
        base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    submodules = [f"{source}.{a.name}" for a in node.names if f"{source}.{a.name}" in MODULES]
    yield from submodules
    if len(submodules) < len(node.names):
        yield source


def imports_of(module: str) -> set[str]:
    """Every package module ``module`` imports (external libraries left out)."""
    path = MODULES[module]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.update(_imported(node, module, path))
    return {own for name in found if (own := _own(name)) and own != module}


GRAPH = {module: imports_of(module) for module in MODULES}


def layer(module: str) -> int | None:
    """The module's layer, or None for the sandbox (checked on its own)."""
    if module.startswith("veo_tools.sandbox"):
        return None
    if module == "veo_tools" or module.startswith(FRONT_ENDS):
        return 6
    ranks = {
        "veo_tools.service": 5,
        "veo_tools.engine": 4,
        "veo_tools.journal": 3,
        "veo_tools.channels": 2,
        "veo_tools.protocols": 2,
        "veo_tools.images": 2,
        "veo_tools.transport": 1,
        **{f"veo_tools.{name}": 0 for name in BASE},
    }
    for prefix, rank in ranks.items():
        if module == prefix or module.startswith(prefix + "."):
            return rank
    raise AssertionError(f"{module} has no layer: add it to the docstring and to layer()")


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer(module)


def test_front_ends_import_only_the_facade_and_the_public_types() -> None:
    offences = {
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.startswith(FRONT_ENDS)
        for target in targets
        if not target.startswith(FRONT_ENDS) and target not in PUBLIC
    }
    assert offences == set()


def test_no_module_imports_a_higher_layer() -> None:
    offences = set()
    for module, targets in GRAPH.items():
        rank = layer(module)
        for target in targets:
            other = layer(target)
            if rank is not None and other is not None and other > rank:
                offences.add(f"{module} ({rank}) -> {target} ({other})")
            starts_sandbox = module == "veo_tools.service" or module.startswith(FRONT_ENDS)
            if other is None and rank is not None and not starts_sandbox:
                offences.add(f"{module} -> {target} (the sandbox is not a library)")
    assert offences == set()


def test_the_sandbox_imports_only_the_catalog_errors_types_and_addresses() -> None:
    offences = {
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.startswith("veo_tools.sandbox")
        for target in targets
        if not target.startswith("veo_tools.sandbox") and target not in SANDBOX_MAY_IMPORT
    }
    assert offences == set()


def _cycle_from(start: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        module, trail = stack.pop()
        for target in sorted(GRAPH[module]):
            if target == start:
                return [*trail, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*trail, target]))
    return None


def test_there_are_no_import_cycles_between_modules() -> None:
    # A package's __init__ re-exporting its own submodules is not a cycle of design.
    cycles = []
    for module in sorted(MODULES):
        cycle = _cycle_from(module)
        if cycle and not _only_package_reexports(cycle):
            cycles.append(" -> ".join(cycle))
    assert cycles == []


def _only_package_reexports(cycle: list[str]) -> bool:
    return any(
        MODULES[a].name == "__init__.py" and b.startswith(a + ".")
        for a, b in itertools.pairwise(cycle)
    )


def test_the_allowed_graph_between_layers_is_pinned() -> None:
    """Which layer imports which, as it stands: a new kind of edge is a design decision."""
    edges = {
        (layer(module), layer(target))
        for module, targets in GRAPH.items()
        for target in targets
        if layer(module) != layer(target)
    }
    assert edges == {
        (1, 0),
        (2, 0),
        (2, 1),
        (3, 0),
        (4, 0),
        (4, 1),
        (4, 2),
        (4, 3),
        (5, 0),
        (5, 1),
        (5, 3),
        (5, 4),
        (5, None),
        (6, 0),
        (6, 1),
        (6, 5),
        (6, None),
        (None, 0),
        (None, 1),
    }
