"""The structured privacy notice: sections in the order of a Finnish tietosuojaseloste."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

LANGUAGES = ("fi", "sv", "en")
KEY = validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$", error="Use 2-32 lowercase letters, digits, _.")
LEGAL_BASES = ("consent", "contract", "legitimate_interest", "legal_obligation")
RIGHTS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "portability",
    "prohibit_marketing",
    "complaint",
)
CHANNELS = ("email", "sms", "phone", "post")
# What a marketing purpose rests on, and the prohibitions a notice may offer (the domain's
# marketing.states.Basis and marketing.kinds.ProhibitionKind; a test keeps them equal).
MARKETING_BASES = ("consent", "customer_relationship", "unless_prohibited")
PROHIBITION_KINDS = ("direct_marketing", "distance_selling", "market_research",
                     "address_disclosure", "list_publication")


def _text(max_len: int = 20000) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=max_len))


class LocalizedText(Schema):
    fi = _text()
    sv = _text()
    en = _text()


def _l10n(**kwargs: Any) -> fields.Nested:
    return fields.Nested(LocalizedText, required=True, **kwargs)


class Controller(Schema):
    name = _text(200)
    business_id = fields.String(validate=validate.Length(max=40))
    address = _text(400)
    email = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=60))


class Contact(Schema):
    name = _text(200)
    address = fields.String(validate=validate.Length(max=400))
    email = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=60))


class Purpose(Schema):
    text = _l10n()
    legal_basis = fields.String(required=True, validate=validate.OneOf(LEGAL_BASES))


class Transfers(Schema):
    transfers = fields.Boolean(required=True)
    text = _l10n()


class Retention(Schema):
    key = fields.String(required=True, validate=KEY)
    months = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1200))
    text = _l10n()


class Right(Schema):
    key = fields.String(required=True, validate=validate.OneOf(RIGHTS))
    text = _l10n()


class Cookie(Schema):
    name = fields.String(
        required=True, validate=validate.Regexp(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$")
    )
    vendor = _text(200)
    duration = _l10n()
    purpose = _l10n()


class CookieCategory(Schema):
    key = fields.String(required=True, validate=KEY)
    required = fields.Boolean(required=True)
    title = _l10n()
    description = _l10n()
    cookies = fields.List(fields.Nested(Cookie), required=True, validate=validate.Length(max=200))


class MarketingPurpose(Schema):
    key = fields.String(required=True, validate=KEY)
    title = _l10n()
    description = _l10n()
    basis = fields.String(validate=validate.OneOf(MARKETING_BASES))  # absent: consent


class Marketing(Schema):
    purposes = fields.List(fields.Nested(MarketingPurpose), required=True)
    channels = fields.List(
        fields.String(validate=validate.OneOf(CHANNELS)), required=True,
        validate=validate.Length(min=1),
    )
    prohibitions = fields.List(fields.String(validate=validate.OneOf(PROHIBITION_KINDS)),
                               validate=validate.Length(max=len(PROHIBITION_KINDS)))  # absent: []


class Banner(Schema):
    title = _l10n()
    text = _l10n()


class NoticeSchema(Schema):
    """A whole notice; unknown keys are rejected so that typos do not publish silently."""

    prepared = fields.Date(required=True)
    register_name = _l10n()
    controller = fields.Nested(Controller, required=True)
    contact = fields.Nested(Contact, required=True)
    purposes = fields.List(fields.Nested(Purpose), required=True, validate=validate.Length(min=1))
    data_subjects = _l10n()
    data_content = _l10n()
    sources = _l10n()
    recipients = _l10n()
    transfers_outside_eea = fields.Nested(Transfers, required=True)
    security = _l10n()
    retention = fields.List(fields.Nested(Retention), required=True)
    rights = fields.List(fields.Nested(Right), required=True)
    cookie_categories = fields.List(
        fields.Nested(CookieCategory), required=True, validate=validate.Length(min=1, max=20)
    )
    marketing = fields.Nested(Marketing, required=True)
    banner = fields.Nested(Banner, required=True)

    @validates_schema
    def _categories_rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        cats = data.get("cookie_categories") or []
        keys = [c["key"] for c in cats]
        if len(set(keys)) != len(keys):
            raise ValidationError("Category keys must be unique.", "cookie_categories")
        if "necessary" not in keys:
            raise ValidationError("A 'necessary' category is required.", "cookie_categories")
        for cat in cats:
            if cat["required"] != (cat["key"] == "necessary"):
                raise ValidationError(
                    "Only the 'necessary' category is required, and it must be.",
                    "cookie_categories",
                )
        mkeys = [p["key"] for p in (data.get("marketing") or {}).get("purposes", [])]
        if len(set(mkeys)) != len(mkeys):
            raise ValidationError("Marketing purpose keys must be unique.", "marketing")
        rkeys = [r["key"] for r in data.get("retention") or []]
        if len(set(rkeys)) != len(rkeys):
            raise ValidationError("Retention keys must be unique.", "retention")


def load_notice(raw: Any) -> dict[str, Any]:
    """Validate notice data and return it in canonical form (dates as ISO strings)."""
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": ["A notice must be an object."]})
    data: dict[str, Any] = NoticeSchema().load(raw)
    data["prepared"] = data["prepared"].isoformat()
    return data
