"""Subjects (customers), found by identifiers in bodies, never in URLs, and the answers
given about them (admin)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain import marketing
from service.domain.audit.canonical import iso_utc
from service.domain.checks import answers as check_answers
from service.domain.marketing import permission_cache, relationships, subjects, verification
from service.extensions import db
from service.models import Site
from service.schemas.marketing import (
    AnswersOut,
    RelationshipChangeOut,
    RelationshipIn,
    SubjectDetailOut,
    SubjectIn,
    SubjectOut,
)

blp = Blueprint("subjects", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: subjects (admin)")


@blp.route("/subjects")
class Subjects(MethodView):
    @protected_docs(blp)
    @blp.arguments(SubjectIn)
    @blp.response(201, SubjectOut)
    @blp.alt_response(200, schema=SubjectOut, description="Found an existing subject")
    @blp.alt_response(409, schema="ProblemSchema", description="Identifiers of two subjects")
    @require_role("admin")
    def post(self, body: dict[str, Any], site: Site) -> Any:
        """Create or find a subject by customer number, email or phone (never in a URL)."""
        identifiers = subjects.normalise_all(body)
        subject, created = subjects.find_or_create(site, identifiers, g.actor)
        db.session.commit()
        kinds = sorted(subjects.identifiers_of(subject))
        return {"id": subject.public_id, "created": created, "identifier_kinds": kinds}, \
            201 if created else 200


@blp.route("/subjects/<subject_id>")
class SubjectDetail(MethodView):
    @protected_docs(blp)
    @blp.response(200, SubjectDetailOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No such subject")
    @require_role("admin")
    def get(self, site: Site, subject_id: str) -> Any:
        """The subject's identifiers, effective permissions, prohibitions and history."""
        subject = subjects.get_subject(site, subject_id)
        return {
            "id": subject.public_id,
            "created_at": iso_utc(subject.created_at),
            "restricted": subject.restricted_at is not None,
            "relationship": relationships.of(subject).as_dict(),
            "identifiers": subjects.identifiers_of(subject),
            "identifier_states": verification.states_of(subject),
            "permissions": marketing.permission_views(site, subject),
            "prohibitions": marketing.prohibitions_of(subject),
            "prohibition_kinds": [k.value for k in marketing.kinds_in_force(subject)],
            "history": marketing.history(subject),
        }


@blp.route("/subjects/<subject_id>/answers")
class SubjectAnswers(MethodView):
    @protected_docs(blp)
    @blp.response(200, AnswersOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No such subject")
    @require_role("auditor", "admin")
    def get(self, site: Site, subject_id: str) -> Any:
        """Every pre-send check answer ever given about this subject, oldest first."""
        subject = subjects.get_subject(site, subject_id)
        limit = min(max(request.args.get("limit", 1000, type=int) or 1000, 1), 10000)
        return {"subject": subjects.pseudonym(subject),
                "answers": check_answers.answers_about(subject, limit)}


@blp.route("/subjects/<subject_id>/relationship")
class SubjectRelationship(MethodView):
    @protected_docs(blp)
    @blp.arguments(RelationshipIn)
    @blp.response(200, RelationshipChangeOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No such subject")
    @blp.alt_response(422, schema="ProblemSchema", description="End before start, no start")
    @require_role("admin")
    def put(self, body: dict[str, Any], site: Site, subject_id: str) -> Any:
        """Set the subject's customer relationship (soft opt-in purposes may contact a
        customer while it is active); `start` and `end` null: not a customer."""
        subject = subjects.get_subject(site, subject_id)
        changed = relationships.set_relationship(site, subject, body["start"], body["end"],
                                                 g.actor, body["source"])
        db.session.commit()
        permission_cache.after_commit(site.id)
        return {"changed": changed, "relationship": relationships.of(subject).as_dict()}
