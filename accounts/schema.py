"""The accounts' table, in SQLAlchemy Core, on the event store's shared `metadata`.

Not an event stream: a copy of what billing holds, replaced whenever billing's export is
loaded again. It lives in the engine's database (migration 0008 creates it) and is
described here, beside the code that reads it, so that comparing the migrations with the
models covers it: import this module wherever `eventstore.schema.metadata` is compared.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import DATE, TIMESTAMP

from eventstore.schema import metadata

ACCOUNT_FACTS: Final = "account_facts"

account_facts = Table(
    ACCOUNT_FACTS,
    metadata,
    Column("mpxn", Text, nullable=False),
    Column("market_sector", Text, nullable=False),
    Column("arrears_pence", BigInteger, nullable=False, server_default=text("0")),
    Column("oldest_unpaid_due", DATE, nullable=True),
    Column("fixed_term_end", DATE, nullable=True),
    Column("debt_assignment_agreed", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", TIMESTAMP(timezone=True), nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("mpxn"),
    CheckConstraint("market_sector IN ('D', 'N')", name="market_sector_known"),
    CheckConstraint("arrears_pence >= 0", name="arrears_not_negative"),
    CheckConstraint(
        "(arrears_pence = 0) = (oldest_unpaid_due IS NULL)", name="arrears_have_a_due_date"
    ),
)
