"""The layers stay visible: no import cycle (function-level imports included), models/ imports
nothing from planner, Pyomo only in models/ and the one solver module, HiGHS only there, no private
name imported across modules, and no function longer than MAX_FUNCTION_LINES."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("planner", "models")
SOLVER_MODULE = "planner.optimize.solve"
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, ast.Module]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out["cli"] = ast.parse((ROOT / "cli.py").read_text(encoding="utf-8"))  # the checkout shim
    return out


def _imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(module, names) of every import statement, wherever it is (functions included)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _internal_edges(modules: dict[str, ast.Module]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        for module, names in _imports(tree):
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules] or [module]
            for target in targets:
                if target in modules and target != name:
                    edges[name].add(target)
    return edges


def test_no_import_cycle():
    edges = _internal_edges(_modules())
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_forbidden_imports():
    problems = []
    for name, tree in _modules().items():
        for module, names in _imports(tree):
            root = module.split(".")[0]
            if name.startswith("models") and root == "planner":
                problems.append(f"{name} imports {module} (models/ takes numbers, not planner objects)")
            if root == "pyomo" and not (name.startswith("models") or name == SOLVER_MODULE):
                problems.append(f"{name} imports {module} (Pyomo only in models/ and {SOLVER_MODULE})")
            if root == "highspy" and name != SOLVER_MODULE:
                problems.append(f"{name} imports highspy (HiGHS only in {SOLVER_MODULE})")
            if root in PACKAGES:
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                if private:
                    problems.append(f"{name} imports private {module}.{', '.join(private)}")
    assert not problems, "\n".join(problems)


def test_functions_are_short():
    long = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert not long, "\n".join(long)


def test_every_command_has_a_help_line():
    """`plan --help` lists every command from cli.SUMMARIES (it imports no command module)."""
    import cli

    assert set(cli.SUMMARIES) == set(cli.COMMANDS)


#: `plan page`: NiceGUI in these modules only (and the CLI's check that it is installed)
UI_MODULES = {"planner.page.app", "planner.page.single_run", "planner.page.campaign_view",
              "planner.page.page_view", "planner.cli.page"}


def test_page_is_the_top_layer():
    """planner.page sits above present/ (beside cli/): only it and `plan page` import it, and only
    its UI modules import NiceGUI, so no other command pays for the web stack."""
    problems = []
    for name, tree in _modules().items():
        for module, _ in _imports(tree):
            if module.startswith("planner.page") and not (name.startswith("planner.page") or name == "planner.cli.page"):
                problems.append(f"{name} imports {module} (only `plan page` uses the page)")
            if module.split(".")[0] == "nicegui" and name not in UI_MODULES:
                problems.append(f"{name} imports nicegui (only {', '.join(sorted(UI_MODULES))})")
    assert not problems, "\n".join(problems)


#: The floors, lowest first: a module may import its own floor and those below it, never above.
LAYERS = (
    ("planner.errors", "planner.numbers", "planner.constants", "planner.outputs"),
    ("planner.input",),
    ("planner.formulas",),
    ("models",),
    ("planner.optimize",),
    ("planner.analysis",),
    ("planner.present",),
    ("planner.cli", "planner.api", "planner.page", "planner", "cli"),
)


def _floor(module: str) -> int:
    best = None
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (level, len(prefix))
    assert best is not None, f"{module} is on no floor of LAYERS"
    return best[0]


def test_no_module_imports_from_a_floor_above_its_own():
    """input -> formulas -> models -> optimize -> analysis -> present -> cli: data flows one way
    (analysis returns records; present prints them; cli parses options)."""
    edges = _internal_edges(_modules())
    upward = [f"{a} (floor {_floor(a)}) imports {b} (floor {_floor(b)})"
              for a, targets in edges.items() for b in targets if _floor(b) > _floor(a)]
    assert upward == []


def test_the_brute_force_checker_shares_no_arithmetic_with_the_product():
    """tests/checks/brute_force.py reads the instance (planner.input: the file and its validated
    form) and computes everything else itself: it imports no formula, optimizer or analysis module."""
    tree = ast.parse((ROOT / "tests" / "checks" / "brute_force.py").read_text(encoding="utf-8"))
    used = {module for module, _ in _imports(tree) if module.split(".")[0] in PACKAGES}
    assert used and all(m.startswith("planner.input") or m == "planner.errors" for m in used), used
