"""The package's layout: no import cycles (function-local imports included), short modules."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"
# What a function may import at call time: heavy or optional dependencies (and Unix-only stdlib).
DEFERRABLE = (  # heavy or optional imports that may wait until a function needs them
    "matplotlib",
    "distributed",
    "dask",
    "pyarrow",
    "solara",
    "playwright",
    "resource",
    "scipy",  # scipy.stats alone: ~0.5 s of every swarm-sim start
    "SALib",  # optional (the analysis extra), and slow to import
)
TIDY = ("research", "bench", "cli.py")  # where imports at call time are held to DEFERRABLE
MAX_LINES = 400


def module_name(path: Path) -> str:
    """Dotted name of a module file under sim/ (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST):
    """Every node, function bodies included, except what ``if TYPE_CHECKING:`` guards."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            guarded = isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            stack.extend(child.orelse if guarded else [child])


def imported(path: Path, modules: set[str], source: str | None = None) -> set[str]:
    """The modules of `modules` that the file at `path` (or `source`, as if there) imports.

    Imports anywhere in the file count, inside functions too.
    """
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in _runtime_nodes(ast.parse(text)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = parts if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            subs = {f"{source}.{a.name}" for a in node.names} & modules
            out |= subs  # `from pkg import module` depends on that module, not on pkg
            if len(subs) < len(node.names):
                out.add(source)
    return {m for m in out if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    """Module → the `sim` modules it imports (at the top or inside functions)."""
    files = {module_name(p): p for p in SIM.rglob("*.py")}
    return {name: imported(path, set(files)) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_graph_sees_imports_inside_functions():
    """The graph includes function-local imports, and `from pkg import module` names the module."""
    modules = set(import_graph())
    late = "def f():\n    from sim.lessons import collective\n    import sim.faults\n"
    assert imported(SIM / "presets.py", modules, late) == {"sim.lessons.collective", "sim.faults"}
    guarded = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sim.model\n"
    assert imported(SIM / "presets.py", modules, guarded) == set()
    graph = import_graph()
    assert {"sim.faults", "sim.formations"} <= graph["sim.model"]
    assert "sim" not in graph["sim.model"]


def test_cycles_finds_a_cycle_through_three_modules():
    """A → B → C → A is one cycle; a module outside it is not part of it."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_sim_has_no_import_cycles():
    """No import cycle anywhere in `sim`, function-local imports included."""
    assert cycles(import_graph()) == []


def test_research_and_bench_import_at_the_top():
    """Research, bench and CLI code imports inside a function only heavy or optional packages."""
    late = []
    for path in sorted(SIM.rglob("*.py")):
        if path.relative_to(SIM).parts[0] not in TIDY:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for fn in ast.walk(ast.parse(source)):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    names = (
                        [a.name for a in node.names]
                        if isinstance(node, ast.Import)
                        else [node.module or ""]
                    )
                    deferrable = all(n.split(".")[0] in DEFERRABLE for n in names)
                    if not deferrable or "deferred" not in lines[node.lineno - 1]:
                        late.append(f"{path.relative_to(SIM)}:{node.lineno}")
    assert late == []


def test_research_and_bench_modules_are_short_and_documented():
    """Every research and bench module has a docstring and at most MAX_LINES lines."""
    for folder in ("research", "bench"):
        for path in sorted((SIM / folder).glob("*.py")):
            source = path.read_text(encoding="utf-8")
            assert ast.get_docstring(ast.parse(source)), path.name
            assert len(source.splitlines()) <= MAX_LINES, path.name
