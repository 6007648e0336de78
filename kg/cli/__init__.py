"""The ``kg`` command: provision Neo4j, migrate, import, match, export, serve. Each group lives in its own module."""

from __future__ import annotations

from typing import Annotated

import typer

import kg
from kg.cli.common import out
from kg.cli.db import db_app
from kg.cli.export import export
from kg.cli.imports import import_app
from kg.cli.keys import api_key
from kg.cli.match import candidates, gaps, match, model_app, shared_challenges, unreplicated
from kg.cli.provenance import resolve, timeline, why
from kg.cli.serve import serve

app = typer.Typer(
    help="kg: a graph knowledge base of European smart cities for replicating lighthouse solutions.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(model_app, name="model")
app.command("match")(match)
app.command("candidates")(candidates)
app.command("gaps")(gaps)
app.command("shared-challenges")(shared_challenges)
app.command("unreplicated")(unreplicated)
app.command("why")(why)
app.command("resolve")(resolve)
app.command("timeline")(timeline)
app.command("export")(export)
app.command("api-key")(api_key)
app.command("serve")(serve)


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"kg {kg.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """kg: which lighthouse city already solved the barrier your city faces, how, and with what evidence."""


__all__ = ["app"]
