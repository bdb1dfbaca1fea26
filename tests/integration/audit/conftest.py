"""The workflow harness (time-skipping Temporal, PostgreSQL store, fake CSS), reused."""

from tests.integration.workflow.conftest import engine, temporal_env

__all__ = ["engine", "temporal_env"]
