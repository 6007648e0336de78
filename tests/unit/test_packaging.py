"""Our top-level packages share names with PyPI projects (notably `schema`): make sure ours are the ones imported."""

from __future__ import annotations

import importlib
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OUR_PACKAGES = ("kg", "schema", "api", "queries", "importers")


@pytest.mark.parametrize("name", OUR_PACKAGES)
def test_package_imports_from_this_repo(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve() == REPO / name / "__init__.py"


def _top_level_modules(distribution: metadata.Distribution) -> set[str]:
    names: set[str] = set()
    for file in distribution.files or []:
        parts = Path(str(file)).parts
        if not parts or parts[0].endswith((".dist-info", ".egg-info", ".data")) or parts[0] == "..":
            continue
        names.add(parts[0].removesuffix(".py"))
    return names


def test_no_other_distribution_provides_our_module_names() -> None:
    clashes = {}
    for distribution in metadata.distributions():
        if distribution.metadata["Name"] == "kg":
            continue
        provided = _top_level_modules(distribution) & set(OUR_PACKAGES)
        if provided:
            clashes[distribution.metadata["Name"]] = sorted(provided)
    assert clashes == {}


def test_top_level_module_listing_sees_real_records() -> None:
    # Guard the guard: the RECORD scan must find modules, e.g. the driver's `neo4j` package.
    assert "neo4j" in _top_level_modules(metadata.distribution("neo4j"))
