"""Canonical JSON and SHA-256: the one way every record, graph and pack is hashed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

__all__ = ["GENESIS", "canonical_json", "chain_hash", "readable_json", "sha256_hex", "sha256_tag"]

GENESIS = "0" * 64
"""The chain hash that the first record links to."""


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant white space, UTF-8 text: equal data gives equal bytes.

    orjson writes exactly what the standard library writes with these settings, many times
    faster; integers wider than 64 bits, which it refuses, go to the standard library.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )


def readable_json(value: Any) -> bytes:
    """Sorted keys, indented, a final newline: equal data gives equal bytes that people can read,
    as the files of an evidence pack are written and hashed."""
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def sha256_hex(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def sha256_tag(data: str | bytes) -> str:
    """A content hash in the vocabulary's form, ``sha256:<hex>``."""
    return "sha256:" + sha256_hex(data)


def chain_hash(
    previous: str, record_id: str, content_hash: str, graph_hash: str, recorded_at: str
) -> str:
    """Link one record to the chain: any change to it, or to any record before it, changes this."""
    return sha256_hex("\n".join((previous, record_id, content_hash, graph_hash, recorded_at)))
