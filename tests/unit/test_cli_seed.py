"""`kg import seed --check`: validation through the CLI, with one clear line on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from kg.cli import app

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "seed_small"
runner = CliRunner()


def test_check_reports_the_dataset_size() -> None:
    result = runner.invoke(
        app,
        ["import", "seed", "--check", "--data-dir", str(SMALL / "data"), "--documents", str(SMALL / "docs")],
    )
    assert result.exit_code == 0, result.output
    assert "Seed dataset valid: 2 documents, 10 nodes, 9 relationships." in result.output


def test_check_names_file_line_entry_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "seed"
    shutil.copytree(SMALL, broken)
    path = broken / "data" / "a.yaml"
    path.write_text(path.read_text().replace("outcome: mitigated", "outcome: fixed", 1))
    result = runner.invoke(
        app,
        [
            "import",
            "seed",
            "--check",
            "--data-dir",
            str(broken / "data"),
            "--documents",
            str(broken / "docs"),
        ],
    )
    assert result.exit_code == 2  # invalid input (kg.core.errors.ERROR_TABLE)
    output = " ".join(result.output.split())
    assert "a.yaml:36: relationships[5] (ADDRESSES Solution:electryc-citizen-club" in output
    assert "props.outcome" in output
    assert "Traceback" not in result.output


def test_import_help_explains_the_commands() -> None:
    result = runner.invoke(app, ["import", "seed", "--help"])
    assert result.exit_code == 0
    assert "--check" in result.output and "writes nothing" in " ".join(result.output.split())
