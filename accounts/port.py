"""What the engine asks of the supplier's billing system, and how that can fail."""

from __future__ import annotations

from typing import Protocol

from domain.accounts import AccountFacts


class AccountsError(Exception):
    """Base of the accounts port's errors; `retryable` says whether asking again may help."""

    retryable: bool = False


class AccountsUnavailable(AccountsError):
    """The billing system (or its copy) did not answer; ask again later."""

    retryable = True


class AccountsFault(AccountsError):
    """The billing system answered with facts that cannot be true; asking again will not help."""


class Accounts(Protocol):
    async def facts(self, mpxn: str) -> AccountFacts | None:
        """The facts about the account supplied through `mpxn`; None when billing has none.

        Raises `AccountsUnavailable` or `AccountsFault`, nothing else.
        """
        ...


class InMemoryAccounts:
    """Accounts in a dict: for unit tests and the workflow tests' fakes."""

    def __init__(self, known: dict[str, AccountFacts] | None = None) -> None:
        self._known = dict(known or {})
        #: Raised by `facts` while set (an unreachable billing system).
        self.failure: AccountsError | None = None

    def put(self, facts: AccountFacts) -> None:
        self._known[facts.mpxn] = facts

    async def facts(self, mpxn: str) -> AccountFacts | None:
        if self.failure is not None:
            raise self.failure
        return self._known.get(mpxn)
