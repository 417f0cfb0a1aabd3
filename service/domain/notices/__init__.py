"""Privacy notice versions: the notice format (docs/notice-format.md), its validation and
warnings, the vendor table, publishing, content and categories hashes, reading them back."""

from service.domain.notices.completeness import Gap, gaps
from service.domain.notices.convert import as_format_2, format_1_to_2, is_format_1
from service.domain.notices.loading import languages_in
from service.domain.notices.rules import EEA, LUPA_RETENTION_STARTS
from service.domain.notices.versions import (
    categories_fingerprint,
    count_versions,
    current_version,
    get_version,
    latest_version,
    list_versions,
    publish_notice,
    validate_notice,
    version_categories,
    version_category_types,
    version_numbers,
)

__all__ = [
    "Gap",
    "gaps",
    "as_format_2",
    "format_1_to_2",
    "is_format_1",
    "languages_in",
    "LUPA_RETENTION_STARTS",
    "EEA",
    "categories_fingerprint",
    "validate_notice",
    "publish_notice",
    "latest_version",
    "current_version",
    "version_categories",
    "version_category_types",
    "get_version",
    "list_versions",
    "version_numbers",
    "count_versions",
]
