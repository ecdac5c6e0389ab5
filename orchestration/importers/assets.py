"""Dagster's daily operation of the importers: for each importer a shop configures (its
export folder, ``SHOP_IMPORT_GA4_DIR``, ``SHOP_IMPORT_ACCESS_LOG_DIR``,
``SHOP_IMPORT_SHOPIFY_DIR``), an asset that imports the folder into the landing area, a
job that materializes it and a sensor that runs the job when the folder's files arrive or
change.

An import run writes landing files only (the same files, untouched, for an unchanged
export), so the refresh follows as for any delivery: the landing-file sensor sees the
export days that changed and requests the refresh of those days. A file the importer
refuses fails the asset (its file, line and reason in the run's log); nothing of it lands
and the other files' rows do. No importer configured: no asset, job or sensor, and the
refresh job is as it was.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    Config,
    DefaultSensorStatus,
    Failure,
    JobDefinition,
    MaterializeResult,
    MetadataValue,
    RunConfig,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    asset,
    define_asset_job,
    sensor,
)
from pydantic import Field

from orchestration import settings
from orchestration.importers.access_log import import_access_log
from orchestration.importers.common import Report
from orchestration.importers.ga4 import import_ga4
from orchestration.importers.shopify import import_shopify

#: The asset group of the importers (the refresh job selects every other asset).
GROUP = "importers"


class ImportConfig(Config):
    """Which files of the folder to import: none named, every file (the sensor names the
    files that arrived or changed)."""

    files: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Importer:
    name: str  # the command's format name, e.g. access-log
    folder: Callable[[], Path | None]  # its export folder setting
    run: Callable[[list[Path], Path], Report]  # the files (or folder) into the landing area
    by_file: bool  # False: the folder is one export (imported whole)

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")

    @property
    def asset_key(self) -> AssetKey:
        return AssetKey([GROUP, self.key])


def _access_log(files: list[Path], landing: Path) -> Report:
    return import_access_log(files, landing, site_url=settings.import_site_url())


def _shopify(files: list[Path], landing: Path) -> Report:
    (folder,) = files
    return import_shopify(folder, landing)


IMPORTERS = (
    Importer("ga4", settings.import_ga4_dir, import_ga4, by_file=True),
    Importer("access-log", settings.import_access_log_dir, _access_log, by_file=True),
    Importer("shopify", settings.import_shopify_dir, _shopify, by_file=False),
)


def configured() -> list[tuple[Importer, Path]]:
    """The importers whose export folder is set, with the folder."""
    return [(imp, folder) for imp in IMPORTERS if (folder := imp.folder()) is not None]


def export_files(folder: Path) -> list[Path]:
    """The files of an export folder and its subfolders (hidden ones excepted), sorted."""
    files = [path for path in folder.rglob("*") if path.is_file()]
    return sorted(
        path
        for path in files
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def _asset(importer: Importer, folder: Path) -> AssetsDefinition:
    @asset(
        key=importer.asset_key,
        group_name=GROUP,
        description=f"{folder} imported by `python -m orchestration.importers {importer.name}` "
        "into the landing area",
        kinds={"python", "duckdb"},
        metadata={"folder": str(folder)},
    )
    def _import(context: AssetExecutionContext, config: ImportConfig) -> MaterializeResult:
        if importer.by_file:
            inputs = [Path(file) for file in config.files] or export_files(folder)
        else:
            inputs = [folder]
        report = importer.run(inputs, settings.landing_dir())
        context.log.info(report.summary())
        if not report.ok:
            raise Failure(
                description=f"{len(report.refused_files)} export files refused "
                "(nothing of them landed)",
                metadata={"refused": MetadataValue.md(_lines(map(str, report.refused_files)))},
            )
        return MaterializeResult(
            metadata={
                "rows_read": report.rows_read,
                "rows_written": sum(report.written.values()),
                "rows_not_imported": sum(report.skipped.values()),
                "landing_files": len(report.files),
                "report": MetadataValue.md(_lines(report.summary().splitlines())),
            }
        )

    return _import


def _lines(lines) -> str:
    return "\n".join(f"- `{line.strip()}`" for line in lines)


def _job(importer: Importer) -> JobDefinition:
    return define_asset_job(
        f"import_{importer.key}",
        selection=AssetSelection.assets(importer.asset_key),
        description=f"Import the {importer.name} export folder into the landing area.",
    )


def _fingerprints(folder: Path) -> dict[str, str]:
    """Per file of the folder, a fingerprint of its size and time."""
    fingerprints = {}
    for path in export_files(folder):
        stat = path.stat()
        fingerprints[str(path)] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return fingerprints


def _sensor(importer: Importer, folder: Path) -> SensorDefinition:
    @sensor(
        name=f"{importer.key}_exports",
        job_name=f"import_{importer.key}",
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"Imports the files of {folder} that arrived or changed (the landing-file "
        "sensor then refreshes their export days).",
    )
    def _watch(context: SensorEvaluationContext):
        seen = json.loads(context.cursor) if context.cursor else {}
        current = _fingerprints(folder)
        changed = sorted(path for path, print_ in current.items() if seen.get(path) != print_)
        if not changed:
            return SkipReason(f"no file of {folder} arrived or changed")
        context.update_cursor(json.dumps(current))
        key = hashlib.sha256(json.dumps({p: current[p] for p in changed}).encode()).hexdigest()
        files = ImportConfig(files=changed if importer.by_file else [])
        config = RunConfig(ops={importer.asset_key.to_python_identifier(): files})
        return RunRequest(run_key=f"{importer.key}-{key[:16]}", run_config=config)

    return _watch


def importer_assets() -> list[AssetsDefinition]:
    return [_asset(importer, folder) for importer, folder in configured()]


def importer_jobs() -> list[JobDefinition]:
    return [_job(importer) for importer, _ in configured()]


def importer_sensors() -> list[SensorDefinition]:
    return [_sensor(importer, folder) for importer, folder in configured()]
