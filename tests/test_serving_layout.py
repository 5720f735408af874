"""seqapps.serving_layout, and the one-way imports it allows: export -> serving -> serving_layout."""

import ast
from pathlib import Path

import seqapps
from seqapps.serving_layout import is_version_name, list_versions, version_dirs

PACKAGE = Path(seqapps.__file__).parent
# The modules of seqapps/serving/, each importing only the ones before it (see its __init__ docstring).
SERVING_MODULES = ("reading", "ops", "warmup", "checks", "requests", "config")


def seqapps_imports(path):
    """[(imported seqapps module, whether the import is at module level)] of the file at `path`."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import at line {node.lineno}"
            names = [f"seqapps.{alias.name}" for alias in node.names] if node.module == "seqapps" else [node.module]
        else:
            continue
        found.extend((name, node in tree.body) for name in names if name.startswith("seqapps."))
    return found


def serving_files():
    return sorted((PACKAGE / "serving").glob("*.py"))


def test_serving_never_imports_export():
    for path in serving_files():
        imported = {name for name, _ in seqapps_imports(path)}
        assert not {name for name in imported if name.startswith("seqapps.export")}, path


def test_export_imports_serving_and_the_layout_at_module_level_only():
    imports = seqapps_imports(PACKAGE / "export.py")
    assert {name for name, _ in imports} == {"seqapps.serving", "seqapps.serving_layout"}
    for path in [PACKAGE / "export.py", PACKAGE / "serving_layout.py", *serving_files()]:
        inside_functions = [name for name, module_level in seqapps_imports(path) if not module_level]
        assert not inside_functions, f"{path} imports {inside_functions} inside a function"


def test_layout_imports_no_seqapps_module():
    assert seqapps_imports(PACKAGE / "serving_layout.py") == []


def test_serving_modules_import_only_the_ones_before_them():
    assert sorted(path.stem for path in serving_files()) == sorted(("__init__", *SERVING_MODULES))
    for index, module in enumerate(SERVING_MODULES):
        allowed = {f"seqapps.serving.{earlier}" for earlier in SERVING_MODULES[:index]} | {"seqapps.serving_layout"}
        imported = {name for name, _ in seqapps_imports(PACKAGE / "serving" / f"{module}.py")}
        assert imported <= allowed, f"{module}.py imports {sorted(imported - allowed)}"


def test_version_names_and_folders(tmp_path):
    assert is_version_name("1") and is_version_name("0012")
    assert not any(is_version_name(name) for name in ("", "1a", "-1", ".tmp-3-ab12", "\u0663"))
    for name in ("10", "2", "latest", ".tmp-11-ab12"):
        (tmp_path / name).mkdir()
    (tmp_path / "3").write_text("a file, not a version folder")
    assert version_dirs(tmp_path) == [(2, tmp_path / "2"), (10, tmp_path / "10")]
    assert list_versions(tmp_path) == [2, 10]
    assert version_dirs(tmp_path / "missing") == [] and list_versions(tmp_path / "3") == []
