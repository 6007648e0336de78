"""The shape of the tree: imports go downward only (import-linter checks the layers in `make lint`), and a
first-party import inside a function is allowed only where this allowlist names it with its reason."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("kg", "schema", "queries", "importers", "api")

# (file, imported module) -> why it is imported inside a function. Start-up time of the CLI is a good reason;
# hiding an import cycle is not (import-linter would then report the cycle instead).
ALLOWED_LOCAL_IMPORTS: dict[tuple[str, str], str] = {}


def _first_party(module: str) -> bool:
    return module.split(".")[0] in FIRST_PARTY


def local_first_party_imports(root: Path = REPO) -> set[tuple[str, str]]:
    """Every (file, module) where a function body imports first-party code."""
    found: set[tuple[str, str]] = set()
    for package in FIRST_PARTY:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    names: list[str] = []
                    if isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        names = (
                            ["." * node.level + (node.module or "")] if node.level else [node.module or ""]
                        )
                    for name in names:
                        if name.startswith(".") or _first_party(name):
                            found.add((str(path.relative_to(root)), name))
    return found


def test_function_local_first_party_imports_are_allowlisted() -> None:
    unexpected = local_first_party_imports() - ALLOWED_LOCAL_IMPORTS.keys()
    assert unexpected == set(), (
        "first-party imports inside functions (import at the top, or allowlist with a reason): "
        + ", ".join(f"{path}: {module}" for path, module in sorted(unexpected))
    )


def test_the_allowlist_has_no_stale_entries() -> None:
    assert ALLOWED_LOCAL_IMPORTS.keys() <= local_first_party_imports()


def test_the_scan_finds_a_function_local_import(tmp_path: Path) -> None:
    # Guard the guard: the scan must see an import nested in a function, and ignore third-party ones.
    package = tmp_path / "kg"
    package.mkdir()
    (package / "late.py").write_text(
        "def f():\n    import json\n    from kg.core import errors\n    return errors, json\n",
        encoding="utf-8",
    )
    assert local_first_party_imports(tmp_path) == {("kg/late.py", "kg.core")}
