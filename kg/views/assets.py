"""The front-end files kg serves, copied from the npm packages pinned in ``web/package-lock.json``.

``python -m kg.views.assets`` (run by ``make install`` after ``npm ci --prefix web``) copies each file of
``VENDORED`` from ``web/node_modules`` into ``kg/views/static/vendor`` (inside the package, so the wheel carries
them); ``--check`` only says what is missing. The app serves them under ``/static/vendor/``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Final

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"
NODE_MODULES = Path(__file__).resolve().parents[2] / "web" / "node_modules"

# served name -> path inside node_modules
VENDORED: Final[dict[str, str]] = {
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
    "d3-array.min.js": "d3-array/dist/d3-array.min.js",
    "d3-geo.min.js": "d3-geo/dist/d3-geo.min.js",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
    "countries-50m.json": "world-atlas/countries-50m.json",
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}


def missing() -> list[str]:
    return [name for name in VENDORED if not (VENDOR / name).is_file()]


def copy_assets(node_modules: Path = NODE_MODULES) -> list[Path]:
    """Copy every vendored file; an absent package is an error naming it and the command that installs it."""
    absent = [source for source in VENDORED.values() if not (node_modules / source).is_file()]
    if absent:
        raise FileNotFoundError(
            f"{node_modules}: missing {', '.join(absent)}; run `npm ci --prefix web` (make install does)"
        )
    VENDOR.mkdir(parents=True, exist_ok=True)
    copied = []
    for name, source in VENDORED.items():
        target = VENDOR / name
        shutil.copyfile(node_modules / source, target)
        copied.append(target)
    return copied


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only list the files that are missing")
    args = parser.parse_args()
    if args.check:
        absent = missing()
        print("all front-end assets present" if not absent else "missing: " + ", ".join(absent))
        sys.exit(1 if absent else 0)
    try:
        copied = copy_assets()
    except FileNotFoundError as error:
        sys.exit(f"error: {error}")
    print(f"copied {len(copied)} front-end files into {VENDOR}")


if __name__ == "__main__":
    main()
