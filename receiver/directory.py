"""Finding the switch a CSS registration belongs to, behind a small interface.

CSS speaks of its own `registrationId`; our workflows are keyed by switch id. Production
reads the registration -> switch projection (`readmodels.registrations`); tests use the
in-memory one. CSS may notify before any switch has recorded the registration; the caller
then keeps the notification and asks again.
"""

from __future__ import annotations

from typing import Protocol


class SwitchDirectory(Protocol):
    async def switch_for(self, registration_id: str) -> str | None:
        """The switch id holding `registration_id`, or None while none is known."""
        ...


class InMemorySwitchDirectory:
    def __init__(self, known: dict[str, str] | None = None) -> None:
        self._known = dict(known or {})

    def add(self, registration_id: str, switch_id: str) -> None:
        self._known[registration_id] = switch_id

    async def switch_for(self, registration_id: str) -> str | None:
        return self._known.get(registration_id)
