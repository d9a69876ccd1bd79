"""The layers import one way: web and cli -> store -> core, and core imports no framework."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "isa_registry"
FRAMEWORKS = {
    "flask",
    "flask_sqlalchemy",
    "flask_login",
    "flask_wtf",
    "flask_migrate",
    "sqlalchemy",
    "wtforms",
}


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, as an absolute name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join((*base, node.module) if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_core_imports_no_framework_and_no_other_layer(path: Path) -> None:
    for module in _imports(path):
        assert module.split(".")[0] not in FRAMEWORKS, module
        assert not module.startswith(("isa_registry.store", "isa_registry.web", "isa_registry.cli")), module


@pytest.mark.parametrize("path", _modules("store"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_store_never_imports_the_web_or_the_command_line(path: Path) -> None:
    for module in _imports(path):
        assert not module.startswith(("isa_registry.web", "isa_registry.cli", "flask_wtf", "flask_login")), (
            module
        )


def test_importing_the_core_loads_no_framework() -> None:
    code = (
        "import sys\n"
        "import isa_registry.core.rules, isa_registry.core.graph, isa_registry.core.ropa\n"
        "import isa_registry.core.exchange, isa_registry.core.spreadsheet\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FRAMEWORKS)!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
