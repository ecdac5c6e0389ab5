"""Serving the published warehouse to people and tools: PostgreSQL, the dashboard."""
