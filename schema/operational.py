"""Operational labels: what kg records about its own work, beside the domain graph (like ``KGMeta``).

``ImportRun``: one per import run (importer, source and its sha256, options, timing, counts, status, errors,
progress); every node a run created or matched has ``LOADED_BY`` to the run, every relationship lists it in
``import_run_ids`` (the latest run per importer). ``Resolution``: one entity-resolution decision (how an
incoming city, organisation or project was matched, or created), kept once per incoming name; the pending ones
are the curators' review queue (``kg resolve``).

They are declared as neomodel classes so their constraints come from the same reader as the domain's, but they
are not part of the domain model: no seed entry, curator mutation or GraphQL type names them.
"""

from __future__ import annotations

from neomodel import (
    ArrayProperty,
    DateTimeProperty,
    FloatProperty,
    IntegerProperty,
    StringProperty,
    StructuredNode,
)

from schema.models import vocabulary
from schema.vocabularies import ImportStatus, ResolutionMethod, ResolutionStatus

LOADED_BY = "LOADED_BY"  # any domain node -> ImportRun


class ImportRun(StructuredNode):
    """One run of one importer over one source."""

    uid = StringProperty(unique_index=True, required=True)
    importer = StringProperty(required=True, index=True)
    source = StringProperty(required=True)  # the file path or URL read
    sha256 = StringProperty()
    plan_digest = StringProperty()  # a digest of the rows it writes: a resumed run must write the same ones
    options = StringProperty()  # JSON: batch size, strict, max bytes...
    status = vocabulary(ImportStatus, required=True)
    started_at = DateTimeProperty(required=True)
    ended_at = DateTimeProperty()
    heartbeat_at = DateTimeProperty()  # set with every batch: a run that stopped beating is interrupted
    host = StringProperty()
    pid = IntegerProperty()
    batches_done = IntegerProperty(default=0)  # committed batches, in the same transaction as each batch
    batches_total = IntegerProperty()
    resumed = IntegerProperty()  # how many times an interrupted run was taken up again
    counts = StringProperty()  # JSON: created / matched / removed / skipped per label and type
    errors = ArrayProperty(
        StringProperty(), default=list
    )  # the skipped records, each naming record and field


class Resolution(StructuredNode):
    """How one incoming name was resolved to a node (or why a new one was made)."""

    uid = StringProperty(unique_index=True, required=True)  # a digest of (label, folded name, country)
    label = StringProperty(required=True)
    name = StringProperty(required=True)
    country = StringProperty()
    method = vocabulary(ResolutionMethod, required=True)
    target = StringProperty()  # the uid matched (or proposed, while pending)
    created = StringProperty()  # the uid of the node made for it, when one was
    confidence = FloatProperty(required=True)
    status = vocabulary(ResolutionStatus, required=True, index=True)
    importer = StringProperty()
    run = StringProperty()  # the latest run that met the name
    note = StringProperty()
    decided_at = DateTimeProperty()
    decided_by = StringProperty()


OPERATIONAL_MODELS: tuple[type[StructuredNode], ...] = (ImportRun, Resolution)
