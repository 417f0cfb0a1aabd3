"""The structured privacy notice, format 2 (docs/notice-format.md): types and allowed values.

Cross-field rules (duplicates, the site's languages, Lupa's retention keys) and GDPR warnings
are in service/domain/notices/rules.py and checks.py; this module only says what each field is.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

LANGUAGES = ("fi", "sv", "en")
KEY_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"
KEY = validate.Regexp(KEY_PATTERN, error="Use 2-32 lowercase letters, digits or _, "
                      "starting with a letter.")
LEGAL_BASES = ("consent", "contract", "legal_obligation", "legitimate_interest",
               "customer_relationship")
RIGHTS = ("access", "rectification", "erasure", "restriction", "objection", "portability",
          "withdraw_consent", "prohibit_marketing", "complaint", "other")
CHANNELS = ("email", "sms", "phone", "post")
MARKETING_BASES = ("consent", "customer_relationship", "unless_prohibited")
# What a marketing purpose rests on, and the prohibitions a notice may offer (the domain's
# marketing.states.Basis and marketing.kinds.ProhibitionKind; a test keeps them equal).
PROHIBITION_KINDS = ("direct_marketing", "distance_selling", "market_research",
                     "address_disclosure", "list_publication")
CATEGORY_TYPES = ("necessary", "preferences", "analytics", "marketing")
RETENTION_STARTS = ("collection", "end_of_customer_relationship", "end_of_recruitment",
                    "last_change", "end_of_accounting_year")
SAFEGUARDS = ("adequacy_decision", "standard_contractual_clauses", "binding_corporate_rules",
              "code_or_certification", "derogation", "other")
SECTION_NAMES = ("introduction", "controller", "contact", "dpo", "register_name", "purposes",
                 "requirement", "profiling", "data_subjects", "data_content", "sources",
                 "recipients", "disclosures", "transfers", "security", "retention", "rights",
                 "cookies", "marketing")
MAX_TEXT = 20000
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<!--")
COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="Use an ISO 3166-1 alpha-2 code, e.g. US.")
URL = validate.URL(schemes={"http", "https"}, error="Use an http:// or https:// address.")
COOKIE_NAME = validate.Regexp(r"^[!#$%&'+\-.^_`|~0-9A-Za-z]{1,128}\*?$",
                              error="Use a cookie name, or a prefix ending in *.")

# The languages every localized text must have (the site's); set around a load.
required_languages: ContextVar[tuple[str, ...]] = ContextVar("required_languages",
                                                             default=LANGUAGES)


def one_of(choices: tuple[str, ...]) -> validate.OneOf:
    return validate.OneOf(choices, error="Use one of: {choices}.")


class Localized(fields.Field):
    """A text per language; the site's languages required, no raw HTML."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, dict) or not value:
            raise ValidationError("Use a table of texts by language, e.g. fi = \"...\".")
        errors: dict[str, list[str]] = {}
        for lang, text in value.items():
            if lang not in LANGUAGES:
                errors[str(lang)] = [f"Unknown language; use {', '.join(LANGUAGES)}."]
            elif not isinstance(text, str) or not text.strip():
                errors[lang] = ["Use a non-empty text."]
            elif len(text) > MAX_TEXT:
                errors[lang] = [f"Longer than {MAX_TEXT} characters."]
            elif HTML_TAG.search(text):
                errors[lang] = ["Raw HTML is not allowed; write plain text (blank line = new "
                                "paragraph, \"- \" = list item)."]
        for lang in required_languages.get():
            if lang not in value:
                errors[lang] = ["Missing: the site's languages are required."]
        if errors:
            raise ValidationError(errors)
        return dict(value)


def _l10n(required: bool = False) -> Localized:
    return Localized(required=required)


def _str(max_len: int, required: bool = False) -> fields.String:
    return fields.String(required=required, validate=validate.Length(min=1, max=max_len))


class IsoDate(fields.Field):
    """A date written "YYYY-MM-DD" (or a TOML date), stored as that string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, date):
            return value.isoformat()[:10]
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise ValidationError("Use a date in the format YYYY-MM-DD.")


class Email(fields.String):
    """An e-mail address; "name(at)firm.fi" and "(dot)" forms are normalised."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        text = re.sub(r"\s*[\(\[]\s*at\s*[\)\]]\s*", "@", text.strip(), flags=re.I)
        text = re.sub(r"\s*[\(\[]\s*dot\s*[\)\]]\s*", ".", text, flags=re.I)
        if not re.fullmatch(r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", text) \
                or len(text) > 254:
            raise ValidationError("Use an e-mail address such as name@firm.fi.")
        return text


class Strict(Schema):
    """Unknown keys are errors (marshmallow's default RAISE), kept explicit."""


class Introduction(Strict):
    text = _l10n(required=True)
    legal_reference = _l10n()


class Controller(Strict):
    name = _str(200, required=True)
    business_id = _str(40)
    address = _str(400)
    email = Email()
    phone = _str(60)
    website = fields.String(validate=URL)


class Person(Strict):
    name = _str(200)
    address = _str(400)
    email = Email()
    phone = _str(60)


class Purpose(Strict):
    text = _l10n(required=True)
    legal_basis = fields.String(required=True, validate=one_of(LEGAL_BASES))
    legitimate_interest = _l10n()


class Profiling(Strict):
    used = fields.Boolean(required=True, truthy={True}, falsy={False})
    text = _l10n()


class TransferCountry(Strict):
    country = fields.String(required=True, validate=COUNTRY)
    safeguard = fields.String(required=True, validate=one_of(SAFEGUARDS))
    recipient = _str(200)
    text = _l10n()


class Transfers(Strict):
    outside_eea = fields.Boolean(truthy={True}, falsy={False})
    countries = fields.List(fields.Nested(TransferCountry), load_default=list,
                            validate=validate.Length(max=50))
    text = _l10n()


class Security(Strict):
    paper = _l10n()
    electronic = _l10n()
    access = _l10n()
    text = _l10n()


class RetentionRule(Strict):
    key = fields.String(required=True, validate=KEY)
    data = _l10n()
    months = fields.Integer(strict=True, validate=validate.Range(min=1, max=1200))
    years = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    as_long_as_needed = fields.Boolean(truthy={True}, falsy={False}, validate=validate.Equal(
        True, error="Use true, or leave it out and give months or years."))
    justification = _l10n()
    starts = fields.String(validate=one_of(RETENTION_STARTS))
    text = _l10n()


class Right(Strict):
    key = fields.String(required=True, validate=one_of(RIGHTS))
    title = _l10n()
    text = _l10n(required=True)


class Section(Strict):
    key = fields.String(required=True, validate=KEY)
    title = _l10n(required=True)
    text = _l10n(required=True)
    after = fields.String(validate=one_of(SECTION_NAMES))


class Cookie(Strict):
    name = fields.String(required=True, validate=COOKIE_NAME)
    vendor = _str(200)
    duration = _l10n()
    purpose = _l10n()
    country = fields.String(validate=COUNTRY)


class VendorCookie(Strict):
    name = fields.String(required=True, validate=COOKIE_NAME)
    duration = _l10n()
    purpose = _l10n()


class Vendor(Strict):
    id = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{1,47}$", error="Use lowercase letters, digits or _."))
    name = _str(200, required=True)
    countries = fields.List(fields.String(validate=COUNTRY), load_default=list)
    purpose = _l10n()
    privacy_policy = fields.String(validate=URL)
    cookies = fields.List(fields.Nested(VendorCookie), load_default=list,
                          validate=validate.Length(max=100))


class VendorRef(fields.Field):
    """A vendor: the id of an entry in Lupa's vendor table, or a table of the same shape."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            loaded: dict[str, Any] = Vendor().load(value)
            return loaded
        raise ValidationError("Use a vendor id from Lupa's vendor table, or a vendor table.")


class CookieCategory(Strict):
    key = fields.String(required=True, validate=KEY)
    type = fields.String(required=True, validate=one_of(CATEGORY_TYPES))
    required = fields.Boolean(truthy={True}, falsy={False})
    title = _l10n(required=True)
    description = _l10n()
    cookies = fields.List(fields.Nested(Cookie), load_default=list,
                          validate=validate.Length(max=200))
    vendors = fields.List(VendorRef(), load_default=list, validate=validate.Length(max=50))


class MarketingPurpose(Strict):
    key = fields.String(required=True, validate=KEY)
    title = _l10n(required=True)
    description = _l10n()
    basis = fields.String(load_default="consent", validate=one_of(MARKETING_BASES))


class Marketing(Strict):
    text = _l10n()
    purposes = fields.List(fields.Nested(MarketingPurpose), load_default=list,
                           validate=validate.Length(max=50))
    channels = fields.List(fields.String(validate=one_of(CHANNELS)), load_default=list)
    prohibitions = fields.List(fields.String(validate=one_of(PROHIBITION_KINDS)), load_default=list)


class Banner(Strict):
    title = _l10n()
    text = _l10n()


class NoticeSchema(Strict):
    """A whole notice in format 2; unknown keys are rejected so that typos do not publish."""

    format = fields.Integer(required=True, strict=True, validate=validate.Equal(
        2, error="This is format 2 (docs/notice-format.md); leave it out for format 1."))
    prepared = IsoDate()
    updated = IsoDate()
    introduction = fields.Nested(Introduction)
    register_name = _l10n(required=True)
    controller = fields.Nested(Controller, required=True)
    contact = fields.Nested(Person)
    dpo = fields.Nested(Person)
    purposes = fields.List(fields.Nested(Purpose), load_default=list,
                           validate=validate.Length(max=100))
    requirement = _l10n()
    profiling = fields.Nested(Profiling)
    data_subjects = _l10n()
    data_content = _l10n()
    sources = _l10n()
    recipients = _l10n()
    disclosures = _l10n()
    transfers = fields.Nested(Transfers)
    security = fields.Nested(Security)
    retention = fields.List(fields.Nested(RetentionRule), load_default=list,
                            validate=validate.Length(max=100))
    rights = fields.List(fields.Nested(Right), load_default=list,
                         validate=validate.Length(max=50))
    sections = fields.List(fields.Nested(Section), load_default=list,
                           validate=validate.Length(max=50))
    cookie_introduction = _l10n()
    cookie_categories = fields.List(fields.Nested(CookieCategory), load_default=list,
                                    validate=validate.Length(max=20))
    marketing = fields.Nested(Marketing, load_default=lambda: Marketing().load({}))
    banner = fields.Nested(Banner)
