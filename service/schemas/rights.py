"""Data-subject requests: input, query and output."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.domain import rights

_ident = {"validate": validate.Length(min=1, max=320), "allow_none": True}



class IdentifiersIn(Schema):
    customer_number = fields.String(**_ident)  # type: ignore[arg-type]
    email = fields.String(**_ident)  # type: ignore[arg-type]
    phone = fields.String(**_ident)  # type: ignore[arg-type]



class RequestIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(rights.KINDS))
    received_at = fields.AwareDateTime(
        metadata={"description": "When the request really arrived (default: now)."})
    identifiers = fields.Nested(IdentifiersIn,
                                metadata={"description": "Corrected values (rectification)."})

    @validates_schema
    def _identifiers_only_for_rectification(self, data: dict[str, Any], **kw: Any) -> None:
        if (data["kind"] == "rectification") != ("identifiers" in data):
            raise ValidationError("identifiers are given with, and only with, rectification.",
                                  "identifiers")



class RequestOut(Schema):
    id = fields.String(required=True)
    subject = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    via = fields.String(required=True)
    received_at = fields.String(required=True)
    completed_at = fields.String(allow_none=True)
    outcome = fields.Dict(required=True, metadata={"description": (
        "Counts only, no personal data. Erasure: identifiers_removed, permissions_withdrawn, "
        "key_destroyed, and storage_purged (whether the deleted key and identifiers were "
        "also removed from the database files and write-ahead log; false: run "
        "`lupa subject purge-erased`).")})



class RequestResultOut(Schema):
    request = fields.Nested(RequestOut, required=True)
    export = fields.Dict(metadata={"description": "Access requests: everything held, portable."})



class RequestListOut(Schema):
    requests = fields.List(fields.Nested(RequestOut), required=True)



class RequestListQuery(Schema):
    open = fields.Boolean(load_default=False)

