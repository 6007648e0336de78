"""``kg export``: a subgraph as GraphML, GEXF, node-link JSON or kg-json, for Gephi, Cytoscape and NetworkX."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kg.cli.common import connected, console, friendly_errors, load_settings
from kg.export import FORMATS, Format, SelectionRequest, select, to_networkx, write

BAR_FROM_NODES = 2_000  # smaller selections finish before a bar would help


class _Bar:
    """kg.export's progress callback as one rich bar per phase (nodes, relationships) on stderr."""

    def __init__(self, bar: Progress) -> None:
        self._bar = bar
        self._tasks: dict[str, Any] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < BAR_FROM_NODES:
            return
        if phase not in self._tasks:
            self._tasks[phase] = self._bar.add_task(f"reading {phase}", total=total)
        self._bar.update(self._tasks[phase], completed=done, total=total)


def _check_format(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}")
    return value


@friendly_errors
def export(
    output: Annotated[str, typer.Option("-o", "--output", help="The file to write; '-' is standard output.")],
    file_format: Annotated[
        str,
        typer.Option(
            "--format", "-f", callback=_check_format, help=f"One of {', '.join(FORMATS)}.", show_default=True
        ),
    ] = "graphml",
    around: Annotated[
        str | None,
        typer.Option(help="A node (global id City:lyon, public id, name or alias) and its neighbours."),
    ] = None,
    hops: Annotated[int, typer.Option(min=0, max=10, help="With --around: how many steps out.")] = 1,
    project: Annotated[
        str | None, typer.Option(help="One project, its cities, partners, fields, ...")
    ] = None,
    network: Annotated[str | None, typer.Option(help="One network and its members.")] = None,
    field: Annotated[str | None, typer.Option(help="One thematic field across cities.")] = None,
    city: Annotated[str | None, typer.Option(help="One city, its projects, challenges, solutions.")] = None,
    match: Annotated[
        str | None, typer.Option(help="FOLLOWER:LIGHTHOUSE: the explanation of one replication match.")
    ] = None,
    candidates: Annotated[
        str | None, typer.Option(help="A solution: the follower cities facing its barrier, explained.")
    ] = None,
    cypher: Annotated[
        str | None, typer.Option(help="A read-only Cypher query returning nodes, relationships or paths.")
    ] = None,
    labels: Annotated[
        list[str] | None,
        typer.Option("--labels", help="Keep only these labels (repeatable, or City,Project)."),
    ] = None,
    types: Annotated[
        list[str] | None,
        typer.Option("--types", help="Keep only these relationship types (repeatable or comma-separated)."),
    ] = None,
    with_embeddings: Annotated[
        bool, typer.Option("--with-embeddings", help="Include the challenges' embedding vectors.")
    ] = False,
    max_nodes: Annotated[
        int | None,
        typer.Option(min=1, help="Refuse selections with more nodes [default: KG_EXPORT_MAX_NODES]."),
    ] = None,
) -> None:
    """Export a subgraph, with its metadata (knowledge-base version, selection, sources, how to cite kg).

    Without a selection option the whole graph is exported. Each selection's exact reach is documented in
    kg/export/selection.py; --labels and --types narrow any of them.

    Examples:
      kg export --format graphml -o kg.graphml                      # the whole graph, for Gephi
      kg export --format gexf --project smarter-together -o st.gexf
      kg export --format node-link --around Lyon --hops 2 --labels City --labels Project -o lyon.json
      kg export --format kg-json -o backup.kg.json                  # kg import json backup.kg.json restores it
      kg export --format graphml --match sofia:munich -o -
      kg export --format graphml --cypher "MATCH p=(:City)-[:FACES]->(:Challenge) RETURN p" -o faces.graphml
    """
    selection = SelectionRequest.parse(
        around=around,
        hops=hops,
        project=project,
        network=network,
        field=field,
        city=city,
        match=match,
        candidates=candidates,
        cypher=cypher,
        labels=labels or [],
        types=types or [],
        with_embeddings=with_embeddings,
    ).selection()
    settings = load_settings()
    chosen: Format = next(name for name in FORMATS if name == file_format)  # checked by _check_format
    with (
        connected(settings) as db,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar,
    ):
        subgraph = select(db, selection, max_nodes or settings.export_max_nodes, progress=_Bar(bar))
    graph = to_networkx(subgraph)
    if output == "-":
        write(graph, chosen, sys.stdout)
        sys.stdout.flush()
    else:
        with console.status(f"Writing {output}..."):
            write(graph, chosen, Path(output))
    console.print(
        f"{selection.describe()}: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} relationships"
        + ("" if output == "-" else f" -> {output} ({Path(output).stat().st_size:,} bytes, {chosen})")
    )
