"""Importers of real systems' exports into the landing layout of the raw contract.

    python -m orchestration.importers ga4        --input DIR_OR_FILES --landing landing/
    python -m orchestration.importers access-log --input FILES --landing landing/ [--site-url URL]
    python -m orchestration.importers shopify    --input DIR --landing landing/

Each writes only landing files, the same bytes for the same input (common.py), and prints
what it read, wrote and refused (docs/importers.md).
"""
