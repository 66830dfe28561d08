"""Each package is used by the others only through its public surface (PUBLIC_MODULES)."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("web", "engine", "calendars", "drive", "mail", "crm", "org")


def _imports(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, imported name or None) for every absolute import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
    return found


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _public(module: str, public: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in public)


def cross_package_breaches() -> list[str]:
    """Imports into another package that name a private module or name, or a non-public module."""
    breaches = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, module, name in _imports(path):
                target = module.split(".")[0]
                if target not in PACKAGES or target == package:
                    continue
                where = f"{path.relative_to(ROOT)}:{line} imports {module}{'.' + name if name else ''}"
                if name and name.startswith("_") or any(p.startswith("_") for p in module.split(".")[1:]):
                    breaches.append(f"{where}: a private name")
                    continue
                full = f"{module}.{name}" if name and _is_module(f"{module}.{name}") else module
                if full == target:
                    continue  # the package itself: its __init__ is public by definition
                if not _public(full, importlib.import_module(target).PUBLIC_MODULES):
                    breaches.append(f"{where}: not in {target}.PUBLIC_MODULES")
    return breaches


def test_packages_use_each_other_only_through_their_public_modules():
    assert cross_package_breaches() == []


@pytest.mark.parametrize("package", PACKAGES[1:])
def test_every_public_module_exists(package):
    missing = [m for m in importlib.import_module(package).PUBLIC_MODULES if not _is_module(m)]
    assert missing == []


def test_a_reach_into_a_private_module_is_caught():
    probe = ROOT / "web" / "_surface_probe.py"
    probe.write_text("from engine.spiff.runner import advance\nfrom crm.services.records import _x\n")
    try:
        breaches = cross_package_breaches()
    finally:
        probe.unlink()
    assert any("engine.spiff.runner" in b and "PUBLIC_MODULES" in b for b in breaches)
    assert any("_x" in b and "private" in b for b in breaches)
