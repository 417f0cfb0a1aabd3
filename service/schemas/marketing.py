"""Marketing API shapes: subjects, permissions, checks, suppressions, unsubscribe, signup."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from service.domain import marketing
from service.domain.marketing import OUTCOMES, STATES
from service.domain.marketing.identifiers import KINDS

ID_TYPES = ("auto", *KINDS)


def _identifier() -> fields.String:
    return fields.String(validate=validate.Length(max=320), allow_none=True)


class SubjectIn(Schema):
    customer_number = _identifier()
    email = _identifier()
    phone = _identifier()


class SubjectOut(Schema):
    id = fields.String(required=True)
    created = fields.Boolean(required=True)
    identifier_kinds = fields.List(fields.String(), required=True)


_BASES = [b.value for b in marketing.Basis]
_KINDS = [k.value for k in marketing.ProhibitionKind]


def _basis(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, validate=validate.OneOf(_BASES), **kwargs)


def _kinds() -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(_KINDS)), required=True,
                       metadata={"description": "The kinds of prohibition in force"})


class PermissionOut(Schema):
    purpose = fields.String(required=True)
    channel = fields.String(required=True)
    basis = _basis(metadata={"description": "The purpose's basis in the current notice"})
    state = fields.String(required=True)
    prohibited = fields.Boolean(required=True)
    may_contact = fields.Boolean(required=True)
    reason = fields.String(allow_none=True)
    allowed_by = _basis(metadata={"description": "The basis that allows the contact today"})
    source = fields.String(allow_none=True)
    notice_version = fields.Integer(allow_none=True)
    granted_at = fields.String(allow_none=True)
    confirmed_at = fields.String(allow_none=True)
    withdrawn_at = fields.String(allow_none=True)


class ProhibitionOut(Schema):
    purpose = fields.String(required=True)
    channel = fields.String(required=True)


class RelationshipOut(Schema):
    start = fields.String(allow_none=True, required=True, metadata={"format": "date"})
    end = fields.String(allow_none=True, required=True,
                        metadata={"format": "date", "description": "The first day not a customer"})
    active = fields.Boolean(required=True, metadata={"description": "A customer today"})


class RelationshipIn(Schema):
    start = fields.Date(required=True, allow_none=True,
                        metadata={"description": "The first day as a customer; null with "
                                  "end null: not a customer"})
    end = fields.Date(load_default=None, allow_none=True,
                      metadata={"description": "The first day no longer a customer; null: "
                                "open"})
    source = fields.String(load_default="admin-api", validate=validate.Length(min=1, max=64))


class RelationshipChangeOut(Schema):
    changed = fields.Boolean(required=True)
    relationship = fields.Nested(RelationshipOut, required=True)


class EventOut(Schema):
    purpose = fields.String(required=True)
    channel = fields.String(required=True)
    change = fields.String(required=True)
    actor = fields.String(required=True)
    source = fields.String(allow_none=True)
    notice_version = fields.Integer(allow_none=True)
    ip_prefix = fields.String(allow_none=True)
    evidence = fields.Dict()
    at = fields.String(required=True)


class IdentifierStateOut(Schema):
    verified = fields.Boolean(required=True)
    verified_at = fields.String(allow_none=True, required=True)
    verified_by = fields.String(allow_none=True, required=True, metadata={
        "description": "email-link (a mailed link followed) or sms-code (a code entered)"})


class SubjectDetailOut(Schema):
    id = fields.String(required=True)
    created_at = fields.String(required=True)
    restricted = fields.Boolean(required=True)
    relationship = fields.Nested(RelationshipOut, required=True)
    identifiers = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    identifier_states = fields.Dict(
        keys=fields.String(), values=fields.Nested(IdentifierStateOut), required=True,
        metadata={"description": "Per identifier kind: proven by the person or not"})
    permissions = fields.List(fields.Nested(PermissionOut), required=True)
    prohibitions = fields.List(fields.Nested(ProhibitionOut), required=True)
    prohibition_kinds = _kinds()
    history = fields.List(fields.Nested(EventOut), required=True)


class EvidenceIn(Schema):
    source = fields.String(required=True, validate=validate.Length(min=1, max=64))
    notice_version = fields.Integer(strict=True, validate=validate.Range(min=1), allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    ip = fields.String(validate=validate.Length(max=64), allow_none=True)


class PermissionIn(Schema):
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    evidence = fields.Nested(EvidenceIn, required=True)


class ProhibitionIn(Schema):
    state = fields.String(required=True, validate=validate.OneOf(
        [marketing.PermissionState.PROHIBITED.value, marketing.PermissionState.LIFTED.value]))
    evidence = fields.Nested(EvidenceIn, required=True)


class ProhibitionChangeOut(Schema):
    changed = fields.Boolean(required=True)
    prohibition_kinds = _kinds()
    prohibitions = fields.List(fields.Nested(ProhibitionOut), required=True)


class PermissionChangeOut(Schema):
    changed = fields.Boolean(required=True)
    permissions = fields.List(fields.Nested(PermissionOut), required=True)
    prohibitions = fields.List(fields.Nested(ProhibitionOut), required=True)


class CheckIn(Schema):
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=64))
    channel = fields.String(required=True, validate=validate.Length(min=1, max=16))
    id_type = fields.String(load_default="auto", validate=validate.OneOf(ID_TYPES))
    recipients = fields.List(fields.String(validate=validate.Length(max=320)), required=True,
                             validate=validate.Length(min=1, max=10000))


class CheckQuery(Schema):
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=64))
    channel = fields.String(required=True, validate=validate.Length(min=1, max=16))
    id_type = fields.String(load_default="auto", validate=validate.OneOf(ID_TYPES))
    expected = fields.Integer(load_default=None, validate=validate.Range(min=0),
                              metadata={"description": "How many recipients are coming (a "
                                        "hint: a list that is large next to the site is then "
                                        "answered from one read of the site's answers)"})


class CheckResultOut(Schema):
    recipient = fields.String(required=True)
    may_contact = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, validate=validate.OneOf(OUTCOMES))
    basis = _basis(metadata={"description": "What allowed the contact; null when not allowed"})


class CheckOut(Schema):
    check_id = fields.String(required=True)
    purpose = fields.String(required=True)
    channel = fields.String(required=True)
    basis = _basis(metadata={"description": "The purpose's basis the check answered by"})
    total = fields.Integer(required=True)
    allowed = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    digest = fields.String(required=True)
    results = fields.List(fields.Nested(CheckResultOut), required=True)


class AnswerOut(Schema):
    check_id = fields.String(required=True)
    purpose = fields.String(required=True)
    channel = fields.String(required=True)
    actor = fields.String(required=True)
    asked_at = fields.String(required=True)
    may_contact = fields.Boolean(required=True)
    reason = fields.String(allow_none=True)
    basis = _basis()


class AnswersOut(Schema):
    subject = fields.String(required=True)
    answers = fields.List(fields.Nested(AnswerOut), required=True)


class SuppressionQuery(Schema):
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=64))
    channel = fields.String(required=True, validate=validate.Length(min=1, max=16))
    format = fields.String(validate=validate.OneOf(("ndjson", "csv")), metadata={
        "description": "ndjson or csv; without it the Accept header chooses (NDJSON by "
                       "default, text/csv for CSV)"})


class UnsubscribeLinksIn(Schema):
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=64),
                            metadata={"description": "A purpose of the notice, or * for all"})
    channel = fields.String(load_default="email", validate=validate.Length(min=1, max=16),
                            metadata={"description": "A channel of the notice, or * for all"})
    id_type = fields.String(load_default="auto", validate=validate.OneOf(ID_TYPES))
    recipients = fields.List(fields.String(validate=validate.Length(max=320)), required=True,
                             validate=validate.Length(min=1, max=1000))


class UnsubscribeLinkOut(Schema):
    recipient = fields.String(required=True)
    list_unsubscribe = fields.String(allow_none=True)
    list_unsubscribe_post = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class UnsubscribeLinksOut(Schema):
    links = fields.List(fields.Nested(UnsubscribeLinkOut), required=True)


class OptoutImportOut(Schema):
    rows = fields.Integer(required=True)
    changed = fields.Integer(required=True)
    invalid = fields.Integer(required=True)
    created_subjects = fields.Integer(required=True)


class SignupIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=320))
    phone = fields.String(validate=validate.Length(max=64), allow_none=True)
    purposes = fields.List(fields.String(validate=validate.Length(max=64)), required=True,
                           validate=validate.Length(min=1, max=20))
    channels = fields.List(fields.String(validate=validate.Length(max=16)), required=True,
                           validate=validate.Length(min=1, max=8))
    notice_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    visitor_id = fields.String(validate=validate.Length(max=36), allow_none=True)
    language = fields.String(load_default="fi", validate=validate.OneOf(("fi", "sv", "en")))


class SignupOut(Schema):
    status = fields.String(required=True, metadata={
        "description": "Always `accepted`: the answer is the same whether or not the address "
                       "is known, and whether or not a mail was sent"})
    requested = fields.List(fields.List(fields.String()), required=True, metadata={
        "description": "The [purpose, channel] pairs asked for (from the request alone)"})


class OptoutQuery(Schema):
    purpose = fields.String(load_default=marketing.ANY, validate=validate.Length(max=64))
    channel = fields.String(load_default="email", validate=validate.Length(max=16))
    state = fields.String(load_default=marketing.PermissionState.WITHDRAWN.value,
                          validate=validate.OneOf([s.value for s in marketing.OPT_OUTS]))
    id_type = fields.String(load_default="auto", validate=validate.OneOf(ID_TYPES))
    source = fields.String(load_default="optout-import",
                           validate=validate.Regexp(marketing.SOURCE_RE))

