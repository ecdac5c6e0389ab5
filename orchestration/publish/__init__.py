"""Publish: make a fully checked warehouse visible to analysts and BI tools, atomically.

The pipeline builds every layer into one DuckDB *work* file (``settings.warehouse_path()``).
Nobody but the pipeline opens that file: DuckDB allows one writer or many read-only readers
per file, and a refresh in progress (or one that failed its checks) must never be seen.
Readers open the *published* copy instead::

    <published_dir>/                       SHOP_PUBLISHED_DIR, default warehouse/published
        current.duckdb -> versions/shop_v000007.duckdb   what readers open (a symlink)
        versions/shop_v000003.duckdb ... shop_v000007.duckdb   the newest ``keep`` versions
        publications.jsonl                 one line per publish and per rollback
        notified_incidents.jsonl           incidents sent per channel (publish/notify.py)
        .publish.lock                      held while a publish or rollback runs

Open it read-only: ``duckdb -readonly warehouse/published/current.duckdb`` (CLI),
``duckdb.connect("warehouse/published/current.duckdb", read_only=True)`` or
:func:`connect_published`. Refer to tables without a catalog (``select * from
marts.fct_orders``): DuckDB names the catalog after the version file it resolved.

Guarantees of :func:`publish`:

* **Gated.** If any quality check handed in is not true, nothing is written at all.
* **Reader-facing schemas only.** A version holds the ``marts`` tables and the ``reference``
  seeds (or the schemas asked for), never ``raw``, ``staging`` or ``intermediate``: raw holds
  personal data. Table and column comments (dbt ``persist_docs``) come along. A view is
  recreated when it only reads published relations; otherwise it is skipped and named in
  :attr:`Publication.notes`.
* **Self-describing.** ``meta.publications`` lists every publication so far (version, run id,
  time in UTC, tables, rows, checks passed), ``meta.table_row_counts`` the rows of each
  table of this version and ``meta.table_fingerprints`` their fingerprints (rows and sum of
  row hashes, per day of an incremental fact), against which the next publish finds what
  changed without reading this version's rows: ``select * from meta.publications``.
* **Readable by older clients.** Versions are written in DuckDB storage format
  :data:`STORAGE_VERSION` (``v1.0.0``, storage number 64), which every DuckDB since 0.10 and
  the BI drivers built on DuckDB 1.x can open; DuckDB 2.0 would otherwise write its own newer
  format, which no 1.x client reads.
* **Atomic.** A version is written under a temporary name, checkpointed, closed, re-opened
  read-only and audited (row counts, views, storage version), fsynced, and only then renamed
  to ``versions/shop_vN.duckdb``. Readers switch by ``current.duckdb`` being replaced with
  ``os.replace`` of a new symlink, which POSIX makes atomic: a reader opens either the old
  version or the new one, whole. A crash at any point leaves the previous version current;
  the next publish removes temporary files and unpublished versions left by the crash.
* **Readers never break.** Versions are immutable (written once, read-only), so a connection
  opened before a publish keeps reading its version, even after the file is pruned (POSIX
  keeps an open file until it is closed); new connections see the new version.
* **Reversible.** The newest ``keep`` versions stay on disk (and always the current one);
  :func:`rollback` points ``current`` back to one of them in one atomic step and logs it:
  ``python -m orchestration.publish rollback``.

Publishes and rollbacks of one published directory take an exclusive lock, so two never
interleave. The directory must be on a local POSIX file system (symlinks, atomic rename).
"""

from orchestration.publish.publisher import (
    STORAGE_VERSION,
    ChecksFailed,
    Publication,
    PublishError,
    connect_published,
    current_version,
    kept_versions,
    list_publications,
    prune,
    publish,
    published_dir,
    rollback,
    version_path,
)

__all__ = [
    "STORAGE_VERSION",
    "ChecksFailed",
    "Publication",
    "PublishError",
    "connect_published",
    "current_version",
    "kept_versions",
    "list_publications",
    "prune",
    "publish",
    "published_dir",
    "rollback",
    "version_path",
]
