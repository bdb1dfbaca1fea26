"""The accounts port: one contract for every implementation, the PostgreSQL copy loaded by
the owner and read by the application role (which cannot change it), and billing's export
read strictly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from accounts.export import ExportError, read_export, write_export
from accounts.port import Accounts, AccountsUnavailable, InMemoryAccounts
from accounts.postgres import PostgresAccounts, load
from domain.accounts import AccountFacts
from domain.identifiers import MarketSector
from eventstore import roles
from tests.conftest import as_role

D, N = MarketSector.DOMESTIC, MarketSector.NON_DOMESTIC
DEBTOR = AccountFacts("1312345678907", D, 12_345, date(2026, 1, 5))
BUSINESS = AccountFacts("2312345678903", N, 0, None, date(2027, 3, 31), True)

#: Makes an implementation holding the facts given (its pools are closed by the fixture).
Loaded = Callable[[list[AccountFacts]], Awaitable[Accounts]]


@pytest.fixture(params=["memory", "postgres"])
async def loaded(request: pytest.FixtureRequest, fresh_database_url: str) -> AsyncIterator[Loaded]:
    pools: list[asyncpg.Pool] = []

    async def memory(facts: list[AccountFacts]) -> Accounts:
        return InMemoryAccounts({item.mpxn: item for item in facts})

    async def postgres(facts: list[AccountFacts]) -> Accounts:
        await load(as_role(fresh_database_url, roles.OWNER), facts)
        pool = await asyncpg.create_pool(
            as_role(fresh_database_url, roles.APP), min_size=1, max_size=2
        )
        pools.append(pool)
        return PostgresAccounts(pool)

    yield memory if request.param == "memory" else postgres
    for pool in pools:
        await pool.close()


class TestContract:
    async def test_reads_back_what_billing_holds(self, loaded: Loaded) -> None:
        accounts = await loaded([DEBTOR, BUSINESS])
        assert await accounts.facts(DEBTOR.mpxn) == DEBTOR
        assert await accounts.facts(BUSINESS.mpxn) == BUSINESS

    async def test_an_unknown_meter_point_has_no_facts(self, loaded: Loaded) -> None:
        accounts = await loaded([DEBTOR])
        assert await accounts.facts("9912345678901") is None


async def test_loading_again_replaces_an_account(fresh_database_url: str) -> None:
    owner = as_role(fresh_database_url, roles.OWNER)
    await load(owner, [DEBTOR])
    paid = AccountFacts(DEBTOR.mpxn, D)
    assert await load(owner, [paid]) == 1
    pool = await asyncpg.create_pool(as_role(fresh_database_url, roles.APP), min_size=1, max_size=1)
    try:
        assert await PostgresAccounts(pool).facts(DEBTOR.mpxn) == paid
    finally:
        await pool.close()


async def test_the_application_role_reads_but_cannot_change_billings_facts(
    fresh_database_url: str,
) -> None:
    await load(as_role(fresh_database_url, roles.OWNER), [DEBTOR])
    connection = await asyncpg.connect(as_role(fresh_database_url, roles.APP))
    try:
        assert await connection.fetchval("SELECT count(*) FROM account_facts") == 1
        for statement in (
            "UPDATE account_facts SET arrears_pence = 0, oldest_unpaid_due = NULL",
            "DELETE FROM account_facts",
            "INSERT INTO account_facts (mpxn, market_sector) VALUES ('x', 'D')",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement)
    finally:
        await connection.close()


async def test_the_table_refuses_arrears_without_a_due_date(fresh_database_url: str) -> None:
    connection = await asyncpg.connect(as_role(fresh_database_url, roles.OWNER))
    try:
        with pytest.raises(asyncpg.CheckViolationError, match="arrears_have_a_due_date"):
            await connection.execute(
                "INSERT INTO account_facts (mpxn, market_sector, arrears_pence) "
                "VALUES ('x', 'D', 5)"
            )
    finally:
        await connection.close()


async def test_an_unreachable_database_is_unavailable_not_unknown(
    fresh_database_url: str,
) -> None:
    pool = await asyncpg.create_pool(as_role(fresh_database_url, roles.APP), min_size=1, max_size=1)
    accounts = PostgresAccounts(pool)
    await pool.close()
    with pytest.raises(AccountsUnavailable):
        await accounts.facts(DEBTOR.mpxn)


def test_the_export_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "accounts.jsonl"
    assert write_export(path, [DEBTOR, BUSINESS]) == 2
    assert list(read_export(path)) == [DEBTOR, BUSINESS]


@pytest.mark.parametrize(
    ("line", "fault"),
    [
        ('{"mpxn": "1", "marketSector": "X"}', ":2: 'marketSector' must be D or N"),
        ('{"mpxn": "1"}', ":2: 'mpxn' and 'marketSector' are required"),
        ('{"mpxn": "1", "marketSector": "D", "arrearsPence": 5}', "oldest_unpaid_due is set"),
        ('{"mpxn": "1", "marketSector": "D", "arrearsPence": true}', "'arrearsPence' must be"),
        ('{"mpxn": "1", "marketSector": "D", "fixedTermEndDate": "31/03"}', "YYYY-MM-DD"),
        ("[1]", ":2: expected a JSON object"),
        ("{nope", ":2: not JSON"),
    ],
)
def test_a_bad_export_line_is_refused_with_its_number(
    tmp_path: Path, line: str, fault: str
) -> None:
    path = tmp_path / "accounts.jsonl"
    path.write_text('{"mpxn": "0", "marketSector": "D"}\n' + line + "\n")
    with pytest.raises(ExportError) as refused:
        list(read_export(path))
    assert fault in str(refused.value)
