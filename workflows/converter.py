"""The data converter every client and worker of the engine uses.

Temporal's default JSON converter knows instants but not calendar dates; supply start dates
are dates, so they travel as ISO-8601 strings ("2026-12-02") and are typed back on the way
in. A signup service in another language sends the same plain JSON, then encrypts it with
the engine's payload codec (see `privacy.codec`).

`data_converter(codec)` is the engine's converter: with the codec, every payload and failure
message is encrypted. `DATA_CONVERTER`, without one, reads what holds no ciphertext: the
decoded histories of audit bundles.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from temporalio.converter import (
    AdvancedJSONEncoder,
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    PayloadCodec,
)
from temporalio.converter import (
    DefaultFailureConverterWithEncodedAttributes as _FailureConverter,
)


class _DateEncoder(AdvancedJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, date) and not isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


class _DateTypeConverter(JSONTypeConverter):
    def to_typed_value(self, hint: type, value: Any) -> Any:
        if hint is date and isinstance(value, str):
            return date.fromisoformat(value)
        return JSONTypeConverter.Unhandled


class _PayloadConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        json_converter = JSONPlainPayloadConverter(
            encoder=_DateEncoder, custom_type_converters=[_DateTypeConverter()]
        )
        super().__init__(
            *(
                json_converter if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


def data_converter(codec: PayloadCodec | None) -> DataConverter:
    """The engine's converter; with a codec, failure messages and stack traces travel as
    encoded attributes too, so an error's text is encrypted like any payload."""
    if codec is None:
        return dataclasses.replace(DataConverter.default, payload_converter_class=_PayloadConverter)
    return dataclasses.replace(
        DataConverter.default,
        payload_converter_class=_PayloadConverter,
        payload_codec=codec,
        failure_converter_class=_FailureConverter,
    )


DATA_CONVERTER: DataConverter = data_converter(None)


def to_json(value: object) -> str:
    """The JSON a payload of `value` carries (for documentation and exported histories)."""
    return json.dumps(value, cls=_DateEncoder, sort_keys=True)
