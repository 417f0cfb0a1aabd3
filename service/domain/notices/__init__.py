"""Privacy notice versions: publishing, content and categories hashes, reading them back."""

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
    version_numbers,
)

__all__ = [
    "categories_fingerprint",
    "validate_notice",
    "publish_notice",
    "latest_version",
    "current_version",
    "version_categories",
    "get_version",
    "list_versions",
    "version_numbers",
    "count_versions",
]
