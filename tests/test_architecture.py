"""The shape of the code: apps depend downwards only, and no module imports one that imports it back.

The allowed dependencies are docs/architecture.md's table; a new app adds its row here and there. Only
application code is read (not tests or migrations); imports inside ``AppConfig.ready()`` are Django's way
of registering after start-up and count like any other import.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# app -> the project apps it may import (besides itself). `demo` and `opora` sit on top of everything.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "directory": {"core"},
    # The journal sends its chain head off the host through the outbox (issue 11 §4); notify imports neither.
    "audit": {"core", "notify"},
    "notify": {"core"},
    "api": {"core", "audit"},
    "people": {"core", "directory", "audit", "api"},
    "assistance": {"core", "directory", "people", "audit", "notify", "api"},
    "intake": {"core", "directory", "people", "assistance", "audit", "api"},
    "cases": {"core", "directory", "people", "assistance", "audit", "notify", "api"},
    # The slot calendar every programme that books time uses (psych now, navigation next).
    "scheduling": {"core", "directory", "people", "audit"},
    "psych": {"core", "directory", "people", "cases", "scheduling", "audit", "notify", "api"},
    # Hands patients over to the TCSO (a help request) and the psychological service (a route step of the case).
    "navigation": {"core", "directory", "people", "assistance", "cases", "scheduling", "audit", "notify", "api"},
    "reports": {
        "core",
        "directory",
        "people",
        "assistance",
        "intake",
        "cases",
        "scheduling",
        "psych",
        "navigation",
        "audit",
    },
    "accounts": {"core", "audit", "notify", "api"},
}
TOP = {"demo", "opora"}
APPS = set(ALLOWED) | TOP


def _app_modules() -> dict[str, Path]:
    modules = {}
    for app in sorted(APPS):
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import of ``path``; TYPE_CHECKING blocks skipped."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.module, top))
                found.extend((f"{child.module}.{alias.name}", top) for alias in child.names)
            visit(child, top and not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))

    visit(tree, True)
    return found


def test_no_app_imports_an_app_above_it() -> None:
    wrong = []
    for name, path in _app_modules().items():
        app = name.split(".")[0]
        if app in TOP:
            continue
        for imported, _top in _imports(path):
            target = imported.split(".")[0]
            if target in APPS and target != app and target not in ALLOWED[app]:
                wrong.append(f"{name} imports {imported}")
    assert sorted(set(wrong)) == []


def test_the_allowed_dependencies_have_no_cycle() -> None:
    visiting: set[str] = set()
    done: set[str] = set()

    def walk(app: str, path: list[str]) -> None:
        assert app not in visiting, " → ".join([*path, app])
        if app in done:
            return
        visiting.add(app)
        for below in ALLOWED[app]:
            walk(below, [*path, app])
        visiting.discard(app)
        done.add(app)

    for app in ALLOWED:
        walk(app, [])


def test_no_module_level_import_cycle() -> None:
    modules = _app_modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for imported, top in _imports(path):
            if not top:
                continue
            # "from people import selectors" names the module people.selectors; "from people.models import X"
            # names people.models.X, which is not a module: keep the longest prefix that is one.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                graph[name].add(imported)
    state: dict[str, int] = {}
    cycles: list[str] = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" → ".join([*path[path.index(target) :], target]) if target in path else target)
            elif target not in state:
                walk(target, [*path, target])
        state[module] = 2

    for module in sorted(modules):
        if module not in state:
            walk(module, [module])
    assert cycles == []


def test_functions_do_not_hide_imports_of_project_modules() -> None:
    """A function-level import of a project module hides a cycle; only AppConfig.ready() may do it."""
    hidden = []
    for name, path in _app_modules().items():
        if name.endswith(".apps") or name.split(".")[0] in TOP:
            continue
        for imported, top in _imports(path):
            if not top and imported.split(".")[0] in APPS:
                hidden.append(f"{name}: {imported}")
    assert sorted(set(hidden)) == []


def test_every_app_with_tests_is_collected() -> None:
    """pytest collects only ``testpaths``: a new app's tests would otherwise never run."""
    import tomllib

    testpaths = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"])
    with_tests = {path.parent.parent.name for path in ROOT.glob("*/tests/test_*.py")}
    assert with_tests - testpaths == set()
