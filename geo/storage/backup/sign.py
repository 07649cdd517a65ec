"""Backups signed with HMAC-SHA256 under the server's secret (``STATIONFINDER_BACKUP_SECRET``).

The trailer's plain SHA-256 finds a damaged file, but anyone who can edit the file can
also recompute it: a backup with one more ``api_keys`` row (an admin key whose hash the
editor chose) and a fresh SHA-256 would restore a key to the whole registry. An
HMAC-SHA256 of the same bytes under a secret the file does not hold cannot be recomputed
without the secret, so a restore that checks it knows the file is one this deployment
(or one sharing its secret) wrote, unchanged.

Rules (``docs/security.md``, "Faults and backups"):

- ``backup`` signs when the secret is set; without it the file is unsigned.
- ``restore`` needs a valid signature under its own secret, unless told
  ``allow_unsigned`` (a file written without a secret, or one this server has no secret
  to check): then it restores everything but the API keys.
- A signature that does not match is always refused: the file was edited, or written
  under another secret.
- API keys are restored only when asked (``with_keys``), and only from a file whose
  signature was checked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Final

from geo.errors import BackupNotAuthentic, InvalidParameter

__all__ = ["MIN_SECRET_CHARS", "Digest", "check_options", "check_signature", "secret_key"]

MIN_SECRET_CHARS: Final = 32  # e.g. secrets.token_urlsafe(32): 43 characters, 256 bits
SECRET_ENV: Final = "STATIONFINDER_BACKUP_SECRET"
_HEX64: Final = re.compile(r"[0-9a-f]{64}\Z")


def secret_key(secret: str | None) -> bytes | None:
    """The HMAC key from the configured secret (None: no secret); a short one is refused:
    the file holds the signed bytes, so a guessable secret could be found offline."""
    if secret is None:
        return None
    if len(secret) < MIN_SECRET_CHARS:
        raise InvalidParameter(
            f"{SECRET_ENV} is too short ({len(secret)} characters): use at least "
            f"{MIN_SECRET_CHARS} random characters, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
            f"{SECRET_ENV} 太短（{len(secret)} 个字符）：请至少使用 {MIN_SECRET_CHARS} 个随机"
            "字符，例如 python3 -c 'import secrets; print(secrets.token_urlsafe(32))' 的输出",
        )
    return secret.encode()


def check_options(key: bytes | None, *, with_keys: bool, allow_unsigned: bool) -> None:
    """Refuse, before touching the store, a restore of keys that could not be checked."""
    if with_keys and allow_unsigned:
        raise InvalidParameter(
            "--with-keys restores API keys only from a signed backup: it cannot be combined "
            "with --allow-unsigned",
            "--with-keys 只从已签名的备份恢复 API 密钥，不能与 --allow-unsigned 同用",
        )
    if with_keys and key is None:
        raise BackupNotAuthentic(
            f"--with-keys needs {SECRET_ENV}, the secret the backup was signed under, to "
            "check it: set it and run the restore again; nothing was restored",
            f"--with-keys 需要设置 {SECRET_ENV}（备份签名时使用的密钥）以验证备份：请设置后"
            "重新恢复；未恢复任何数据",
        )


class Digest:
    """The SHA-256 of the bytes fed to it and, under a key, their HMAC-SHA256."""

    def __init__(self, key: bytes | None) -> None:
        self._sha256 = hashlib.sha256()
        self._hmac = None if key is None else hmac.new(key, digestmod=hashlib.sha256)

    def update(self, data: bytes) -> None:
        """Digest more of the file."""
        self._sha256.update(data)
        if self._hmac is not None:
            self._hmac.update(data)

    @property
    def sha256(self) -> str:
        """The SHA-256 of what was digested, hex."""
        return self._sha256.hexdigest()

    @property
    def signature(self) -> str | None:
        """The HMAC-SHA256, hex; None without a key."""
        return None if self._hmac is None else self._hmac.hexdigest()


def check_signature(end: dict[str, Any], digest: Digest, *, allow_unsigned: bool) -> bool:
    """Check the trailer's ``hmac_sha256`` against the bytes read; True if it was checked
    and matches, False if it could not be checked and ``allow_unsigned`` accepts that.

    Raises ``BackupNotAuthentic`` for a mismatch (always), and for a file without a
    signature or a server without a secret (unless ``allow_unsigned``).
    """
    found, expected = end.get("hmac_sha256"), digest.signature
    if found is not None and expected is not None:
        if isinstance(found, str) and _HEX64.match(found) and hmac.compare_digest(found, expected):
            return True
        raise BackupNotAuthentic(
            f"its signature does not match {SECRET_ENV}: the file was edited after it was "
            "written, or it was signed under another secret; nothing was restored",
            f"备份签名与 {SECRET_ENV} 不符：文件在备份后被改动，或由另一个密钥签名；未恢复任何数据",
        )
    if allow_unsigned:
        return False
    if found is None:
        raise BackupNotAuthentic(
            "it is not signed (written without a backup secret, or its signature was "
            "removed), so it may have been edited; nothing was restored. Pass "
            "--allow-unsigned to restore it anyway, without its API keys",
            "备份未签名（备份时未设置密钥，或签名已被删除），可能被改动过；未恢复任何数据。"
            "如仍要恢复，请加 --allow-unsigned（不恢复 API 密钥）",
        )
    raise BackupNotAuthentic(
        f"it is signed, but {SECRET_ENV} is not set here to check it; nothing was "
        "restored. Set the secret it was written under, or pass --allow-unsigned to "
        "restore it unchecked, without its API keys",
        f"备份已签名，但本机未设置 {SECRET_ENV}，无法验证；未恢复任何数据。请设置备份时的"
        "密钥，或加 --allow-unsigned 不经验证恢复（不恢复 API 密钥）",
    )
