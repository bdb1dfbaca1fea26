"""Who may do what in the event store's database: three roles, and every grant in one table.

- the **owner** (`switching_owner`) owns the schema and runs the migrations. Owning a table
  means being able to alter it and switch its triggers off, so no running process uses it.
- the **application** (`switching_app`): the worker, the receiver and the operator commands.
  It reads everything and appends events; it cannot UPDATE, DELETE or TRUNCATE an event or
  anything audited, alter a table, disable a trigger, or set `session_replication_role`
  (only a superuser may), so the append-only triggers hold against it.
- the **auditor** (`switching_auditor`): reads everything and adds to the audit ledger and
  its signed checkpoints, which the application may only read.

`GRANTS` below is the only place privileges are written. It is applied after every
migration (`migrations/env.py`), revoking first, so it is exactly what each role holds; a
new table needs its row here (a test refuses a table that has none).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Final

import asyncpg
from sqlalchemy import Connection

from eventstore.urls import with_database

OWNER: Final = "switching_owner"
APP: Final = "switching_app"
AUDITOR: Final = "switching_auditor"
#: The roles that run the engine, each granted exactly its row of `GRANTS`.
GRANTEES: Final = (APP, AUDITOR)

_READ: Final = ("SELECT",)

#: table -> role -> privileges. A privilege may name columns: "UPDATE (a, b)".
GRANTS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    # Facts: appended, never changed.
    "events": {APP: ("SELECT", "INSERT"), AUDITOR: _READ},
    # A stream's head moves with each append; only the head columns may change.
    "streams": {
        APP: ("SELECT", "INSERT", "UPDATE (version, last_hash, updated_at)"),
        AUDITOR: _READ,
    },
    # The receiver's delivery state: rows move from PENDING to DELIVERED, never go away.
    "inbound_deliveries": {
        APP: (
            "SELECT",
            "INSERT",
            "UPDATE (status, switch_id, attempts, last_error, next_attempt_at, delivered_at)",
        ),
        AUDITOR: _READ,
    },
    # Read models are derived and rebuilt from zero, so they may be emptied.
    "projection_checkpoints": {
        APP: ("SELECT", "INSERT", "UPDATE (position, updated_at)"),
        AUDITOR: _READ,
    },
    "switch_read_model": {APP: ("SELECT", "INSERT", "UPDATE", "DELETE"), AUDITOR: _READ},
    "registration_routes": {APP: ("SELECT", "INSERT", "UPDATE", "DELETE"), AUDITOR: _READ},
    # The audit's anchor: written by the auditor only, append-only for everyone.
    "audit_ledger": {APP: _READ, AUDITOR: ("SELECT", "INSERT")},
    "audit_checkpoints": {APP: _READ, AUDITOR: ("SELECT", "INSERT")},
    # Customers' data keys. Forgetting a customer overwrites the wrapped key with NULL
    # (crypto-shredding): the one row the application changes outside the read models.
    # Rows are never deleted, so a forgotten customer stays forgotten.
    "customer_keys": {
        APP: ("SELECT", "INSERT", "UPDATE (wrapped_key, master_key_id, erased_at)"),
        AUDITOR: _READ,
    },
    # The receiver checks the schema's revision before it serves.
    "alembic_version": {APP: _READ, AUDITOR: _READ},
}

#: Sequences: the position of each appended event is drawn by the application; the
#: readers' watermark reads the last one handed out.
SEQUENCE_GRANTS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    "events_position_seq": {APP: ("USAGE", "SELECT"), AUDITOR: ("SELECT",)},
}

#: Functions (by signature) each role may call; nobody else may (PUBLIC is revoked).
FUNCTION_GRANTS: Final[Mapping[str, tuple[str, ...]]] = {
    "eventstore_watermark()": (APP, AUDITOR),
    "eventstore_append(text, bigint, text, timestamptz, text[], bigint[], uuid[], text[], "
    "integer[], text[], text[], text[], text[], text[])": (APP,),
}


class RolesMissing(Exception):
    """The engine's roles do not exist and the migrating user may not create them."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_statements(existing: set[str]) -> list[str]:
    """The REVOKE/GRANT statements that give each role exactly its privileges on the
    objects in `existing` (table, sequence and function names as keyed above)."""
    roles = ", ".join(_quoted(role) for role in GRANTEES)
    statements: list[str] = []
    for kind, grants in (("TABLE", GRANTS), ("SEQUENCE", SEQUENCE_GRANTS)):
        for name, by_role in grants.items():
            if name not in existing:
                continue
            statements.append(f"REVOKE ALL ON {kind} {_quoted(name)} FROM PUBLIC, {roles}")
            for role, privileges in by_role.items():
                statements.append(
                    f"GRANT {', '.join(privileges)} ON {kind} {_quoted(name)} TO {_quoted(role)}"
                )
    for signature, allowed in FUNCTION_GRANTS.items():
        if signature.split("(")[0] not in existing:
            continue
        statements.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC, {roles}")
        grantees = ", ".join(_quoted(role) for role in allowed)
        statements.append(f"GRANT EXECUTE ON FUNCTION {signature} TO {grantees}")
    return statements


EXISTING_OBJECTS: Final = """
SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S')
UNION ALL
SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema()
"""

#: Creates a missing grantee as a group role (no login) when the migrating user may, so
#: a superuser's migration works on a bare server; an owner without CREATEROLE is told to
#: have the roles created first.
ENSURE_GRANTEE: Final = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        IF NOT EXISTS (
            SELECT 1 FROM pg_roles
            WHERE rolname = current_user AND (rolsuper OR rolcreaterole)
        ) THEN
            RAISE EXCEPTION 'role {role} does not exist'
                USING HINT = 'run `switching db roles` as a database administrator first';
        END IF;
        CREATE ROLE {role} NOLOGIN;
    END IF;
END
$$
"""


async def ensure_roles(admin_url: str, passwords: Mapping[str, str | None]) -> None:
    """Create the three login roles unless they exist, and set the passwords given.

    Run once per server by a database administrator (`switching dev` does it on the
    embedded server). The owner may create databases and nothing more: no superuser, no
    role creation, no replication.
    """
    connection = await asyncpg.connect(admin_url)
    try:
        for role in (OWNER, *GRANTEES):
            exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            if not exists:
                extra = " CREATEDB" if role == OWNER else ""
                # Two processes may get here at once; the second finds the role made.
                with contextlib.suppress(
                    asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError
                ):
                    await connection.execute(
                        f"CREATE ROLE {_quoted(role)} LOGIN NOSUPERUSER NOCREATEROLE{extra}"
                    )
            await connection.execute(f"ALTER ROLE {_quoted(role)} LOGIN")
            password = passwords.get(role)
            if password:
                literal = "'" + password.replace("'", "''") + "'"
                await connection.execute(f"ALTER ROLE {_quoted(role)} PASSWORD {literal}")
    finally:
        await connection.close()


async def hand_to_owner(admin_url: str, database: str) -> None:
    """Make the owner role own `database` and every table, sequence and function in its
    schema (a store created before the roles existed belongs to the administrator)."""
    await _execute(admin_url, f"ALTER DATABASE {_quoted(database)} OWNER TO {_quoted(OWNER)}")
    connection = await asyncpg.connect(with_database(admin_url, database))
    try:
        await connection.execute(_ADOPT.format(owner=OWNER))
    finally:
        await connection.close()


_ADOPT = """
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S')
          AND pg_get_userbyid(c.relowner) <> '{owner}'
          -- an identity sequence follows its table
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.objid = c.oid AND d.deptype = 'i')
    LOOP
        EXECUTE format('ALTER %s public.%I OWNER TO {owner}',
                       CASE item.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                       item.relname);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '{owner}'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', item.signature);
    END LOOP;
END
$$
"""


async def _execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def apply_grants(connection: Connection) -> None:
    """Give each role exactly its privileges on what the schema now holds (run after every
    migration, in its transaction, by the migrating owner)."""
    for role in GRANTEES:
        connection.exec_driver_sql(ENSURE_GRANTEE.format(role=role))
    existing = {row[0] for row in connection.exec_driver_sql(EXISTING_OBJECTS)}
    for statement in grant_statements(existing):
        connection.exec_driver_sql(statement)
