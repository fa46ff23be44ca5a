"""The dependency rule: Django apps -> kmslab.kms -> kmslab.iam, checked by walking imports with ast.

kmslab/iam imports neither Django nor cryptography nor kmslab.kms; kmslab/kms never imports Django
(nor any Django app). Relative imports are resolved to absolute module names first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DJANGO_SIDE = ("django", "django_htmx", "template_partials", "crispy_forms", "crispy_bootstrap5",
               "whitenoise", "scenarios", "kmslab.lessons", "kmslab.quiz", "kmslab.classroom",
               "kmslab.learner", "kmslab.settings", "kmslab.views", "kmslab.urls")
FORBIDDEN = {
    "kmslab/iam": DJANGO_SIDE + ("cryptography", "kmslab.kms"),
    "kmslab/kms": DJANGO_SIDE,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> list[tuple[int, str]]:
    """Every module name `source` imports (relative imports resolved against `package`)."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base)
                name = f"{prefix}.{node.module}" if node.module else prefix
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def violations(folder: str) -> list[str]:
    bad: list[str] = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for lineno, name in imported_modules(path):
            for forbidden in FORBIDDEN[folder]:
                if name == forbidden or name.startswith(forbidden + "."):
                    bad.append(f"{path.relative_to(ROOT)}:{lineno} imports {name}")
    return bad


@pytest.mark.parametrize("folder", sorted(FORBIDDEN), ids=sorted(FORBIDDEN))
def test_architecture_pure_core_has_no_forbidden_imports(folder: str) -> None:
    assert (ROOT / folder).is_dir()
    assert violations(folder) == []


def test_architecture_walker_catches_forbidden_imports() -> None:
    source = "import django.db\nfrom cryptography.hazmat import x\nfrom ..kms import keys\n__import__('django')\n"
    names = [name for _, name in imports_in(source, package="kmslab.iam")]
    assert "django.db" in names and "cryptography.hazmat" in names
    assert "kmslab.kms" in names and "django" in names
