"""What someone who can write a backup file (a shared disk, a bucket, a USB stick) can do
to it without the deployment's backup secret: plant an admin key and fix the checksum.

``forge_admin_key`` turns a genuine backup into the attack of issue 22 (defect 13): the
first API key row becomes an admin key whose secret the forger knows, and the trailer's
plain SHA-256 and row counts are recomputed, as anyone can. The signature is kept as it
was, removed, or recomputed under a secret of the forger's choosing.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from pathlib import Path
from typing import Literal

PLANTED_KEY = "sf_planted-by-whoever-edited-the-backup-file-000000"
PLANTED_HASH = hashlib.sha256(PLANTED_KEY.encode()).hexdigest()


def forge_admin_key(
    genuine: Path, out: Path, *, signature: Literal["keep", "drop"] | str = "keep"
) -> Path:
    """Write ``genuine`` with its first key row made an admin key for ``PLANTED_KEY``.

    ``signature``: ``"keep"`` the original HMAC, ``"drop"`` it, or any other string:
    re-sign under that as the secret (a guess, or the real one to prove the forgery is
    otherwise a valid file).
    """
    with gzip.open(genuine, "rb") as f:
        lines = f.readlines()
    header = json.loads(lines[0])
    columns = header["tables"]["api_keys"]["columns"]
    start = lines.index(b'{"table":"api_keys"}\n')
    row = json.loads(lines[start + 1])
    assert isinstance(row, list), "the genuine backup needs at least one key"
    record = dict(zip(columns, row, strict=True))
    record |= {"key_hash": PLANTED_HASH, "role": "admin", "adcodes": "[]", "revoked_at": None}
    forged_row = json.dumps([record[c] for c in columns], ensure_ascii=False, separators=(",", ":"))
    lines[start + 1] = forged_row.encode() + b"\n"
    body = b"".join(lines[:-1])
    end = json.loads(lines[-1])["end"]
    end["sha256"] = hashlib.sha256(body).hexdigest()
    if signature == "drop":
        end.pop("hmac_sha256", None)
    elif signature != "keep":
        end["hmac_sha256"] = hmac.new(signature.encode(), body, hashlib.sha256).hexdigest()
    with gzip.open(out, "wb") as f:
        f.write(body + json.dumps({"end": end}).encode() + b"\n")
    return out
