"""Ingest: landing files → the warehouse's ``raw`` schema, checked against the contract."""

from orchestration.ingest.checks import ContractViolation
from orchestration.ingest.loader import IngestReport, PartitionResult, ingest, load_partition

__all__ = ["ContractViolation", "IngestReport", "PartitionResult", "ingest", "load_partition"]
