"""Shapes shared by several resources."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from service.models.apikey import ROLES


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Raw()


class SiteOut(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    origins = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True)


class NoticeVersionOut(Schema):
    number = fields.Integer(required=True)
    content_hash = fields.String(required=True)
    categories_hash = fields.String(required=True)
    published_at = fields.DateTime(required=True)
    published_by = fields.String(required=True)
    data = fields.Dict(required=True)
    # On publish only: what GDPR art. 13/14 expects but the notice lacks (never blocks it).
    warnings = fields.List(fields.Dict(), dump_only=True)


class NoticeIn(Schema):
    """A notice as docs/notice-format.md describes it; validated by the notices domain against
    the site's languages (errors as 422 problem+json with 1-based paths)."""

    class Meta:
        unknown = INCLUDE


class NoticeVersionSummary(Schema):
    number = fields.Integer(required=True)
    content_hash = fields.String(required=True)
    categories_hash = fields.String(required=True)
    published_at = fields.DateTime(required=True)


class KeyIn(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    label = fields.String(allow_none=True, validate=validate.Length(max=120))


class KeyInfoOut(Schema):
    """A key as listed: never its secret."""

    key_id = fields.String(required=True)
    role = fields.String(required=True)
    label = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(allow_none=True, metadata={
        "description": "The audit actor that created it: key:<id>, cli:<user> or system "
                       "(null for keys created before this was recorded)."})
    last_used_at = fields.DateTime(allow_none=True, metadata={
        "description": "The last authenticated use, to the minute (null: never used)."})
    revoked_at = fields.DateTime(allow_none=True)


class KeyOut(KeyInfoOut):
    key = fields.String(metadata={"description": "The secret key, shown only once."})
