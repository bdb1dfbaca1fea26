"""What stands in front of both simulated enquiry services: a rate limit and injected faults,
plus the `/control` routes that set them and count the answers.

The rate limit is a token bucket per service (`per_second` tokens a second, up to
`burst`): a request finding it empty is answered 429 with `Retry-After` (whole seconds
until a token is due). Faults are the CSS simulator's `FaultSettings`, of which these
services use `error_rate` / `fail_next` (answered 503), `delay_rate` / `delay_seconds`
(answered late) and `seed`.

Controls (no rate limit or faults on them; mutual TLS still applies):

    GET|POST /control/faults        {"error_rate", "fail_next", "delay_rate", ...}
    GET|POST /control/rate-limit    {"perSecond": 5, "burst": 10}  (perSecond 0: none)
    GET      /control/stats         {"answered": {"200": 12, "429": 3, ...}}
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from css.errors import InvalidMessage
from simulator.faults import FaultInjector, FaultSettings


@dataclass(frozen=True)
class RateLimit:
    per_second: float = 0.0  # 0 means no limit
    burst: int = 10

    def __post_init__(self) -> None:
        if self.per_second < 0:
            raise ValueError(f"perSecond must not be negative, got {self.per_second}")
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, got {self.burst}")


class TokenBucket:
    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._tokens = float(limit.burst)
        self._at = clock()

    def take(self) -> float:
        """0 when a token was taken; otherwise the seconds until one is due."""
        if self.limit.per_second <= 0:
            return 0.0
        now = self._clock()
        self._tokens = min(
            self.limit.burst, self._tokens + (now - self._at) * self.limit.per_second
        )
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.limit.per_second


@dataclass(frozen=True)
class Refused:
    status_code: int
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class Gate:
    """Admits a request or says how to refuse it; counts every answer."""

    def __init__(self, faults: FaultSettings, limit: RateLimit) -> None:
        self.faults = FaultInjector(faults)
        self.bucket = TokenBucket(limit)
        self.answered: Counter[int] = Counter()

    async def admit(self) -> Refused | None:
        wait = self.bucket.take()
        if wait > 0:
            return Refused(429, max(1, math.ceil(wait)))
        if self.faults.fail_request():
            return Refused(503)
        delay = self.faults.delay()
        if delay:
            await asyncio.sleep(delay)
        return None

    def count(self, response: Response) -> Response:
        self.answered[response.status_code] += 1
        return response

    def set_rate_limit(self, limit: RateLimit) -> None:
        self.bucket = TokenBucket(limit)


async def _body(request: Request) -> dict[str, object]:
    if request.method != "POST":
        return {}
    try:
        raw = await request.json()
    except ValueError:
        raise InvalidMessage("control request: the body is not JSON") from None
    if not isinstance(raw, dict):
        raise InvalidMessage("control request: expected a JSON object")
    return raw


def control_routes(gate: Gate) -> list[Route]:
    async def faults(request: Request) -> Response:
        try:
            changes = await _body(request)
            if changes:
                gate.faults.configure(gate.faults.settings.updated(changes))
        except InvalidMessage as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse(gate.faults.settings.to_wire())

    async def rate_limit(request: Request) -> Response:
        try:
            changes = await _body(request)
            if changes:
                current = gate.bucket.limit
                per_second = changes.get("perSecond", current.per_second)
                burst = changes.get("burst", current.burst)
                if not isinstance(per_second, int | float) or not isinstance(burst, int):
                    raise InvalidMessage("rate-limit: perSecond is a number, burst a whole number")
                gate.set_rate_limit(RateLimit(float(per_second), burst))
        except (InvalidMessage, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        limit = gate.bucket.limit
        return JSONResponse({"perSecond": limit.per_second, "burst": limit.burst})

    async def stats(request: Request) -> Response:
        return JSONResponse({"answered": {str(k): v for k, v in sorted(gate.answered.items())}})

    return [
        Route("/control/faults", faults, methods=["GET", "POST"]),
        Route("/control/rate-limit", rate_limit, methods=["GET", "POST"]),
        Route("/control/stats", stats, methods=["GET"]),
    ]
