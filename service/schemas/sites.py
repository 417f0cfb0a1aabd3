"""Site settings: the change an admin key may make (PATCH of a site)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.domain.sites import LANGUAGES

MAX_ORIGINS = 100


def _origins(description: str) -> fields.List:
    return fields.List(fields.String(validate=validate.Length(min=1, max=255)),
                       validate=validate.Length(max=MAX_ORIGINS),
                       metadata={"description": description})


class SiteUpdateIn(Schema):
    """Only the settings given change; an empty body changes nothing. Validated as at
    creation; invalid input changes nothing."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    origins = _origins("The allowed origins (scheme://host[:port]): replaces the whole list.")
    add_origins = _origins("Origins to allow in addition (after `origins`, if both).")
    remove_origins = _origins("Origins to allow no more; each must be one of the site's.")
    languages = fields.List(
        fields.String(validate=validate.OneOf(LANGUAGES)),
        validate=validate.Length(min=1, max=len(LANGUAGES)),
        metadata={"description": "The notice's languages, the first the default; a language "
                                 "is added only if the current notice has its texts."})
