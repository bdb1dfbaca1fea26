"""The codec server's HTTP app: Temporal's remote codec protocol for the UI and the CLI.

    POST /{namespace}/decode | /{namespace}/encode     (the CLI's --codec-endpoint .../{namespace})
    POST /decode | /encode                              (namespace in the X-Namespace header)
    POST /ui/{token}/decode | /ui/{token}/encode        (the dev UI's endpoint, see below)

Bodies are `{"payloads": [...]}` in protobuf JSON (metadata values and data in base64), in
and out. Decoding decrypts with the engine's payload codec, then opens every sealed personal
field it finds in JSON payloads through the vault (its text, or that it was erased): the
UI and the CLI show operators what a switch carried, while Temporal stores ciphertext.

Only operators may call it: each request carries the operator token as
`Authorization: Bearer <token>`. The Temporal dev server's UI can send neither a header nor
a client certificate, so the dev stack gives it an endpoint with the token in the path
(`/ui/<token>`); anyone who can open that UI can then decode, which is why the dev UI and
this server listen on loopback only. Browsers reach it cross-origin, so the UI's origins
are allowed by CORS (preflight included); no other origin is.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Final

from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payload, Payloads

from observability import gateway
from privacy.codec import EncryptionCodec
from privacy.errors import PrivacyError
from privacy.reveal import Opener, reveal

log = logging.getLogger("switching.codec_server")

MAX_BODY_BYTES: Final = 4 * 1024 * 1024
_JSON: Final = b"json/plain"


@dataclass(frozen=True)
class CodecServerConfig:
    token: str
    namespaces: frozenset[str]
    allowed_origins: frozenset[str]
    max_body_bytes: int = MAX_BODY_BYTES


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def build_app(codec: EncryptionCodec, opener: Opener, config: CodecServerConfig) -> Starlette:
    async def decode(payloads: list[Payload]) -> tuple[list[Payload], int]:
        decoded = await codec.decode(payloads)
        opened = [await _reveal_payload(p, opener) for p in decoded]
        return [p for p, _ in opened], sum(n for _, n in opened)

    async def encode(payloads: list[Payload]) -> tuple[list[Payload], int]:
        return await codec.encode(payloads), 0

    def endpoint(direction: str, work: _Work) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            try:
                _authorise(request, config.token)
                namespace = _namespace(request, config.namespaces)
                payloads = await _payloads(request, config.max_body_bytes)
            except _Refused as refused:
                gateway.codec_request(direction, refused.status)
                return JSONResponse({"error": str(refused)}, status_code=refused.status)
            try:
                result, opened = await work(payloads)
            except PrivacyError as error:
                # The message names a key or a customer reference, never a payload's content.
                log.warning("%s refused for namespace %s: %s", direction, namespace, error)
                gateway.codec_request(direction, 422)
                return JSONResponse({"error": str(error)}, status_code=422)
            gateway.codec_request(direction, 200)
            log.info(
                "%s: %d payload(s) for namespace %s, %d sealed field(s) opened",
                direction,
                len(payloads),
                namespace,
                opened,
            )
            body = json_format.MessageToJson(Payloads(payloads=result))
            return Response(body, media_type="application/json")

        return handle

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [Route("/health", health, methods=["GET"])]
    for direction, work in (("decode", decode), ("encode", encode)):
        handle = endpoint(direction, work)
        for path in (f"/{direction}", f"/{{namespace}}/{direction}", f"/ui/{{token}}/{direction}"):
            routes.append(Route(path, handle, methods=["POST"]))
    cors = Middleware(
        CORSMiddleware,
        allow_origins=sorted(config.allowed_origins),
        allow_methods=["POST"],
        allow_headers=["authorization", "content-type", "x-namespace"],
        max_age=600,
    )
    return Starlette(routes=routes, middleware=[cors])


_Work = Callable[[list[Payload]], Awaitable[tuple[list[Payload], int]]]


def _authorise(request: Request, token: str) -> None:
    presented = request.path_params.get("token")
    if presented is None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value:
            raise _Refused(401, "an operator token is required: Authorization: Bearer <token>")
        presented = value.strip()
    if not hmac.compare_digest(presented.encode(), token.encode()):
        raise _Refused(401, "the operator token is not valid")


def _namespace(request: Request, served: Iterable[str]) -> str:
    named = request.path_params.get("namespace") or request.headers.get("x-namespace")
    served = sorted(served)
    if named is None:
        if len(served) == 1:
            return served[0]
        raise _Refused(400, "name the namespace in the path or the X-Namespace header")
    if named not in served:
        raise _Refused(404, f"namespace {named!r} is not served here (serving {', '.join(served)})")
    return str(named)


async def _payloads(request: Request, limit: int) -> list[Payload]:
    body = await request.body()
    if len(body) > limit:
        raise _Refused(413, f"the body is {len(body)} bytes; at most {limit} are accepted")
    try:
        parsed = json_format.Parse(body or b"{}", Payloads())
    except json_format.ParseError as error:
        shape = '{"payloads": [...]} in protobuf JSON'
        raise _Refused(400, f"the body is not {shape}: {error}") from None
    return list(parsed.payloads)


async def _reveal_payload(payload: Payload, opener: Opener) -> tuple[Payload, int]:
    if payload.metadata.get("encoding") != _JSON:
        return payload, 0
    try:
        value = json.loads(payload.data)
    except ValueError:
        return payload, 0
    opened, count = await reveal(value, opener)
    if count == 0:
        return payload, 0
    data = json.dumps(opened, separators=(",", ":")).encode()
    return Payload(metadata=dict(payload.metadata), data=data), count
