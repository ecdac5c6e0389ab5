"""Synthetic shop simulator: writes a year (or any period) of a believable e-commerce
shop's raw exports into the landing tree, exactly as the raw contract describes them.

    python -m orchestration.simulator --start 2025-01-01 --days 365 --scale 1 --out landing/

The package imports nothing itself, so that a part importing ``reference`` does not load the
engine and, through it, every other part: ``simulate`` lives in
``orchestration.simulator.engine``.
"""
