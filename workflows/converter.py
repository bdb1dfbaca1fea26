"""The data converter every client and worker of the engine uses.

Temporal's default JSON converter knows instants but not calendar dates; supply start dates
are dates, so they travel as ISO-8601 strings ("2026-12-02") and are typed back on the way
in. A signup service in another language sends the same plain JSON, then encrypts it with
the engine's payload codec (see `privacy.codec`).

A dataclass whose record has a shape of its own (a value object written flat, or a
versioned contract such as `SwitchState`) travels as the record `domain.records` writes,
the same one the event store keeps, and is decoded (and upcast) by it.

`data_converter(codec)` is the engine's converter: with the codec, every payload and failure
message is encrypted. `DATA_CONVERTER`, without one, reads what holds no ciphertext: the
decoded histories of audit bundles.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
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

from domain.records import from_record, is_shaped, to_record


class _Encoder(AdvancedJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, date) and not isinstance(o, datetime):
            return o.isoformat()
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            if is_shaped(type(o)):
                return to_record(o)
            # One level at a time, so a shaped dataclass inside a plain one is seen here
            # rather than flattened by `dataclasses.asdict`.
            return {field.name: getattr(o, field.name) for field in dataclasses.fields(o)}
        return super().default(o)


class _TypeConverter(JSONTypeConverter):
    def to_typed_value(self, hint: type, value: Any) -> Any:
        if hint is date and isinstance(value, str):
            return date.fromisoformat(value)
        if isinstance(value, Mapping) and isinstance(hint, type) and is_shaped(hint):
            return from_record(hint, value)
        return JSONTypeConverter.Unhandled


class _PayloadConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        json_converter = JSONPlainPayloadConverter(
            encoder=_Encoder, custom_type_converters=[_TypeConverter()]
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
    return json.dumps(value, cls=_Encoder, sort_keys=True)
