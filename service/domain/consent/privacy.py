"""Reducing personal data before it is stored: truncated IPs, bounded user agents."""

from __future__ import annotations

import ipaddress

UA_MAX = 256


def truncate_ip(raw: str | None) -> str | None:
    """IPv4 to its /24, IPv6 to its /48 network; None for anything unparsable."""
    if not raw:
        return None
    try:
        addr = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


def bounded_user_agent(raw: str | None) -> str | None:
    if not raw:
        return None
    cleaned = "".join(ch for ch in raw if ch.isprintable())
    return cleaned[:UA_MAX] or None
