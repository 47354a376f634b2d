"""The package's layers, enforced: a module imports only from its own layer or below, views
never import each other, and no module reaches into another's private names.

The table below is the architecture; a new module must be placed in it (the test fails until
it is), which is the moment to decide what it may depend on.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from .conftest import ROOT

PACKAGE = ROOT / "pipeline"

# Lowest first. A module may import modules of its own layer or of a lower one.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "foundation",
        {"errors", "schema", "vocab", "text", "iri", "yamltree", "formats", "webpage", "child",
         "sparqltext",
         "ending"},
    ),
    ("model", {"model", "quantities"}),
    ("stages", {"anchor", "checks", "load", "build", "validation", "export", "outputs",
                "readers", "parse_child", "cache"}),
    ("derived", {"stats", "conflicts", "matcher", "coverage", "network", "agreement"}),
    ("views", {"analyse", "path", "html", "ontodoc", "sparql", "diff", "authoring",
               "explorer"}),
    ("orchestration", {"run"}),
    ("entry", {"cli", "generate"}),
]  # fmt: skip
# Views are peers: none imports another (each is reached from the CLI).
PEERS = "views"


def module_name(path: Path) -> str:
    """``pipeline/validation/run.py`` → ``validation.run``; ``__init__`` names its package."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    """The layer index of a module; a subpackage's modules share the layer of the subpackage."""
    top = module.split(".")[0]
    for index, (_, members) in enumerate(LAYERS):
        if module in members or top in members:
            return index
    raise AssertionError(f"pipeline/{module.replace('.', '/')}.py is in no layer: add it to LAYERS")


def imports_of(path: Path) -> list[tuple[str, list[str], int]]:
    """``(imported module, names, line)`` for each package-internal import in ``path``."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if not (node.module or "").startswith("pipeline"):
                    continue
                target = (node.module or "").removeprefix("pipeline").lstrip(".")
            else:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join([*base, *([node.module] if node.module else [])])
            names = [a.name for a in node.names]
            if not node.module:  # from . import x
                out.extend((f"{target}.{n}".strip("."), [], node.lineno) for n in names)
            else:
                out.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("pipeline."):
                    out.append((a.name.removeprefix("pipeline."), [], node.lineno))
    return out


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_has_a_layer() -> None:
    for path in modules():
        name = module_name(path)
        if name:
            layer_of(name)


def test_no_module_imports_a_higher_layer_or_a_peer_view() -> None:
    wrong = []
    peers = next(i for i, (n, _) in enumerate(LAYERS) if n == PEERS)
    for path in modules():
        me = module_name(path)
        if not me:
            continue
        for target, _, line in imports_of(path):
            if not target or target.split(".")[0] == me.split(".")[0]:
                continue  # inside one module or subpackage
            mine, theirs = layer_of(me), layer_of(target)
            where = f"pipeline/{path.relative_to(PACKAGE)}:{line}"
            if theirs > mine:
                wrong.append(
                    f"{where}: {me} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]})"
                )
            elif theirs == mine == peers:
                wrong.append(f"{where}: view {me} imports view {target}")
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_another_modules_private_names() -> None:
    wrong = []
    for path in modules():
        me = module_name(path)
        for target, names, line in imports_of(path):
            if target == me:
                continue
            for name in names:
                if name.startswith("_"):
                    wrong.append(f"pipeline/{path.relative_to(PACKAGE)}:{line}: {target}.{name}")
    assert not wrong, "\n".join(wrong)


def test_the_import_graph_has_no_cycle() -> None:
    g = nx.DiGraph()
    for path in modules():
        me = module_name(path)
        for target, _, _ in imports_of(path):
            if target and target != me:
                g.add_edge(me.split(".")[0], target.split(".")[0])
    g.remove_edges_from(nx.selfloop_edges(g))
    cycles = list(nx.simple_cycles(g))
    assert not cycles, cycles


def test_the_checks_see_a_wrong_way_import(tmp_path: Path) -> None:
    # The rules are only worth something if they fire: a foundation module importing a view.
    fake = tmp_path / "vocab.py"
    fake.write_text("from .html import to_html\nfrom .load import _Reader\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path
    try:
        found = imports_of(fake)
    finally:
        PACKAGE = saved
    assert ("html", ["to_html"], 1) in found and ("load", ["_Reader"], 2) in found
    assert layer_of("html") > layer_of("vocab")
