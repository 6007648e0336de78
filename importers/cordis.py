"""CORDIS, the EU projects database's open data: parse -> validate -> resolve -> rows for the loading layer.

Two published layouts, mapped by header name (column order varies; unknown columns are ignored; missing required
ones are reported):

- the older single H2020 projects file (``;``-separated, ``"``-quoted), whose ``coordinator`` and
  ``participants`` (a ``;``-joined list inside one field, with ``participantCountries`` beside it) name the
  organisations: no organisation id and no city, so organisations are resolved by normalised name + country and
  link no city;
- the newer zipped pair ``project.csv`` + ``organization.csv``: organisations keyed by CORDIS organisation id
  (a new one gets the uid ``cordis-<id>``), their ``city`` resolved to a ``City`` (``importers.entities``), their
  ``geolocation`` kept.

A ``.json`` file (or ``.json`` members of the zip) is an array of objects keyed by the same header names.

Projects resolve by grant agreement number first, so a file holding one of the programme's projects attaches
its partners to that project node. ``PARTNER_IN`` carries the role (coordinator, participant, third-party,
associated-partner, partner) and the EU contribution. Every fact cites the file (a ``dataset`` Source) and its
line. Filters (``topic_prefixes``, ``acronyms``, ``grant_ids``) take the smart-city projects out of a file of
35,000.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from importers.building import PlanBuilder
from importers.entities import Incoming, Resolver, slug
from importers.errors import InputFileError, RecordError
from importers.inputs import check_input
from importers.loader import LoadOptions, Progress, load
from importers.report import ImportReport
from importers.rows import LoadPlan, NodeRow, RelationshipRow
from importers.tables import TableRecord, amount, decode_fields, parse_csv, parse_json_records, split_list
from kg.core.database import Database

IMPORTER_PREFIX = "cordis"
PROJECT_REQUIRED = {"id", "acronym"}
ORGANISATION_REQUIRED = {"projectID", "organisationID", "name", "country", "role"}
ROLES = {
    "coordinator": "coordinator",
    "participant": "participant",
    "partner": "partner",
    "thirdparty": "third-party",
    "associatedpartner": "associated-partner",
    "internationalpartner": "international-partner",
}
# CORDIS writes the EU's own codes for two countries; the graph keeps ISO 3166-1 alpha-2.
COUNTRY_CODES = {"UK": "GB", "EL": "GR"}
ACTIVITY_KINDS = {"HES": "university", "REC": "research", "PRC": "industry", "PUB": "public-body"}


@dataclass(frozen=True)
class CordisFilters:
    """Keep only the projects matching every given filter (an empty filter keeps all)."""

    topic_prefixes: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    grant_ids: tuple[str, ...] = ()

    def keep(self, values: dict[str, str]) -> bool:
        topics = split_list(values.get("topics", "")) or [values.get("topics", "")]
        return (
            (not self.topic_prefixes or any(t.startswith(self.topic_prefixes) for t in topics))
            and (
                not self.acronyms
                or values.get("acronym", "").casefold() in {a.casefold() for a in self.acronyms}
            )
            and (not self.grant_ids or values.get("id", "") in self.grant_ids)
        )


@dataclass
class _Member:
    name: str  # "" for a plain file, "!organization.csv" for a member of an archive
    headers: list[str]
    records: list[TableRecord]
    errors: list[RecordError]  # records that could not be read (a control character, too many fields)


def _read_member(path: Path, name: str, raw: bytes, required: set[str]) -> _Member:
    label = f"!{name}" if name else ""
    text = decode_fields(path, raw)
    if name.endswith(".json") or (not name and path.suffix.lower() == ".json"):
        headers, records, errors = parse_json_records(path, text, required, label)
    else:
        headers, records, errors = parse_csv(path, text, required, label)
    return _Member(label, headers, records, errors)


def _read(path: Path, max_bytes: int) -> tuple[_Member, _Member | None, str]:
    """The project table, the organisation table (None for the single-file layout), the sha256."""
    checked = check_input(path, max_bytes)
    if not zipfile.is_zipfile(path):
        return _read_member(path, "", path.read_bytes(), PROJECT_REQUIRED), None, checked.sha256
    with zipfile.ZipFile(path) as archive:
        infos = {Path(info.filename).name.lower(): info for info in archive.infolist()}
        if sum(info.file_size for info in infos.values()) > max_bytes:
            raise InputFileError(
                f"{path}: unpacks to more than {max_bytes:,} bytes (--max-bytes); nothing was read"
            )
        found = {}
        for stem in ("project", "organization"):
            member = next((infos[n] for n in (f"{stem}.csv", f"{stem}.json") if n in infos), None)
            if member is None:
                raise InputFileError(
                    f"{path}: the archive has no {stem}.csv (found: {', '.join(sorted(infos))})"
                )
            found[stem] = member
        project = _read_member(
            path, found["project"].filename, archive.read(found["project"]), PROJECT_REQUIRED
        )
        organisations = _read_member(
            path, found["organization"].filename, archive.read(found["organization"]), ORGANISATION_REQUIRED
        )
    return project, organisations, checked.sha256


@dataclass
class _Cordis(PlanBuilder):
    source: str = ""
    projects: dict[str, tuple[str, int]] = field(default_factory=dict)  # grant id -> (project uid, line)
    partners: set[tuple[str, str]] = field(default_factory=set)
    located: set[str] = field(default_factory=set)  # organisations already given their city
    listed: set[str] = field(default_factory=set)  # every project id of the project table, filtered or not

    def error(
        self, member: _Member, record: TableRecord, column: str, message: str, kind: str
    ) -> RecordError:
        return RecordError(f"{self.path}{member.name}", f"line {record.line}", column, message, kind)

    def fact(
        self,
        rel_type: str,
        ends: tuple[str, str, str, str],
        props: dict[str, object],
        member: _Member,
        record: TableRecord,
    ) -> None:
        """A relationship stated by one line of the file (no quote: the line is the evidence)."""
        line = f"{member.name.lstrip('!') or self.path.name} line {record.line}"
        where = f"{self.path}{member.name}: line {record.line}"
        self.relationships.append(
            RelationshipRow(
                rel_type, *ends, props, (self.source,), ("",), 1.0, (f"{self.source}#{line}",), where
            )
        )


def _country(value: str) -> str | None:
    code = value.strip().upper()
    return COUNTRY_CODES.get(code, code) or None


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _add_project(builder: _Cordis, member: _Member, record: TableRecord) -> str | None:
    values = record.values
    grant = values["id"]
    if not grant.isdigit():
        raise builder.error(member, record, "id", f"{grant!r} is not a grant agreement number", "Project")
    if not values["acronym"]:
        raise builder.error(member, record, "acronym", "empty", "Project")
    if grant in builder.projects:
        raise builder.error(
            member, record, "id", f"duplicate of line {builder.projects[grant][1]}: skipped", "Project"
        )
    try:
        start, end = _date(values.get("startDate", "")), _date(values.get("endDate", ""))
    except ValueError as error:
        raise builder.error(member, record, "startDate/endDate", str(error), "Project") from error
    props: dict[str, object] = {"acronym": values["acronym"], "grant_agreement": grant}
    optional = {
        "full_name": values.get("title"),
        "programme": values.get("frameworkProgramme"),
        "call": values.get("call") or values.get("masterCall"),
        "description": values.get("objective"),
        "start_date": start,
        "end_date": end,
    }
    props |= {key: value for key, value in optional.items() if value}
    decision = builder.resolver.resolve(Incoming("Project", values["acronym"], None, grant_agreement=grant))
    uid = builder.node(decision, props, [], f"{builder.path}{member.name}: line {record.line}")
    builder.projects[grant] = (uid, record.line)
    builder.cite("Project", uid, builder.source, {"record": f"line {record.line}", "confidence": 1.0})
    return uid


def _add_partner(
    builder: _Cordis,
    member: _Member,
    record: TableRecord,
    project_uid: str,
    organisation: Incoming,
    role: str,
    contribution: float | None,
    props: dict[str, object],
) -> str:
    decision = builder.resolver.resolve(organisation)
    where = f"{builder.path}{member.name}: line {record.line}"
    uid = builder.node(decision, {"country": organisation.country, **props}, [], where)
    builder.cite("Organisation", uid, builder.source, {"record": f"line {record.line}", "confidence": 1.0})
    if (uid, project_uid) in builder.partners:
        return uid  # the same organisation twice in one project (a duplicate row): one PARTNER_IN
    builder.partners.add((uid, project_uid))
    edge: dict[str, object] = {"role": role}
    if contribution is not None:
        edge["contribution"] = contribution
    builder.fact("PARTNER_IN", ("Organisation", uid, "Project", project_uid), edge, member, record)
    return uid


def _legacy_partners(builder: _Cordis, member: _Member, record: TableRecord, project_uid: str) -> None:
    values = record.values
    if values.get("coordinator"):
        country = _country(values.get("coordinatorCountry", ""))
        _add_partner(
            builder,
            member,
            record,
            project_uid,
            Incoming("Organisation", values["coordinator"], country),
            "coordinator",
            None,
            {},
        )
    names, countries = (
        split_list(values.get("participants", "")),
        split_list(values.get("participantCountries", "")),
    )
    if len(names) != len(countries):
        raise builder.error(
            member,
            record,
            "participantCountries",
            f"{len(countries)} countries for {len(names)} participants",
            "PARTNER_IN",
        )
    for name, country in zip(names, countries, strict=True):
        _add_partner(
            builder,
            member,
            record,
            project_uid,
            Incoming("Organisation", name, _country(country)),
            "participant",
            None,
            {},
        )


def _organisation_row(builder: _Cordis, member: _Member, record: TableRecord) -> None:
    values = record.values
    project = builder.projects.get(values["projectID"])
    if project is None:
        if values["projectID"] in builder.listed:
            return  # a project the filters left out (or a bad row, already reported)
        raise builder.error(
            member,
            record,
            "projectID",
            f"unknown reference: project {values['projectID']} is not in project.csv",
            "PARTNER_IN",
        )
    role = ROLES.get(values["role"].replace("_", "").casefold())
    if role is None:
        raise builder.error(member, record, "role", f"unknown role {values['role']!r}", "PARTNER_IN")
    try:
        contribution = amount(values.get("ecContribution", ""))
    except ValueError as error:
        raise builder.error(member, record, "ecContribution", str(error), "PARTNER_IN") from error
    country = _country(values["country"])
    props: dict[str, object] = {}
    if values.get("shortName"):
        props["short_name"] = values["shortName"]
    if ACTIVITY_KINDS.get(values.get("activityType", "")):
        props["kind"] = ACTIVITY_KINDS[values["activityType"]]
    if values.get("geolocation"):
        props["geolocation"] = values["geolocation"]
    organisation = Incoming(
        "Organisation", values["name"], country, uid=f"cordis-{slug(values['organisationID'])}"
    )
    uid = _add_partner(builder, member, record, project[0], organisation, role, contribution, props)
    if values.get("city") and country:
        city = builder.resolver.resolve(Incoming("City", values["city"].title(), country))
        city_uid = builder.node(
            city, {"country": country}, [], f"{builder.path}{member.name}: line {record.line}"
        )
        builder.cite("City", city_uid, builder.source, {"record": f"line {record.line}", "confidence": 1.0})
        if uid not in builder.located:
            builder.located.add(uid)
            builder.fact("LOCATED_IN", ("Organisation", uid, "City", city_uid), {}, member, record)


def cordis_plan(
    db: Database,
    path: Path,
    options: LoadOptions | None = None,
    filters: CordisFilters | None = None,
    alias_file: Path | None = None,
) -> LoadPlan:
    """Parse and validate a CORDIS file into rows; bad records are kept as errors (``--strict``: the first raises)."""
    options, filters = options or LoadOptions(), filters or CordisFilters()
    projects, organisations, sha256 = _read(path, options.max_bytes)
    source = f"cordis-{slug(path.name)}"
    builder = _Cordis(path, Resolver.from_db(db, alias_file), source=source)
    title = f"CORDIS open data: {path.name}"
    builder.sources[source] = NodeRow(
        "Source",
        source,
        {"name": title, "title": title, "kind": "dataset", "file_name": path.name, "sha256": sha256},
        where=f"{path}: (file)",
    )

    def each(member: _Member, work: Callable[[_Cordis, _Member, TableRecord], None]) -> None:
        builder.take(
            member.records, lambda record: work(builder, member, record), options.strict, member.errors
        )

    def project_row(b: _Cordis, member: _Member, record: TableRecord) -> None:
        if not filters.keep(record.values):
            return
        uid = _add_project(b, member, record)
        if uid is not None and organisations is None:
            _legacy_partners(b, member, record, uid)

    builder.listed = {record.values.get("id", "") for record in projects.records}
    each(projects, project_row)
    if organisations is not None:
        each(organisations, _organisation_row)
    return builder.plan(f"{IMPORTER_PREFIX}:{path.name}", sha256)


def import_cordis(
    db: Database,
    path: Path,
    options: LoadOptions | None = None,
    filters: CordisFilters | None = None,
    progress: Progress | None = None,
    alias_file: Path | None = None,
) -> ImportReport:
    """Load a CORDIS file (either layout, CSV or JSON, or the zipped pair).

    Example:
        >>> import_cordis(db, Path("cordis-h2020projects.csv"), filters=CordisFilters(topic_prefixes=("SCC-",)))  # doctest: +SKIP
    """
    return load(db, cordis_plan(db, path, options, filters, alias_file), options, progress)
