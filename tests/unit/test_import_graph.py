"""The packages' import graph, read from the source (ast; nothing is imported): no circles, and the
floors import downward only (README, "How it is built").

An edge is an import written in a module, at its top or inside a function (a late import is still
an arrow), except under `if TYPE_CHECKING:`, which never runs. Importing `a.b.c` also runs the
`__init__` of `a` and `a.b`; those implicit edges are left out, or every package whose `__init__`
imports a submodule would look circular.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "intake", "projections", "workers")


def module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every Import and ImportFrom node, skipping the bodies of `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (child for orelse in node.orelse for child in _imports_in(orelse))
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node)


def imported_names(module: str, path: Path) -> list[tuple[str, int]]:
    """(dotted name, line) of what the module imports: a module, or a name inside one."""
    names = []
    for node in _imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
            continue
        if node.level:  # relative: from the module's package (a package's own __init__ is its package)
            base = module.split(".")
            if path.name != "__init__.py":
                base.pop()
            base = base[:len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        names += [(f"{source}.{alias.name}", node.lineno) for alias in node.names]
    return names


def import_graph() -> dict[str, dict[str, int]]:
    """module → {imported module of ours: line of the first such import}."""
    modules = module_files()
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges = graph.setdefault(module, {})
        for name, line in imported_names(module, path):
            target = name
            while target and target not in modules:  # `from a.b import c`: the module c, else a.b
                target = target.rpartition(".")[0]
            if target and target != module:
                edges.setdefault(target, line)
    return graph


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def arrows(graph, source_prefixes: tuple[str, ...], target_prefixes: tuple[str, ...]) -> list[str]:
    """Every import from a module under one of source_prefixes of a module under one of target_prefixes."""
    def under(module: str, prefixes: tuple[str, ...]) -> bool:
        return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)
    return [f"{module} (line {line}) imports {target}" for module, edges in sorted(graph.items())
            if under(module, source_prefixes) for target, line in sorted(edges.items())
            if under(target, target_prefixes)]


def describe(graph, component: list[str]) -> str:
    members = set(component)
    return "; ".join(f"{module}:{line} → {target}" for module in component
                     for target, line in sorted(graph[module].items()) if target in members)


GRAPH = import_graph()


def test_the_graph_is_read_from_every_package():
    assert {module.split(".")[0] for module in GRAPH} == set(PACKAGES)
    assert "intake.adapters.store" in GRAPH["intake.services.cases"]  # an arrow the graph must see


def test_there_are_no_import_circles():
    assert [describe(GRAPH, component) for component in circles(GRAPH)] == []


def test_the_domain_imports_nothing_of_the_outer_packages():
    assert arrows(GRAPH, ("domain",), ("intake", "projections", "workers")) == []


def test_the_read_models_import_neither_the_application_nor_the_workers():
    assert arrows(GRAPH, ("projections",), ("intake", "workers")) == []


def test_the_adapters_import_no_floor_above_them():
    above = ("intake.services", "intake.queries", "intake.api", "intake.web", "intake.cli", "intake.bootstrap",
             "workers")
    assert arrows(GRAPH, ("intake.adapters",), above) == []


def test_a_circle_is_found_and_named():
    graph = {"a": {"b": 3}, "b": {"c": 1}, "c": {"a": 7}, "d": {"a": 1}}
    assert circles(graph) == [["a", "b", "c"]]
    assert describe(graph, ["a", "b", "c"]) == "a:3 → b; b:1 → c; c:7 → a"
    assert circles({"a": {"b": 1}, "b": {}}) == []


def test_imports_under_type_checking_are_no_arrows(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("from typing import TYPE_CHECKING\nimport x.y\nif TYPE_CHECKING:\n    import z\n"
                    "def f():\n    from . import sibling\n")
    assert imported_names("pkg.m", path) == [("typing.TYPE_CHECKING", 1), ("x.y", 2), ("pkg.sibling", 6)]
