"""Imports at the top of a module, so that a cycle shows (design.md; ADR 097).

A function-level import of the project's own code hides a dependency (and often a cycle)
from the reader and from these tests. So: no `import`/`from … import` of `portal` or `did`
inside a function or class in src/portal, except the AppConfig.ready() listed below; and
the modules' top-level imports form no cycle. The `did` engine's own commands import
inside functions on purpose (start-up time) and are not checked here.
"""

import ast
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import portal

SRC = Path(portal.__file__).resolve().parent.parent
PROJECT_PACKAGES = ("portal", "did")

# Django's documented place to connect signal handlers: ready() runs once every app's
# models are loaded, which an import at the top of apps.py would come before. The handlers
# there only set the request id that log lines carry (no side effects, design.md).
ALLOWED_IN_FUNCTIONS = {("portal/operations/apps.py", "OperationsConfig.ready")}


def _project_module(node) -> str | None:
    """The project module an import statement names, or None for anything else."""
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: always the project's own
            return "." * node.level + (node.module or "")
        names = [node.module or ""]
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        return None
    for name in names:
        if name.split(".")[0] in PROJECT_PACKAGES:
            return name
    return None


def imports_inside_functions(source: str) -> list[tuple[str, int, str]]:
    """(enclosing function or class, line, module) for each project import not at the top
    level of the module."""
    found = []

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, [*scope, child.name])
                continue
            module = _project_module(child)
            if module is not None and scope:
                found.append((".".join(scope), child.lineno, module))
            visit(child, scope)

    visit(ast.parse(source), [])
    return found


def _portal_sources():
    return sorted((SRC / "portal").rglob("*.py"))


def test_the_check_finds_imports_hidden_in_functions():
    source = """
import os
from portal.accounts.roles import Role

try:
    from did import spec
except ImportError:
    spec = None


def a():
    from portal.accounts.models import User
    import json


class B:
    def c(self):
        import did.imaging_codes

    async def d(self):
        from .models import Thing
"""
    assert imports_inside_functions(source) == [
        ("a", 12, "portal.accounts.models"),
        ("B.c", 18, "did.imaging_codes"),
        ("B.d", 21, ".models"),
    ]


def test_no_project_imports_inside_functions():
    hidden = []
    for path in _portal_sources():
        where = path.relative_to(SRC).as_posix()
        for scope, line, module in imports_inside_functions(path.read_text(encoding="utf-8")):
            if (where, scope) not in ALLOWED_IN_FUNCTIONS:
                hidden.append(f"{where}:{line} in {scope}: {module}")
    assert hidden == [], "move these imports to the top of the module:\n" + "\n".join(hidden)


def test_the_allowed_imports_are_still_there():
    """An entry that no longer matches anything would let a new import hide behind it."""
    present = set()
    for where, _ in ALLOWED_IN_FUNCTIONS:
        source = (SRC / where).read_text(encoding="utf-8")
        present |= {(where, scope) for scope, _, _ in imports_inside_functions(source)}
    assert present == ALLOWED_IN_FUNCTIONS


# ---------------------------------------------------------------- no import cycles


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _with_packages(name: str) -> list[str]:
    """Importing a.b.c runs a, a.b and a.b.c."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _top_level_imports(path: Path, modules: set[str]) -> set[str]:
    """The portal modules that importing this one runs, from its top-level statements
    (those inside `if`/`try` at the top level included)."""
    targets = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    targets.update(_with_packages(alias.name))
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                targets.update(_with_packages(child.module))
                targets.update(f"{child.module}.{alias.name}" for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    own = _module_name(path)
    return {target for target in targets & modules if target != own}


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in _portal_sources()}
    modules = set(paths)
    return {name: _top_level_imports(path, modules) for name, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, …, a], or None when the graph has none."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def walk(node):
        path.append(node)
        on_path.add(node)
        for target in sorted(graph.get(node, ())):
            if target in on_path:
                return path[path.index(target) :] + [target]
            if target not in done:
                cycle = walk(target)
                if cycle:
                    return cycle
        on_path.discard(node)
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = walk(start)
            if cycle:
                return cycle
    return None


def test_find_cycle_reports_a_cycle_and_passes_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_sees_the_imports():
    graph = import_graph()
    # `from portal.certificates.models import CaldicottGuardian`, and the package it runs.
    assert "portal.certificates.models" in graph["portal.accounts.permissions"]
    assert "portal.certificates" in graph["portal.accounts.permissions"]
    # `from portal.notify import services as notify`: the submodule.
    assert "portal.notify.services" in graph["portal.accounts.services"]


def test_portal_modules_import_each_other_without_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_the_user_model_depends_on_no_certificate_module():
    """Accounts' foundation (the user, memberships, roles) is imported by every app;
    certificates build on it (ADR 097)."""
    graph = import_graph()
    for module in ("portal.accounts.models", "portal.accounts.roles"):
        assert not {m for m in graph[module] if m.startswith("portal.certificates")}


# ---------------------------------------------------------------- a fresh interpreter


def _all_portal_modules() -> list[str]:
    return sorted(name for _, name, _ in pkgutil.walk_packages(portal.__path__, prefix="portal."))


@pytest.mark.parametrize("order", ["a-z", "z-a"])
def test_every_portal_module_imports_in_a_fresh_interpreter(order):
    modules = _all_portal_modules()
    if order == "z-a":
        modules.reverse()
    script = (
        "import importlib, sys, django\n"
        "django.setup()\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script, *modules],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(modules) > 150  # the walk found the portal, not an empty package
