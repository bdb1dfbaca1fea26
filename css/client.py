"""The supplier's client for CSS: mutual TLS, every request signed, every answer verified.

HTTP and TLS failures are translated into `css.errors` in one place (`_send`):
5xx, 429, timeouts and connection errors become the retryable `CssUnavailable`; a 4xx
becomes `CssRejected` (or `CssConflict` for 409) carrying CSS's reason code; an answer that
fails signature verification or does not have the expected shape becomes `BadSignature`
or `InvalidMessage`. Retrying is the caller's decision (an activity's retry policy), so
this client never retries by itself.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

import httpx
from opentelemetry.trace import SpanKind

from css import jws, tls
from css.errors import CssConflict, CssRejected, CssUnavailable, InvalidMessage
from css.keyring import LiveSigningKey, LiveTrustedKeys
from css.losses import (
    ANNULMENT,
    LIFT,
    OBJECTION,
    LossActionRequest,
    LossRequestAck,
    ObjectionRequest,
    parse_loss_request_ack,
    request_path,
)
from css.messages import (
    RegistrationAck,
    RegistrationRequest,
    RegistrationStatus,
    WithdrawalRequest,
    parse_error_body,
    parse_registration_ack,
    parse_registration_status,
)
from css.pki import PkiPaths
from css.reload import Reloader, ReloadingTls
from css.wire import encode
from observability import gateway, tracing

__all__ = [
    "CssClient",
    "RegistrationAck",
    "RegistrationRequest",
    "RegistrationStatus",
]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_JSON = "application/json"


_LITERAL_SEGMENT = re.compile(r"[a-z][a-z-]*|v\d+")


def route_of(path: str) -> str:
    """The path with each identifier replaced by `{id}`, as metrics label it (a label per
    registration would make a series per registration)."""
    return "/".join(
        part if not part or _LITERAL_SEGMENT.fullmatch(part) else "{id}" for part in path.split("/")
    )


@dataclass(frozen=True)
class _Answer:
    status_code: int
    body: bytes


class CssClient:
    """An async context manager holding one connection pool to CSS."""

    def __init__(
        self,
        base_url: str,
        *,
        tls_context: ssl.SSLContext,
        signing_key: jws.SigningKey | LiveSigningKey,
        css_keys: Mapping[str, jws.VerificationKey],
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        reloader: Reloader | None = None,
    ) -> None:
        self._signing_key = signing_key
        self._css_keys = css_keys
        #: Checked before each request, so a renewed certificate or a rotated key is used
        #: without a restart; the worker also refreshes it on SIGHUP.
        self.reloader = reloader or Reloader([])
        self._http = httpx.AsyncClient(
            base_url=base_url,
            verify=tls_context,
            timeout=timeout,
            trust_env=False,
            follow_redirects=False,
        )

    @classmethod
    def from_pki(
        cls, base_url: str, pki_dir: Path, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT
    ) -> CssClient:
        """Our client certificate, CSS's CA pinned, our newest JWS key, CSS's published keys;
        each reloaded when its files change."""
        paths = PkiPaths(pki_dir)
        context = tls.supplier_client_context(paths)
        signing = LiveSigningKey(paths.supplier_jws_dir)
        css_keys = LiveTrustedKeys(paths.css_jws_dir)
        identity = ReloadingTls(
            "the CSS client certificate", context, paths.supplier_client, paths.industry_ca.cert
        )
        return cls(
            base_url,
            tls_context=context,
            signing_key=signing,
            css_keys=css_keys,
            timeout=timeout,
            reloader=Reloader([identity, signing, css_keys]),
        )

    @property
    def signing_kid(self) -> str:
        return self._current_key().kid

    def _current_key(self) -> jws.SigningKey:
        key = self._signing_key
        return key.current if isinstance(key, LiveSigningKey) else key

    async def __aenter__(self) -> CssClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def submit_registration(self, req: RegistrationRequest) -> RegistrationAck:
        answer = await self._exchange("POST", "/v1/registrations", encode(req.to_wire()), 202)
        ack = parse_registration_ack(answer.body)
        if ack.message_id != req.message_id:
            raise InvalidMessage(
                f"registration acknowledgement is for message {ack.message_id!r}, "
                f"not {req.message_id!r}",
                "messageId",
            )
        return ack

    async def withdraw_registration(
        self, registration_id: str, message_id: str, reason: str
    ) -> None:
        request = WithdrawalRequest(message_id, datetime.now(UTC), reason)
        path = f"/v1/registrations/{quote(registration_id, safe='')}/withdrawal"
        await self._exchange("POST", path, encode(request.to_wire()), 202)

    async def get_registration(self, registration_id: str) -> RegistrationStatus:
        path = f"/v1/registrations/{quote(registration_id, safe='')}"
        answer = await self._exchange("GET", path, b"", 200)
        status = parse_registration_status(answer.body)
        if status.registration_id != registration_id:
            raise InvalidMessage(
                f"status is for registration {status.registration_id!r}, not {registration_id!r}",
                "registrationId",
            )
        return status

    # --- as the losing supplier, on another supplier's registration -----------------------

    async def object_to_registration(
        self, registration_id: str, request: ObjectionRequest
    ) -> LossRequestAck:
        return await self._loss_request(registration_id, OBJECTION, request)

    async def lift_objection(
        self, registration_id: str, request: LossActionRequest
    ) -> LossRequestAck:
        return await self._loss_request(registration_id, LIFT, request)

    async def annul_registration(
        self, registration_id: str, request: LossActionRequest
    ) -> LossRequestAck:
        return await self._loss_request(registration_id, ANNULMENT, request)

    async def _loss_request(
        self, registration_id: str, action: str, request: ObjectionRequest | LossActionRequest
    ) -> LossRequestAck:
        path = request_path(registration_id, action)
        answer = await self._exchange("POST", path, encode(request.to_wire()), 202)
        ack = parse_loss_request_ack(answer.body)
        if ack.message_id != request.message_id or ack.registration_id != registration_id:
            raise InvalidMessage(
                f"{action} acknowledgement is for {ack.registration_id}/{ack.message_id}, "
                f"not {registration_id}/{request.message_id}",
                "messageId",
            )
        return ack

    async def _exchange(self, method: str, path: str, body: bytes, expected: int) -> _Answer:
        """Send one signed request, counted and timed by its route."""
        route = route_of(path)
        attributes = {"http.request.method": method, "url.template": route}
        with (
            gateway.css_call(f"{method} {route}"),
            tracing.span(f"CSS {method} {route}", attributes, kind=SpanKind.CLIENT) as current,
        ):
            answer = await self._send(method, path, body, expected)
            current.set_attribute("http.response.status_code", answer.status_code)
            return answer

    async def _send(self, method: str, path: str, body: bytes, expected: int) -> _Answer:
        """The single point where httpx errors become ours."""
        what = f"{method} {path}"
        self.reloader.refresh_if_due()
        headers = {jws.SIGNATURE_HEADER: jws.sign(body, self._current_key()), "Accept": _JSON}
        headers |= tracing.carrier()
        if body:
            headers["Content-Type"] = _JSON
        try:
            response = await self._http.request(method, path, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise CssUnavailable(
                f"CSS did not answer {what} in time ({type(exc).__name__})"
            ) from exc
        except httpx.HTTPError as exc:
            raise CssUnavailable(
                f"CSS unreachable for {what}: {type(exc).__name__}: {exc}"
            ) from exc
        return self._check(what, response, expected)

    def _check(self, what: str, response: httpx.Response, expected: int) -> _Answer:
        status, body = response.status_code, response.content
        if status >= 500 or status == 429:
            # Not verified: nothing in a failure to serve is acted on, and proxies in front
            # of CSS answer 5xx unsigned.
            raise CssUnavailable(f"CSS answered {status} to {what}", status)
        jws.verify(body, response.headers.get(jws.SIGNATURE_HEADER), self._css_keys)
        if 400 <= status < 500:
            error = parse_error_body(body)
            kind = CssConflict if status == 409 else CssRejected
            raise kind(status, error.reason_code, error.detail)
        if status != expected:
            raise InvalidMessage(f"CSS answered {status} to {what}, expected {expected}")
        return _Answer(status, body)
