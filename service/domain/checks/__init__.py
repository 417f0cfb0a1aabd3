"""The pre-send check: who of a list may be contacted for a purpose on a channel, the answers
kept for the auditor. The pipeline that threads, COPYs and commits batches is the one place
in domain code that commits (a streamed answer must never get ahead of what is stored)."""
