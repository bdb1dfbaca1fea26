"""The facts about the account on one meter point, as the supplier's billing system holds them.

The engine never owns these: it reads them through the accounts port (`accounts/`) when a
customer leaves, and the objection policy decides from them. Amounts are whole pence; a
date is the London calendar day the billing system gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.errors import DomainError
from domain.identifiers import MarketSector


class InvalidAccountFacts(DomainError):
    """Account facts that cannot be true together; the message names the field."""


@dataclass(frozen=True)
class AccountFacts:
    """What billing knows about the account supplied through `mpxn`.

    `oldest_unpaid_due` is the due date of the oldest amount still unpaid: set exactly when
    there are arrears. `fixed_term_end` is the last day a fixed-term contract covers (None:
    no fixed term). `debt_assignment_agreed`: the customer agreed that the debt moves to the
    new supplier, so it is no reason to keep them.
    """

    mpxn: str
    market_sector: MarketSector
    arrears_pence: int = 0
    oldest_unpaid_due: date | None = None
    fixed_term_end: date | None = None
    debt_assignment_agreed: bool = False

    def __post_init__(self) -> None:
        if not self.mpxn.strip():
            raise InvalidAccountFacts("account facts: mpxn must not be empty")
        if isinstance(self.arrears_pence, bool) or not isinstance(self.arrears_pence, int):
            raise InvalidAccountFacts("account facts: arrears_pence must be whole pence")
        if self.arrears_pence < 0:
            raise InvalidAccountFacts(
                f"account facts for {self.mpxn}: arrears_pence must not be negative, "
                f"got {self.arrears_pence}"
            )
        if (self.arrears_pence > 0) != (self.oldest_unpaid_due is not None):
            raise InvalidAccountFacts(
                f"account facts for {self.mpxn}: oldest_unpaid_due is set exactly when there "
                f"are arrears (arrears_pence {self.arrears_pence}, "
                f"oldest_unpaid_due {self.oldest_unpaid_due})"
            )

    def days_overdue(self, on: date) -> int:
        """How many days past its due date the oldest unpaid amount is on `on` (0: none)."""
        if self.oldest_unpaid_due is None:
            return 0
        return max((on - self.oldest_unpaid_due).days, 0)
