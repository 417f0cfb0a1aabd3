"""Consent API shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from service.domain.consent import ConsentMethod


class StrictBoolean(fields.Boolean):
    """Only JSON true/false: "yes", 1 or "true" are errors, not guesses."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


class ConsentIn(Schema):
    visitor_id = fields.String(validate=validate.Length(max=36), allow_none=True)
    notice_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    choices = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=32)),
        values=StrictBoolean(),
        required=True,
        validate=validate.Length(max=20),
    )
    method = fields.String(required=True,
                           validate=validate.OneOf([m.value for m in ConsentMethod]))


class ConsentOut(Schema):
    visitor_id = fields.String(required=True)
    notice_version = fields.Integer(required=True)
    choices = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True)
    method = fields.String(required=True)
    recorded_at = fields.String(required=True)


class ConsentHistoryOut(Schema):
    visitor_id = fields.String(required=True)
    events = fields.List(fields.Nested(ConsentOut), required=True)
