"""The audit log: the only writer of audit rows (appends, checkpoints, retention's payload
reduction), the hash chain's reference verifier with the public interface its fast path uses,
and exports."""

from service.domain.audit.log import (
    ENTRY_FORMAT,
    PersonalDataInAudit,
    SiteKey,
    append,
    checkpoint_dict,
    checkpoint_now,
    entry_dict,
    iter_entries,
    list_checkpoints,
    public_keys_b64,
    signer,
    start_chain,
    verification_keys,
    verify_site,
)

__all__ = [
    "ENTRY_FORMAT",
    "PersonalDataInAudit",
    "signer",
    "verification_keys",
    "public_keys_b64",
    "start_chain",
    "SiteKey",
    "append",
    "checkpoint_now",
    "checkpoint_dict",
    "list_checkpoints",
    "entry_dict",
    "iter_entries",
    "verify_site",
]
