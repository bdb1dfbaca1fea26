"""The event store's tables, defined once in SQLAlchemy Core.

The alembic migrations create exactly these (a test compares them with autogenerate); the
store itself talks to PostgreSQL through asyncpg with hand-written SQL, so these objects
are the schema's single description, not a query layer.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSON, TIMESTAMP, UUID

NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_HASH_FORMAT = "~ '^[0-9a-f]{64}$'"

# One row per stream: its head (version and last hash). Appends lock this row, which
# serialises writers of one stream without a table lock, and the head lets the audit
# notice a removed tail event, which the chain alone cannot.
streams = Table(
    "streams",
    metadata,
    Column("stream_id", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("last_hash", Text, nullable=False),
    Column("created_at", TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("stream_id"),
    CheckConstraint("version >= 0", name="version_not_negative"),
    CheckConstraint(f"last_hash {_HASH_FORMAT}", name="last_hash_is_sha256"),
)

# Data and metadata are `json`, not `jsonb`: json keeps the exact text we wrote, while
# jsonb rewrites numbers (1e+20 comes back as 100000000000000000000), which would make a
# faithful event fail hash verification.
events = Table(
    "events",
    metadata,
    Column("position", BigInteger, Identity(always=False), nullable=False),
    Column("stream_id", Text, ForeignKey("streams.stream_id"), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("type", Text, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("data", JSON, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("idempotency_key", Text, nullable=True),
    Column("recorded_at", TIMESTAMP(timezone=True), nullable=False),
    Column("hash", Text, nullable=False),
    Column("previous_hash", Text, nullable=False),
    PrimaryKeyConstraint("stream_id", "version"),
    UniqueConstraint("position"),
    UniqueConstraint("event_id"),
    UniqueConstraint("stream_id", "idempotency_key"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("schema_version >= 1", name="schema_version_positive"),
    CheckConstraint(f"hash {_HASH_FORMAT}", name="hash_is_sha256"),
    CheckConstraint(f"previous_hash {_HASH_FORMAT}", name="previous_hash_is_sha256"),
)

# The audit's anchor (written by the auditor role only). The ledger holds every settled
# event in position order with its hash and the store-wide chain through it; each
# checkpoint signs the chain's head at a position. Both are append-only.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("sequence", BigInteger, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("key_id", Text, nullable=False),
    # The exact signed bytes (canonical JSON), so verification needs no re-encoding.
    Column("body", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("created_at", TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("sequence"),
    CheckConstraint("sequence >= 1", name="sequence_positive"),
    CheckConstraint("position >= 0", name="position_not_negative"),
)

audit_ledger = Table(
    "audit_ledger",
    metadata,
    Column("position", BigInteger, nullable=False),
    Column("stream_id", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("event_hash", Text, nullable=False),
    Column("chain_hash", Text, nullable=False),
    Column("checkpoint", BigInteger, nullable=False),
    PrimaryKeyConstraint("position"),
    UniqueConstraint("stream_id", "version"),
    CheckConstraint(f"event_hash {_HASH_FORMAT}", name="event_hash_is_sha256"),
    CheckConstraint(f"chain_hash {_HASH_FORMAT}", name="chain_hash_is_sha256"),
)
