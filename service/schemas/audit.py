"""Audit API shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class AuditQuery(Schema):
    since = fields.AwareDateTime(metadata={"description": "Only entries at or after this time."})
    action = fields.String(
        validate=validate.Regexp(r"^[a-z_]+(\.[a-z_]+|\.\*)?$"),
        metadata={"description": "Exact action, or a prefix like `consent.*`."},
    )
    subject = fields.String(validate=validate.Length(max=80))
    # Bounded to BIGINT: a larger number reached the database driver and failed mid-stream.
    after_seq = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1))
    limit = fields.Integer(validate=validate.Range(min=1, max=1_000_000))
    format = fields.String(load_default="jsonl", validate=validate.OneOf(["jsonl", "csv"]))


class ProblemItem(Schema):
    kind = fields.String(required=True)
    seq = fields.Integer(allow_none=True)
    detail = fields.String(required=True)


class VerifyOut(Schema):
    site = fields.String(required=True)
    ok = fields.Boolean(required=True)
    entries = fields.Integer(required=True)
    last_seq = fields.Integer(required=True)
    last_hash = fields.String(required=True)
    checkpoints_checked = fields.Integer(required=True)
    anchored = fields.Boolean(
        required=True, metadata={"description": "a checkpoint signed by a trusted key matched"})
    problem_count = fields.Integer(required=True)
    problems = fields.List(fields.Nested(ProblemItem), required=True)


class CheckpointOut(Schema):
    site = fields.String(required=True)
    seq = fields.Integer(required=True)
    hash = fields.String(required=True)
    ts = fields.String(required=True)
    key_id = fields.String(required=True)
    signature = fields.String(required=True)


class CheckpointListOut(Schema):
    public_keys = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    checkpoints = fields.List(fields.Nested(CheckpointOut), required=True)
