"""The SCC-01 lighthouse programme (``importers/data/programme/``, vendored from the compiled dataset with its
sha256): 18 Horizon 2020 lighthouse projects, their lighthouse, follower and observer cities, and the public
pages each fact comes from. parse -> validate -> resolve -> rows for the loading layer.

What it writes, and on what evidence:

- every page a project lists becomes a ``Source`` (kind ``web-page``, its URL); a file the dataset names instead
  of a URL becomes a ``dataset`` source with its file name; the dataset itself is a ``dataset`` source (its
  records are cited as ``scc01-lighthouse-programme#projects[3].follower_cities[1]``);
- each project is resolved (grant agreement, then name) to an existing ``Project`` or made; its pages' quotes
  are its ``SOURCED_FROM``; the dataset's note about it stays on the dataset provenance;
- each listed city is resolved (``importers.entities``) and gets a ``PARTICIPATES_IN`` with its role. The
  role's sources are the project's pages whose quote names the city (accent-folded, with the spellings the notes
  give, ``annotations.yaml``) at confidence 0.9; when no quote names it, all the project's pages at confidence
  0.4 with a note saying so. A project the dataset marks as weaker provenance stays at its ceiling (0.5);
- what the notes say becomes structure (``annotations.yaml``): Varna's former mySMARTLife role, spelling
  variants as aliases, Leipzig's two roles; a project with no source (Ruggedised) is not imported and is
  reported as skipped; incomplete ones (MAKING-CITY, ATELIER) are imported as listed, not completed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from importers.building import PlanBuilder, page_uid
from importers.entities import Incoming, Resolver, fold, passage_names, slug
from importers.errors import InputFileError, RecordError
from importers.inputs import read_text
from importers.loader import LoadOptions, Progress, load
from importers.report import ImportReport
from importers.rows import LoadPlan, NodeRow, RelationshipRow
from kg.core.database import Database
from schema.models import COUNTRY_PATTERN
from schema.vocabularies import CityRole

IMPORTER = "programme"
DATA_DIR = Path(__file__).resolve().parent / "data" / "programme"
DATASET = DATA_DIR / "scc01-lighthouse-programme.json"
ANNOTATIONS = DATA_DIR / "annotations.yaml"
DATASET_SOURCE = "scc01-lighthouse-programme"
NAMED_CONFIDENCE = 0.9  # a page's quote names the city in the role
UNNAMED_CONFIDENCE = 0.4  # no quote names it: the role rests on the list and the project's pages
ROLE_LISTS = {
    "lighthouse_cities": CityRole.LIGHTHOUSE,
    "follower_cities": CityRole.FOLLOWER,
    "observer_cities": CityRole.OBSERVER,
}
ROLE_LABELS = {
    CityRole.LIGHTHOUSE: "lighthouse city",
    CityRole.FOLLOWER: "follower city",
    CityRole.OBSERVER: "observer city",
}

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Country = Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)]


# ------------------------------------------------------------------------------------------------ format


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CityEntry(_Strict):
    name: Text
    country: Country


class PageEntry(_Strict):
    url: Text
    quote: Annotated[str, StringConstraints(min_length=3)]


class ProjectEntry(_Strict):
    project: Text
    grant_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,9}$")] | None = None
    call_topic: Text | None = None
    lighthouse_cities: list[CityEntry] = Field(default_factory=list)
    follower_cities: list[CityEntry] = Field(default_factory=list)
    observer_cities: list[CityEntry] = Field(default_factory=list)
    sources: list[PageEntry] = Field(default_factory=list)
    notes: str | None = None


class Spelling(_Strict):
    project: str
    city: str
    country: Country
    spellings: list[str]
    note: str


class ProjectAliases(_Strict):
    project: str
    aliases: list[str]
    note: str


class FormerRole(_Strict):
    project: str
    city: str
    country: Country
    role: CityRole
    source: str
    note: str


class RoleNote(_Strict):
    project: str
    city: str
    note: str


class Ceiling(_Strict):
    project: str
    confidence: float = Field(ge=0, le=1)
    note: str


class DatasetFile(_Strict):
    file_name: str
    title: str
    note: str


class Annotations(_Strict):
    spellings: list[Spelling] = Field(default_factory=list)
    project_aliases: list[ProjectAliases] = Field(default_factory=list)
    former_roles: list[FormerRole] = Field(default_factory=list)
    role_notes: list[RoleNote] = Field(default_factory=list)
    weaker_provenance: list[Ceiling] = Field(default_factory=list)
    dataset_files: dict[str, DatasetFile] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ parse


def read_projects(
    path: Path, max_bytes: int
) -> tuple[list[tuple[int, ProjectEntry]], list[str], list[RecordError], str]:
    """(index, project) for every valid record, the call-topic pages, the bad records, the file's sha256."""
    text, checked = read_text(path, max_bytes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from error
    if not isinstance(data, dict) or not isinstance(data.get("projects"), list):
        raise InputFileError(f"{path}: expected an object with a 'projects' list")
    projects: list[tuple[int, ProjectEntry]] = []
    problems: list[RecordError] = []
    for index, raw in enumerate(data["projects"]):
        name = raw.get("project") if isinstance(raw, dict) else None
        record = f"projects[{index}]" + (f" ({name})" if name else "")
        try:
            projects.append((index, ProjectEntry.model_validate(raw)))
        except ValidationError as error:
            item = error.errors()[0]
            problems.append(
                RecordError(str(path), record, ".".join(map(str, item["loc"])) or "(record)", item["msg"])
            )
    pages = [page for page in data.get("call_topic_pages", []) if isinstance(page, str)]
    return projects, pages, problems, checked.sha256


def read_annotations(path: Path = ANNOTATIONS) -> Annotations:
    try:
        return Annotations.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except ValidationError as error:
        item = error.errors()[0]
        raise InputFileError(f"{path}: {'.'.join(map(str, item['loc']))}: {item['msg']}") from error


# ------------------------------------------------------------------------------------------------ rows


@dataclass
class _Builder(PlanBuilder):
    """The plan builder plus the programme's annotations and its project names."""

    annotations: Annotations = field(default_factory=Annotations)
    project_uids: dict[str, str] = field(default_factory=dict)  # the dataset's project name -> node uid

    def source_for(self, url: str) -> str:
        """The Source uid of a page or named file (made once)."""
        named = self.annotations.dataset_files.get(url)
        if named is not None:
            uid = slug(Path(named.file_name).stem)
            props = {
                "name": named.title,
                "title": named.title,
                "kind": "dataset",
                "file_name": named.file_name,
                "note": named.note,
            }
        else:
            uid = page_uid(url)
            parts = urlsplit(url)
            name = f"{parts.hostname}{parts.path}".rstrip("/")
            props = {"name": name, "title": name, "kind": "web-page", "url": url}
        self.sources.setdefault(uid, NodeRow("Source", uid, props, where=f"{self.path}: source {url}"))
        return uid


def programme_plan(
    db: Database, path: Path = DATASET, options: LoadOptions | None = None, alias_file: Path | None = None
) -> LoadPlan:
    """Parse, validate and resolve the programme into the loader's rows."""
    options = options or LoadOptions()
    projects, call_pages, problems, sha256 = read_projects(path, options.max_bytes)
    annotations = read_annotations()
    builder = _Builder(path, Resolver.from_db(db, alias_file), annotations=annotations)
    builder.skipped.extend(problems)
    dataset_props = {
        "name": "SCC-01 lighthouse programme (compiled list)",
        "title": "SCC-01 lighthouse programme: lighthouse, follower and observer cities of 18 projects",
        "kind": "dataset",
        "file_name": path.name,
        "sha256": sha256,
        "note": "A compilation from public pages, not a published dataset: every fact rests on the pages it lists.",
    }
    builder.sources[DATASET_SOURCE] = NodeRow(
        "Source", DATASET_SOURCE, dataset_props, where=f"{path}: (file)"
    )
    for url in call_pages:
        builder.source_for(url)
    for index, project in projects:
        _add_project(builder, index, project)
    _add_former_roles(builder, projects)
    return builder.plan(IMPORTER, sha256)


def _add_project(builder: _Builder, index: int, project: ProjectEntry) -> None:
    record = f"projects[{index}]"
    where = f"{builder.path}: {record} ({project.project})"
    if not project.sources:
        builder.skipped.append(
            RecordError(
                str(builder.path),
                f"{record} ({project.project})",
                "sources",
                "no source lists its cities: not imported",
            )
        )
        return
    aliases = [
        a
        for entry in builder.annotations.project_aliases
        if entry.project == project.project
        for a in entry.aliases
    ]
    decision = builder.resolver.resolve(
        Incoming("Project", project.project, None, grant_agreement=project.grant_id), aliases
    )
    props: dict[str, Any] = {"acronym": project.project, "programme": "Horizon 2020"}
    if project.grant_id:
        props["grant_agreement"] = project.grant_id
    if project.call_topic:
        props["call"] = project.call_topic
    project_uid = builder.project_uids[project.project] = builder.node(decision, props, aliases, where)
    ceiling = next((c for c in builder.annotations.weaker_provenance if c.project == project.project), None)
    pages = [(builder.source_for(page.url), page) for page in project.sources]
    for source, page in pages:
        confidence = min(NAMED_CONFIDENCE, ceiling.confidence) if ceiling else NAMED_CONFIDENCE
        builder.cite(
            "Project",
            project_uid,
            source,
            {"quote": page.quote, "confidence": confidence, **({"note": ceiling.note} if ceiling else {})},
        )
    builder.cite(
        "Project",
        project_uid,
        DATASET_SOURCE,
        {"record": record, "confidence": 1.0, **({"note": project.notes} if project.notes else {})},
    )
    for list_name, role in ROLE_LISTS.items():
        for position, city in enumerate(getattr(project, list_name)):
            _add_role(
                builder, project, project_uid, pages, role, city, f"{record}.{list_name}[{position}]", ceiling
            )


def _add_role(
    builder: _Builder,
    project: ProjectEntry,
    project_uid: str,
    pages: list[tuple[str, PageEntry]],
    role: CityRole,
    city: CityEntry,
    record: str,
    ceiling: Ceiling | None,
) -> None:
    spellings = [
        s
        for entry in builder.annotations.spellings
        if fold(entry.city) == fold(city.name) and entry.country == city.country
        for s in entry.spellings
    ]
    decision = builder.resolver.resolve(Incoming("City", city.name, city.country), spellings)
    where = f"{builder.path}: {record} ({city.name})"
    city_uid = builder.node(decision, {"country": city.country}, spellings, where)
    names = [city.name, *spellings]
    named = [(source, page) for source, page in pages if passage_names(page.quote, names)]
    notes = [
        n.note
        for n in builder.annotations.role_notes
        if n.project == project.project and fold(n.city) == fold(city.name)
    ]
    if named:
        chosen, confidence = named, NAMED_CONFIDENCE
    else:
        chosen, confidence = pages, UNNAMED_CONFIDENCE
        notes.append(
            f"No quote of {project.project}'s sources names {city.name}: the role rests on the compiled list and the project's sources."
        )
    if ceiling is not None:
        confidence = min(confidence, ceiling.confidence)
        notes.append(ceiling.note)
    for source, page in chosen:
        builder.cite("City", city_uid, source, {"quote": page.quote, "confidence": confidence})
    builder.cite("City", city_uid, DATASET_SOURCE, {"record": record, "confidence": 1.0})
    props: dict[str, Any] = {"role": role.value, "role_label": ROLE_LABELS[role], "former": False}
    if notes:
        props["note"] = " | ".join(notes)
    builder.relationships.append(_role_row(city_uid, project_uid, props, chosen, confidence, record, where))


def _add_former_roles(builder: _Builder, projects: list[tuple[int, ProjectEntry]]) -> None:
    by_name = {project.project: (index, project) for index, project in projects}
    for entry in builder.annotations.former_roles:
        if entry.project not in by_name or entry.project not in builder.project_uids:
            continue
        index, project = by_name[entry.project]
        page = next((p for p in project.sources if p.url == entry.source), None)
        if page is None or not passage_names(page.quote, [entry.city]):
            raise InputFileError(
                f"{ANNOTATIONS}: former_roles: no source {entry.source} of {entry.project} names {entry.city}"
            )
        project_uid = builder.project_uids[project.project]
        decision = builder.resolver.resolve(Incoming("City", entry.city, entry.country))
        record = f"projects[{index}].notes"
        city_uid = builder.node(
            decision, {"country": entry.country}, [], f"{builder.path}: {record} ({entry.city})"
        )
        source = builder.source_for(page.url)
        builder.cite("City", city_uid, source, {"quote": page.quote, "confidence": NAMED_CONFIDENCE})
        builder.cite(
            "City", city_uid, DATASET_SOURCE, {"record": record, "confidence": 1.0, "note": entry.note}
        )
        props = {
            "role": entry.role.value,
            "role_label": f"former {ROLE_LABELS[entry.role]}",
            "former": True,
            "note": entry.note,
        }
        builder.relationships.append(
            _role_row(
                city_uid,
                project_uid,
                props,
                [(source, page)],
                NAMED_CONFIDENCE,
                record,
                f"{builder.path}: {record}",
            )
        )


def _role_row(
    city_uid: str,
    project_uid: str,
    props: dict[str, Any],
    cited: list[tuple[str, PageEntry]],
    confidence: float,
    record: str,
    where: str,
) -> RelationshipRow:
    """A city's role in a project, cited by the pages in ``cited`` and by the dataset record."""
    return RelationshipRow(
        "PARTICIPATES_IN",
        "City",
        city_uid,
        "Project",
        project_uid,
        props,
        tuple(source for source, _ in cited),
        tuple(page.quote for _, page in cited),
        confidence,
        (f"{DATASET_SOURCE}#{record}",),
        where,
    )


def import_programme(
    db: Database,
    path: Path = DATASET,
    options: LoadOptions | None = None,
    progress: Progress | None = None,
    alias_file: Path | None = None,
) -> ImportReport:
    """Resolve and load the programme. Idempotent; re-importing a new version removes what it no longer lists.

    Example:
        >>> report = import_programme(db)  # doctest: +SKIP
        >>> report.relationships_created["PARTICIPATES_IN"]  # doctest: +SKIP
        84
    """
    return load(db, programme_plan(db, path, options, alias_file), options, progress)
