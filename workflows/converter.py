"""The data converter every client and worker of the engine uses.

Temporal's default JSON converter knows instants but not calendar dates; supply start dates
are dates, so they travel as ISO-8601 strings ("2026-12-02") and are typed back on the way
in. A signup service in another language sends the same plain JSON.
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


DATA_CONVERTER: DataConverter = dataclasses.replace(
    DataConverter.default, payload_converter_class=_PayloadConverter
)


def to_json(value: object) -> str:
    """The JSON a payload of `value` carries (for documentation and exported histories)."""
    return json.dumps(value, cls=_DateEncoder, sort_keys=True)
