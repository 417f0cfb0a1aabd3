"""The promise report: its period (query) and its output."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.domain import promises


class ReportQuery(Schema):
    since = fields.AwareDateTime(metadata={"description": "Records made at or after this time."})
    until = fields.AwareDateTime(metadata={"description": "Records made before this time."})

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("since must be before until.", "until")


class PromiseOut(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    notice = fields.String(required=True, metadata={
        "description": "The section or item of the notice it checks, e.g. "
                       "`retention.bookkeeping`, `cookie_categories.statistics`, `transfers`."})
    sentence = fields.String(allow_none=True, metadata={
        "description": "The notice's own words for it, in the site's first language, "
                       "shortened (null when the notice has none)."})
    status = fields.String(required=True, validate=validate.OneOf(list(promises.STATUSES)),
                           metadata={"description": "docs/promises.md"})
    summary = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    evidence = fields.List(fields.Dict(), required=True,
                           metadata={"description": "At most 20 items; pseudonymous ids only."})
    evidence_total = fields.Integer(required=True)


class PromiseReportOut(Schema):
    site = fields.String(required=True)
    site_name = fields.String(required=True)
    generated_at = fields.String(required=True)
    since = fields.String(allow_none=True)
    until = fields.String(allow_none=True)
    notice_version = fields.Integer(allow_none=True)
    ok = fields.Boolean(required=True)
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    promises = fields.List(fields.Nested(PromiseOut), required=True)
