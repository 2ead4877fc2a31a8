"""API modules call services and selectors and render with serializers; they never import views.

A view is an edge like the API, not a layer beneath it: what both need (a PDF, an export)
lives in a module of its own that each imports.
"""

import ast
from pathlib import Path

import pytest

import gendan

PACKAGE = Path(gendan.__file__).parent


def api_modules() -> list[Path]:
    """Every api*.py module under gendan/, and every module of an api/ package."""
    return sorted({*PACKAGE.rglob("api*.py"), *PACKAGE.rglob("api/*.py")})


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, source: str | None = None) -> set[str]:
    """The absolute names `path` imports (relative imports resolved), and each name imported from them.

    `from . import views` and `from .views import x` both name gendan.<app>.views. `source`
    stands in for the file's text.
    """
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source, filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def is_project_views(name: str) -> bool:
    """gendan.<app>.views, .views_<topic>, or anything in a views/ package; DRF's own views are a library."""
    parts = name.split(".")
    return parts[0] == "gendan" and any(part == "views" or part.startswith("views_") for part in parts[1:])


def test_the_walk_finds_the_api_modules():
    names = {module_name(path) for path in api_modules()}

    assert {"gendan.core.api", "gendan.sales.api", "gendan.sales.api_quotations", "gendan.crm.api_contracts"} <= names


@pytest.mark.parametrize(
    "source",
    [
        "from .views_quotations import pdf_response",
        "from . import views",
        "from ..crm.views import customer_list_view",
        "import gendan.crm.views",
        "from gendan.sales.views.orders import order_detail_view",
    ],
)
def test_an_import_of_a_views_module_is_caught_however_it_is_written(source):
    # As if gendan/sales/api_example.py held it; nothing is written into the package.
    names = imported_modules(PACKAGE / "sales" / "api_example.py", source)

    assert any(is_project_views(name) for name in names), names


@pytest.mark.parametrize(
    "source",
    [
        "from rest_framework.views import exception_handler",
        "from .selectors import order_list",
        "from . import services",
    ],
)
def test_libraries_views_and_other_layers_are_allowed(source):
    names = imported_modules(PACKAGE / "sales" / "api_example.py", source)

    assert not any(is_project_views(name) for name in names), names


def test_no_api_module_imports_a_views_module():
    offenders = {
        module_name(path): sorted(name for name in imported_modules(path) if is_project_views(name))
        for path in api_modules()
    }

    assert {module: names for module, names in offenders.items() if names} == {}
