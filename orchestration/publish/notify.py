"""Telling someone: each new incident of a published version, once, to a webhook and/or a
command (docs/incidents.md).

After a publish has switched readers to a new version, the incidents of
``marts.fct_indicator_incidents`` that are recent (their last day within the late-data
lookback of the latest day, ``SHOP_LATE_DATA_LOOKBACK_DAYS``: a first run over a long
history does not page about last quarter) and not yet sent are sent, costliest first, as
one JSON document each:

* ``SHOP_INCIDENT_WEBHOOK``: an HTTP POST of the document (``application/json``);
* ``SHOP_INCIDENT_COMMAND``: the command line, run once per incident with the document on
  its standard input (a mail or chat client).

What was sent is remembered per incident and channel in ``notified_incidents.jsonl``
beside the published versions, so an incident that lasts another day (same incident_id)
is not sent again and a channel that failed is tried again after the next publish. Only a
publish calls this: a run that did not publish sends nothing. A failing channel does not
undo the publish; it is reported in the run's log.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestration import settings
from orchestration.contract import load_shop
from orchestration.publish.publisher import Publication, publish

STATE = "notified_incidents.jsonl"
TIMEOUT_SECONDS = 30
_COLUMNS = (
    "incident_id", "impact_rank", "root_indicator_code", "root_slice_dimension",
    "root_slice_value", "first_day", "last_day", "is_open", "deviation", "severity",
    "impact_amount", "explained_alert_count", "explained_indicators", "runbook", "summary",
)  # fmt: skip


@dataclass
class Notified:
    """What one call sent (incident ids per channel) and what failed (messages)."""

    sent: dict[str, list[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(ids)} incident(s) to the {channel}" for channel, ids in self.sent.items()]
        text = "notified " + (", ".join(parts) if parts else "no new incident")
        return text + "".join(f"; FAILED: {failure}" for failure in self.failures)


def incident_documents(database: Path, lookback_days: int) -> list[dict[str, Any]]:
    """The recent incidents of a published version as JSON-ready documents, costliest
    first, with the root indicator's names and the money's currency."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        columns = ", ".join(f"incidents.{column}" for column in _COLUMNS)
        rows = con.execute(
            f"""
            select {columns}, catalog.name_en, catalog.name_zh
            from marts.fct_indicator_incidents as incidents
            inner join reference.indicator_catalog as catalog
                on incidents.root_indicator_code = catalog.indicator_code
            where incidents.last_day >= (
                select max(last_day) from marts.fct_indicator_incidents
            ) - cast(? as integer)
            order by incidents.impact_rank
            """,
            [lookback_days],
        ).fetchall()
    finally:
        con.close()
    currency = load_shop().reporting_currency
    documents = []
    names = (*_COLUMNS, "root_indicator_name_en", "root_indicator_name_zh")
    for row in rows:
        document = dict(zip(names, row, strict=True))
        document["first_day"] = document["first_day"].isoformat()
        document["last_day"] = document["last_day"].isoformat()
        explained = document["explained_indicators"]
        document["explained_indicators"] = explained.split(",") if explained else []
        document["impact_currency"] = currency
        documents.append(document)
    return documents


def _sent(directory: Path) -> set[tuple[str, str]]:
    path = directory / STATE
    if not path.exists():
        return set()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {(record["incident_id"], record["channel"]) for record in records}


def _remember(directory: Path, incident_id: str, channel: str, version: int | None) -> None:
    record = {
        "incident_id": incident_id,
        "channel": channel,
        "version": version,
        "sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with (directory / STATE).open("a", encoding="utf-8") as state:
        state.write(json.dumps(record) + "\n")


def _post(url: str, body: bytes) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()


def _run(command: str, body: bytes) -> None:
    subprocess.run(shlex.split(command), input=body, check=True, timeout=TIMEOUT_SECONDS)


def notify_new_incidents(
    database: Path,
    published_dir: Path,
    *,
    version: int | None = None,
    webhook: str | None = None,
    command: str | None = None,
) -> Notified:
    """Send each incident of the published ``database`` not yet sent on a channel (the
    webhook, the command) on that channel and remember it in ``published_dir``. Without a
    channel, nothing is read or sent."""
    channels = {
        name: (send, target)
        for name, send, target in (("webhook", _post, webhook), ("command", _run, command))
        if target
    }
    notified = Notified()
    if not channels:
        return notified
    sent = _sent(published_dir)
    for document in incident_documents(database, settings.late_data_lookback_days()):
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        for name, (send, target) in channels.items():
            if (document["incident_id"], name) in sent:
                continue
            try:
                send(target, body)
            except (OSError, subprocess.SubprocessError) as error:
                notified.failures.append(f"{name} for incident {document['incident_id']}: {error}")
                continue
            _remember(published_dir, document["incident_id"], name, version)
            notified.sent.setdefault(name, []).append(document["incident_id"])
    return notified


def publish_and_notify(
    work_database: Path, published_dir: Path, **options: Any
) -> tuple[Publication, Notified]:
    """Publish (:func:`~orchestration.publish.publisher.publish`, same options), then send
    the new incidents of the version just published to the channels of the settings
    (``SHOP_INCIDENT_WEBHOOK``, ``SHOP_INCIDENT_COMMAND``). A publish that raises sends
    nothing."""
    publication = publish(work_database, published_dir, **options)
    notified = notify_new_incidents(
        publication.path,
        Path(published_dir),
        version=publication.version,
        webhook=settings.incident_webhook(),
        command=settings.incident_command(),
    )
    return publication, notified
