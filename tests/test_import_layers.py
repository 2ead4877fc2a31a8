"""Imports go one way, down the stack, and none hides inside a function (docs/ARCHITECTURE.md).

The stack is the layers contract in .importlinter; `lint-imports` checks it, with every import
counted wherever it stands in a module. A function-level import is how a cycle gets dodged, so
none is allowed in the code, apart from AppConfig.ready() (Django's place to wire apps together)
and migrations.
"""

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gendan"
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), str(config), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_app_imports_only_the_apps_below_it():
    result = lint_imports(CONFIG)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contract_sees_an_import_up_the_stack(tmp_path):
    # given: a stack turned upside down (accounts imports core, so core cannot sit above it)
    upside_down = tmp_path / "upside_down.ini"
    upside_down.write_text(
        "[importlinter]\nroot_package = gendan\n\n"
        "[importlinter:contract:upside-down]\nname = Upside down\ntype = layers\n"
        "layers =\n    gendan.core\n    gendan.accounts\n"
    )

    # when
    result = lint_imports(upside_down)

    # then
    assert result.returncode == 1
    assert "gendan.accounts.models -> gendan.core.models" in result.stdout


def _imports_gendan(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] == "gendan"
    return any(alias.name.split(".")[0] == "gendan" for alias in node.names)


def function_level_imports(source: str, filename: str) -> list[int]:
    """The lines where a function imports gendan code, AppConfig.ready() in an apps.py excepted."""
    found = []

    def visit(node: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, function or child)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                allowed = filename == "apps.py" and function is not None and function.name == "ready"
                if function is not None and not allowed and _imports_gendan(child):
                    found.append(child.lineno)
            else:
                visit(child, function)

    visit(ast.parse(source), None)
    return found


def test_no_function_imports_gendan_code_to_dodge_a_cycle():
    modules = [
        path for path in PACKAGE.rglob("*.py") if not {"tests", "migrations"} & set(path.relative_to(PACKAGE).parts)
    ]

    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in modules
        for line in function_level_imports(path.read_text(encoding="utf-8"), path.name)
    ]

    assert len(modules) > 100
    assert found == []


def test_the_walk_finds_an_import_inside_a_function_and_spares_ready():
    source = (
        "import gendan.core\n"
        "from gendan.core import events\n"
        "class Config:\n"
        "    def ready(self):\n"
        "        from . import jobs\n"
        "def late():\n"
        "    import json\n"
        "    def inner():\n"
        "        from gendan.sales.models import Order\n"
        "    from .models import Task\n"
    )

    assert function_level_imports(source, "apps.py") == [9, 10]
    assert function_level_imports(source, "services.py") == [5, 9, 10]


def import_cycles(graph, modules: set[str]) -> list[list[str]]:
    """The groups of modules that import each other in a ring (Tarjan's strongly connected components)."""
    imported = {m: [t for t in graph.find_modules_directly_imported_by(m) if t in modules] for m in modules}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in imported[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            ring = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                ring.append(member)
                if member == module:
                    break
            if len(ring) > 1:
                cycles.append(sorted(ring))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_modules_import_each_other_in_a_ring():
    # Between apps the layers contract forbids it; this holds inside each app as well.
    graph = grimp.build_graph("gendan", cache_dir=None)
    code = {m for m in graph.modules if ".tests" not in m and ".migrations" not in m}

    assert import_cycles(graph, code) == []


def test_a_ring_of_imports_is_found(tmp_path, monkeypatch):
    # given: a package whose two modules import each other
    package = tmp_path / "ringed"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from ringed import b\n")
    (package / "b.py").write_text("from ringed import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    # when
    graph = grimp.build_graph("ringed", cache_dir=None)

    # then
    assert import_cycles(graph, set(graph.modules)) == [["ringed.a", "ringed.b"]]
