"""The dependency rule: Django apps -> kmslab.lab -> kmslab.aws -> kmslab.kms -> kmslab.iam,
checked by walking imports with ast, and no import cycle inside a package.

kmslab/iam imports neither Django nor cryptography nor any package above it; kmslab/kms never
imports Django, kmslab.aws or kmslab.lab; kmslab/aws never imports Django or kmslab.lab;
kmslab/lab never imports Django (nor any Django app). Relative imports are resolved to absolute
module names first. Every import counts for cycles, function-level and TYPE_CHECKING ones too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DJANGO_SIDE = ("django", "django_htmx", "template_partials", "crispy_forms", "crispy_bootstrap5",
               "whitenoise", "scenarios", "kmslab.lessons", "kmslab.quiz", "kmslab.classroom",
               "kmslab.learner", "kmslab.settings", "kmslab.views", "kmslab.urls", "kmslab.me")
FORBIDDEN = {
    "kmslab/iam": DJANGO_SIDE + ("cryptography", "kmslab.kms", "kmslab.aws", "kmslab.lab"),
    "kmslab/kms": DJANGO_SIDE + ("kmslab.aws", "kmslab.lab"),
    "kmslab/aws": DJANGO_SIDE + ("kmslab.lab",),
    "kmslab/lab": DJANGO_SIDE,
}
OPTIONAL = {"kmslab/lab"}  # checked once it exists
# Packages that must have no import cycle among their own modules.
# scenarios/ joins once its pipeline has moved to kmslab/lab (its 9 pipeline modules form a cycle today).
ACYCLIC = ("kmslab/iam", "kmslab/kms", "kmslab/aws", "kmslab/lab", "kmslab/quiz", "kmslab/classroom", "kmslab/lessons")


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
    if folder in OPTIONAL and not (ROOT / folder).is_dir():
        pytest.skip(f"{folder} does not exist yet")
    assert (ROOT / folder).is_dir()
    assert violations(folder) == []


def test_architecture_walker_catches_forbidden_imports() -> None:
    source = "import django.db\nfrom cryptography.hazmat import x\nfrom ..kms import keys\n__import__('django')\n"
    names = [name for _, name in imports_in(source, package="kmslab.iam")]
    assert "django.db" in names and "cryptography.hazmat" in names
    assert "kmslab.kms" in names and "django" in names


def import_graph(modules: dict[str, str], package_of: dict[str, str]) -> dict[str, set[str]]:
    """module -> the modules of `modules` it imports. `modules` maps a module name to its source,
    `package_of` a module name to the package its relative imports resolve against. An imported
    name counts as the longest known module it names (`from a import b` is `a.b` if that is a
    module, else `a`)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, source in modules.items():
        for _, name in imports_in(source, package_of[mod]):
            target = name
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != mod:
                graph[mod].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def package_graph(folder: str) -> dict[str, set[str]]:
    modules: dict[str, str] = {}
    package_of: dict[str, str] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        name = module_name(path)
        modules[name] = path.read_text(encoding="utf-8")
        package_of[name] = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return import_graph(modules, package_of)


@pytest.mark.parametrize("folder", ACYCLIC, ids=ACYCLIC)
def test_architecture_no_import_cycle_inside_a_package(folder: str) -> None:
    if folder in OPTIONAL and not (ROOT / folder).is_dir():
        pytest.skip(f"{folder} does not exist yet")
    graph = package_graph(folder)
    assert len(graph) > 1
    assert cycles(graph) == []


def test_architecture_cycle_finder_catches_a_cycle_through_a_function_level_import() -> None:
    modules = {
        "pkg": "",
        "pkg.a": "from pkg.b import thing\n",
        "pkg.b": "from . import c\n",
        "pkg.c": "def late():\n    from .a import x\n",
        "pkg.d": "import pkg.a\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.e import E\n",
        "pkg.e": "import pkg.d\n",
        "pkg.f": "import pkg.a\n",
    }
    graph = import_graph(modules, {m: "pkg" for m in modules})
    assert graph["pkg.b"] == {"pkg", "pkg.c"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.e"]]
    del modules["pkg.c"], modules["pkg.e"]
    assert cycles(import_graph(modules, {m: "pkg" for m in modules})) == []


def function_level_imports(source: str) -> list[int]:
    """Line numbers of imports made inside a function (usually a dodged import cycle)."""
    tree = ast.parse(source)
    return sorted({sub.lineno for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for sub in ast.walk(node) if isinstance(sub, (ast.Import, ast.ImportFrom))})


@pytest.mark.parametrize("folder", ["kmslab/kms", "kmslab/aws"])
def test_architecture_kms_and_aws_import_at_module_level_only(folder: str) -> None:
    found = [f"{path.relative_to(ROOT)}:{line}" for path in sorted((ROOT / folder).rglob("*.py"))
             for line in function_level_imports(path.read_text(encoding="utf-8"))]
    assert found == []
    assert function_level_imports("import os\ndef f():\n    import json\n    def g():\n        from . import x\n") == [3, 5]
