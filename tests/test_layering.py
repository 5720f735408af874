"""Imports run down the house, never back up: recipes -> tasks -> building blocks -> export / serving.

The recipes are `seqapps.recipes` (the `recipes/` scripts and `seqapps train` run them); only the
command line imports them.

Each rule names a part of the package and the parts it must not import
(at module level or inside a function). `seqapps.serving_layout`'s own rules
are in tests/test_serving_layout.py.
"""

import ast
from pathlib import Path

import pytest

import seqapps

PACKAGE = Path(seqapps.__file__).parent
ROOT = PACKAGE.parent

# part of the package -> the seqapps modules it may not import (prefixes).
FORBIDDEN = {
    "seqapps.cells": ("seqapps.layers", "seqapps.tasks", "seqapps.training", "seqapps.tuning", "seqapps.data"),
    "seqapps.layers": ("seqapps.tasks", "seqapps.training", "seqapps.tuning", "seqapps.data", "seqapps.decoding"),
    "seqapps.decoding": ("seqapps.tasks", "seqapps.training", "seqapps.tuning", "seqapps.data"),
    "seqapps.data": ("seqapps.tasks", "seqapps.tuning", "seqapps.layers", "seqapps.export", "seqapps.serving"),
    "seqapps.training": ("seqapps.tasks", "seqapps.tuning", "seqapps.export", "seqapps.serving"),
    "seqapps.configs": ("seqapps.tasks", "seqapps.tuning", "seqapps.training", "seqapps.layers"),
    "seqapps.tasks": ("seqapps.tuning", "seqapps.cli", "seqapps.recipes"),
    "seqapps.tuning": ("seqapps.recipes", "seqapps.cli"),
    "seqapps.distribute": ("seqapps.tasks", "seqapps.tuning", "seqapps.recipes", "seqapps.export", "seqapps.serving"),
    "seqapps.processes": ("seqapps.tasks", "seqapps.tuning", "seqapps.recipes", "seqapps.training", "seqapps.data"),
    "seqapps.recipes": ("seqapps.cli",),
    "seqapps.export": ("seqapps.tasks", "seqapps.tuning", "seqapps.training", "seqapps.layers", "seqapps.data"),
    "seqapps.serving": ("seqapps.export", "seqapps.tasks", "seqapps.tuning", "seqapps.training", "seqapps.layers"),
}
NEVER_FROM_THE_PACKAGE = ("recipes", "benchmarks", "tests")
# A task kept under its own name as a preset of another task -> that task, which it may import.
PRESET_OF = {"imdb_sentiment": "text_classification"}


def imported_modules(path):
    """Every module named by an import statement in the file at `path`, at any depth."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def package_files():
    return sorted(PACKAGE.rglob("*.py"))


def _starts(module, prefix):
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_part_imports_nothing_above_it(part):
    files = [path for path in package_files() if _starts(module_name(path), part)]
    assert files, f"no files for {part}"
    wrong = {
        f"{module_name(path)} imports {module}"
        for path in files
        for module in imported_modules(path)
        if any(_starts(module, forbidden) for forbidden in FORBIDDEN[part])
    }
    assert not wrong, sorted(wrong)


def test_tasks_do_not_import_each_other():
    tasks = {module_name(path).split(".")[2] for path in (PACKAGE / "tasks").glob("*") if path.stem != "__init__"}
    tasks.discard("__pycache__")
    wrong = set()
    for path in (PACKAGE / "tasks").rglob("*.py"):
        own = module_name(path).split(".")[2] if module_name(path) != "seqapps.tasks" else None
        for module in imported_modules(path):
            for other in tasks - {own, PRESET_OF.get(own)}:
                if _starts(module, f"seqapps.tasks.{other}"):
                    wrong.add(f"{module_name(path)} imports {module}")
    assert not wrong, sorted(wrong)


def test_the_package_never_imports_recipes_benchmarks_or_tests():
    wrong = {
        f"{module_name(path)} imports {module}"
        for path in package_files()
        for module in imported_modules(path)
        if any(_starts(module, top) for top in NEVER_FROM_THE_PACKAGE)
    }
    assert not wrong, sorted(wrong)


def test_only_the_command_line_imports_the_recipes():
    wrong = {
        f"{module_name(path)} imports {module}"
        for path in package_files()
        if not _starts(module_name(path), "seqapps.recipes") and module_name(path) not in ("seqapps.cli",)
        for module in imported_modules(path)
        if _starts(module, "seqapps.recipes")
    }
    assert not wrong, sorted(wrong)
