"""`kg why NODE` (where a node and its relationships came from), `kg resolve` (the entity-resolution queue) and
`kg timeline` (a solution's reporting periods)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from importers.entities import AliasEntry, append_alias
from kg.cli.common import connected, console, friendly_errors, load_settings, out
from kg.core.errors import InvalidInputError, NotFoundError
from queries.loading import DECIDE_RESOLUTION, LIST_RESOLUTIONS, SOLUTION_TIMELINE, WHY_NODE


@friendly_errors
def why(
    node: Annotated[str, typer.Argument(help="A node's uid (e.g. leipzig, smarter-together).")],
) -> None:
    """Print where a node and each of its relationships came from: sources, quotes, records, import runs."""
    with connected() as db:
        rows = db.read(WHY_NODE, uid=node.partition(":")[2] or node)
    if not rows:
        raise NotFoundError(f"no node with uid {node!r}")
    for row in rows:
        out.print(
            f"[bold]{escape(row['label'])}:{escape(row['uid'])}[/] {escape(row['name'] or '')} — stated by "
            f"{', '.join(row['importers'] or ['(no importer)'])}; runs: {', '.join(row['runs']) or '-'}"
            + (f"; curated fields: {', '.join(row['curated_fields'])}" if row["curated_fields"] else "")
        )
        sources = Table(title="Provenance of the node")
        for column in ("source", "where", "quote / record", "confidence", "note"):
            sources.add_column(column, overflow="fold")
        for item in sorted(row["provenance"], key=lambda p: p["source"]):
            evidence = item["quote"] or f"record {item['record']}"
            sources.add_row(
                item["source"],
                item["url"] or item["file_name"] or "",
                evidence,
                f"{item['confidence'] or ''}",
                item["note"] or "",
            )
        out.print(sources)
        facts = Table(title="Relationships and their evidence")
        for column in ("relationship", "sources", "quotes", "records", "confidence", "by"):
            facts.add_column(column, overflow="fold")
        for rel in sorted(row["relationships"], key=lambda r: (r["type"], r["other"])):
            arrow = (
                f"-[{rel['type']}]-> {rel['other']}"
                if rel["outgoing"]
                else f"<-[{rel['type']}]- {rel['other']}"
            )
            by = "curator" if rel["curated"] else ", ".join(rel["importers"] or [])
            facts.add_row(
                arrow,
                "\n".join(rel["source_ids"] or []),
                "\n".join(rel["quotes"] or []),
                "\n".join(rel["records"] or []),
                f"{rel['confidence'] or ''}",
                by,
            )
        out.print(facts)


@friendly_errors
def resolve(
    list_: Annotated[
        bool, typer.Option("--list", help="Show the decisions (default: the pending ones).")
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="With --list: every decision, not just pending.")
    ] = False,
    accept: Annotated[
        str | None, typer.Option(help="Accept a pending decision: the name is the proposed node.")
    ] = None,
    reject: Annotated[
        str | None, typer.Option(help="Reject a pending decision: they are different places.")
    ] = None,
) -> None:
    """The entity-resolution review queue.

    Low-confidence matches (a near spelling in the same country) are made as separate nodes and wait here.
    --accept ID writes the name to the alias file ($KG_HOME/aliases.yaml, which you may also edit) so the next
    import resolves it to the proposed node and removes the separate one; --reject ID keeps them apart for good.
    """
    if sum(map(bool, (list_ or show_all, accept, reject))) > 1:
        raise InvalidInputError("use one of --list, --accept ID, --reject ID")
    settings = load_settings()
    with connected(settings) as db:
        if accept or reject:
            status = "accepted" if accept else "rejected"
            rows = db.write(DECIDE_RESOLUTION, uid=accept or reject, status=status, actor="cli")
            if not rows:
                raise NotFoundError(
                    f"no resolution decision {accept or reject!r}: see `kg resolve --list --all`"
                )
            decision = rows[0]
            if accept:
                if not decision["target"]:
                    raise InvalidInputError(f"decision {accept} proposes no node to merge into")
                entry = AliasEntry(
                    label=decision["label"],
                    name=decision["name"],
                    country=decision["country"],
                    uid=decision["target"],
                )
                append_alias(settings.alias_file, entry)
                console.print(
                    f"{escape(decision['name'])} is {decision['label']}:{decision['target']} (written to "
                    f"{settings.alias_file}). Run `kg import {decision['importer']}` to apply it."
                )
            else:
                console.print(f"{escape(decision['name'])} stays apart from {decision['target']}.")
            return
        rows = db.read(LIST_RESOLUTIONS, status=None if show_all else "pending", importer=None)
    table = Table(title="Entity-resolution decisions" + ("" if show_all else " waiting for review"))
    for column in (
        "id",
        "label",
        "name",
        "country",
        "method",
        "node",
        "proposed",
        "confidence",
        "status",
        "note",
    ):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["uid"],
            row["label"],
            row["name"],
            row["country"] or "",
            row["method"],
            row["created"] or row["target"] or "",
            row["target"] if row["method"] == "similar-name" else "",
            f"{row['confidence']:.2f}",
            row["status"],
            row["note"] or "",
        )
    out.print(table)
    if not rows:
        console.print("Nothing waits for review." if not show_all else "No decisions recorded yet.")


@friendly_errors
def timeline(
    solution: Annotated[str, typer.Option(help="The solution's uid (e.g. from kg why or GraphQL).")],
) -> None:
    """A solution's reporting periods in date order: status, barriers named, corrective actions, risks, source
    (Common Reporting data; the Knowledge Carrier's solution level)."""
    with connected() as db:
        rows = db.read(SOLUTION_TIMELINE, uid=solution)
    if not rows:
        raise NotFoundError(f"no solution with uid {solution!r}")
    row = rows[0]
    table = Table(title=f"{row['name']} ({row['uid']}): timeline")
    for column in ("period", "date", "status", "barriers", "actions", "risks", "source"):
        table.add_column(column, overflow="fold")
    for period in row["timeline"]:
        status = period["status"] + (f" ({period['status_label']})" if period["status_label"] else "")
        table.add_row(
            period["period"],
            str(period["period_end"]),
            status,
            "\n".join(period["barriers"]),
            "\n".join(period["actions"] or []),
            "\n".join(period["risks"] or []),
            "\n".join(period["sources"]),
        )
    out.print(table)
    if not row["timeline"]:
        console.print(
            "No reporting periods recorded: load Common Reporting data with `kg import common-reporting`."
        )
