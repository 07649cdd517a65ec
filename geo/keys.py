"""API keys: made once, shown once, stored as a SHA-256 hash, revoked for good.

A key is ``sf_`` followed by 32 random bytes (``secrets.token_urlsafe``, 43 characters).
The store keeps only its SHA-256 and its first characters (``prefix``, to recognise it
in ``keys list``). A fast hash is right here: password hashes (argon2, bcrypt) are slow
on purpose to make guessing a low-entropy password expensive, but a 256-bit random key
cannot be guessed however fast the hash, and a slow hash would cost every write request
tens of milliseconds. Looking a key up by its hash also compares no secret byte by byte,
so there is no timing to measure; the bootstrap token (``STATIONFINDER_ADMIN_TOKEN``)
is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from geo.access import BOOTSTRAP, Actor, ApiKey, Role
from geo.errors import InvalidParameter, KeyRevoked, Unauthorized, WritesDisabled
from geo.model import utc_now
from geo.storage import AccessRecords

KEY_PREFIX = "sf_"
MAX_RATE_PER_MIN = 1_000_000  # a key's own search rate, at most
SHOWN_CHARS = 11  # "sf_" and 8 random characters: enough to tell keys apart
# last_used_at is written at most this often per key (a write per request is waste).
TOUCH_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> str:
    """SHA-256 of a key, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_adcodes(values: Iterable[str]) -> frozenset[str]:
    """The areas a key may change, from comma-separated or repeated values: adcodes of a
    district (410105), a city (410100, all its districts) or a province (410000), or
    their Chinese names (金水区, 郑州市, 河南省, 杭州市西湖区). Every value that names no
    area, or several, is named in one ``InvalidParameter``."""
    from geo.outlines.areas import resolve_area  # the outlines load on first use

    codes: set[str] = set()
    problems: list[InvalidParameter] = []
    for text in (c.strip() for v in values for c in re.split(r"[,，、]", v) if c.strip()):
        try:
            codes.add(resolve_area(text, field="adcode").adcode)
        except InvalidParameter as exc:
            problems.append(exc)
    if problems:
        raise InvalidParameter(
            "; ".join(p.message for p in problems),
            "；".join(p.message_zh for p in problems),
            details=[d for p in problems for d in p.details],
        )
    return frozenset(codes)


def create_key(
    store: AccessRecords,
    *,
    name: str,
    role: Role | str,
    adcodes: Iterable[str] = (),
    actor: Actor,
    now: datetime | None = None,
    rate_per_min: int | None = None,
) -> tuple[str, ApiKey]:
    """Make a key; returns the key (shown once, never stored) and its stored record.

    ``rate_per_min``: the searches a minute the key may make, in place of the server's
    per-client rate (``api.rate_limit``), e.g. 6,000 for a platform's backend.

    Raises ``InvalidParameter`` for an unknown role, an empty name, bad adcodes, an
    editor without districts, an admin or reader with some (an admin may change
    everything, a reader nothing), or a rate outside 1 to 1,000,000 a minute.
    """
    try:
        role = Role(role)
    except ValueError:
        raise InvalidParameter(
            f"unknown role {role!r}; expected admin, editor or reader",
            f"未知角色 {role!r}；可选 admin、editor 或 reader",
        ) from None
    if rate_per_min is not None and not 1 <= rate_per_min <= MAX_RATE_PER_MIN:
        raise InvalidParameter(
            f"a key's rate is 1 to {MAX_RATE_PER_MIN:,} searches a minute, not {rate_per_min}",
            f"密钥的频率应为每分钟 1 至 {MAX_RATE_PER_MIN:,} 次查询，而非 {rate_per_min}",
        )
    codes = parse_adcodes(adcodes)
    name = name.strip()
    if not name:
        raise InvalidParameter("a key needs a name (who holds it)", "密钥需要名称（持有人）")
    if role is Role.EDITOR and not codes:
        raise InvalidParameter(
            "an editor key needs the districts it may change (adcodes)",
            "编辑密钥需要指定可修改的辖区（行政区划代码）",
        )
    if role is not Role.EDITOR and codes:
        raise InvalidParameter(
            f"an {role} key has no districts; give adcodes to editor keys only",
            f"{role} 密钥不分辖区；只有编辑密钥需要行政区划代码",
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = store.add_key(
        prefix=key[:SHOWN_CHARS],
        key_hash=hash_key(key),
        name=name,
        role=role,
        adcodes=codes,
        now=now or utc_now(),
        actor=actor,
        rate_per_min=rate_per_min,
    )
    return key, record


def revoke_key(
    store: AccessRecords, *, key_id: int, actor: Actor, now: datetime | None = None
) -> ApiKey:
    """Revoke a key; it is refused from then on. Raises ``KeyNotFound``."""
    return store.revoke_key(key_id, now=now or utc_now(), actor=actor)


def _unauthorized() -> Unauthorized:
    return Unauthorized(
        "a valid 'Authorization: Bearer <token>' header is required for writes",
        "写入操作需要有效的 'Authorization: Bearer <令牌>' 请求头",
    )


def authenticate(
    store: AccessRecords,
    authorization: str | None,
    *,
    admin_token: str | None,
    now: datetime | None = None,
) -> Actor:
    """The actor an ``Authorization`` header names.

    ``Bearer <STATIONFINDER_ADMIN_TOKEN>`` is the bootstrap admin; ``Bearer <key>`` a
    stored key. Raises ``KeyRevoked`` for a revoked key, ``Unauthorized`` for anything
    else, and ``WritesDisabled`` when nothing could ever authorise a write (no admin
    token configured and no usable key in the store).
    """
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    bearer = scheme.lower() == "bearer" and bool(token)
    if bearer and admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return BOOTSTRAP
    key = store.key_by_hash(hash_key(token)) if bearer and token.startswith(KEY_PREFIX) else None
    if key is not None and key.revoked_at is None:
        now = now or utc_now()
        if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
            store.touch_key(key.id, now=now)
        return key.actor
    if key is not None:
        raise KeyRevoked(
            f"the API key {key.prefix}... was revoked", f"API 密钥 {key.prefix}... 已被吊销"
        )
    if not admin_token and not any(k.revoked_at is None for k in store.list_keys()):
        raise WritesDisabled(
            "writes are disabled: set STATIONFINDER_ADMIN_TOKEN or create an API key "
            "(stationfinder keys create) to enable them",
            "写入已禁用：请设置 STATIONFINDER_ADMIN_TOKEN 或创建 API 密钥"
            "（stationfinder keys create）以启用",
        )
    raise _unauthorized()
