"""Import runs: one ``ImportRun`` node per run, created before the first batch and finished after the sync.

A run is ``running`` while its process lives. When the next run of the same importer finds one still marked
running, it asks whether that process is alive (same host: the pid; another host: a heartbeat younger than
``LEASE``): a live one is a conflict (two imports of one source never interleave: that check and the new run are
one transaction holding the importer's lock node, ``KGMeta {key: 'import-lock:<importer>'}``); a dead one is marked
``interrupted`` and, when the source and its rows are unchanged (sha256 and plan digest), resumed at the first
batch it had not committed. Otherwise the new run starts from the first batch and the sync at its end removes
whatever the interrupted one left that the source no longer states.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from typing import Any

from neo4j import ManagedTransaction

from importers.rows import LoadPlan
from kg.core.database import Database
from kg.core.errors import ConflictError
from queries.loading import (
    CREATE_RUN,
    FIND_RUNNING,
    LOCK_IMPORTER,
    MARK_INTERRUPTED,
    RESUME_RUN,
)

LEASE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class RunStart:
    uid: str
    resumed_from_batch: int  # 0 for a new run
    counts: dict[str, Any]


def new_run_id(importer: str, sha256: str | None) -> str:
    """'seed:20261201T121500Z:3f2a9c1b': the importer, when, and which input."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{importer}:{stamp}:{(sha256 or hashlib.sha256(stamp.encode()).hexdigest())[:8]}"


def _alive(row: dict[str, Any], now: dt.datetime) -> bool:
    if row["host"] == socket.gethostname() and row["pid"]:
        if row["pid"] == os.getpid():
            return False  # this very process: a run it began and lost (e.g. an exception before finishing)
        try:
            os.kill(row["pid"], 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    heartbeat = row["heartbeat_at"].to_native() if row["heartbeat_at"] is not None else None
    return heartbeat is not None and now - heartbeat < LEASE


def run_params(
    plan: LoadPlan,
    uid: str,
    options: dict[str, Any],
    batches_total: int,
    host: str,
    pid: int,
    digest: str | None = None,
) -> dict[str, Any]:
    """The parameters of CREATE_RUN for one run of ``plan``."""
    return {
        "uid": uid,
        "importer": plan.importer,
        "source": plan.origin,
        "sha256": plan.sha256,
        "options": json.dumps(options, sort_keys=True),
        "plan_digest": digest or plan.digest(),
        "batches_total": batches_total,
        "errors": [str(error) for error in plan.skipped],
        "host": host,
        "pid": pid,
    }


def begin_run(db: Database, plan: LoadPlan, options: dict[str, Any], batches_total: int) -> RunStart:
    """Create the run, or resume an interrupted one of the same input and rows.

    One write transaction holding the importer's lock: checking for a running run and creating this one
    cannot interleave with another process doing the same (each would miss the other, both would load, and
    each one's sync would then remove what the other had just written).
    """
    digest = plan.digest()
    return db.write_transaction(lambda tx: _begin_run(tx, plan, options, batches_total, digest))


def _begin_run(
    tx: ManagedTransaction, plan: LoadPlan, options: dict[str, Any], batches_total: int, digest: str
) -> RunStart:
    tx.run(LOCK_IMPORTER, importer=plan.importer).consume()
    now = dt.datetime.now(dt.UTC)
    resumable: dict[str, Any] | None = None
    for row in tx.run(FIND_RUNNING, importer=plan.importer).data():
        if _alive(row, now):
            raise ConflictError(
                f"another {plan.importer} import is running ({row['uid']}, pid {row['pid']} on {row['host']}); "
                "wait for it to end"
            )
        tx.run(MARK_INTERRUPTED, uid=row["uid"]).consume()
        if resumable is None and row["sha256"] == plan.sha256 and row["plan_digest"] == digest:
            resumable = row
    host, pid = socket.gethostname(), os.getpid()
    if resumable is not None:
        tx.run(RESUME_RUN, uid=resumable["uid"], host=host, pid=pid).consume()
        counts = json.loads(resumable["counts"] or "{}")
        return RunStart(resumable["uid"], resumable["batches_done"] or 0, counts)
    uid = new_run_id(plan.importer, plan.sha256)
    params = run_params(plan, uid, options, batches_total, host, pid, digest)
    tx.run(CREATE_RUN, params).consume()
    return RunStart(uid, 0, {})
