"""What every ``stationfinder`` command shares: the options naming the store, opening
it, and turning a refusal into a message and exit status 2 (never a traceback).

A domain error (``StationError``) prints its Chinese message, then its English one. A
database the driver cannot read (a damaged or foreign SQLite file, a PostgreSQL
database without our schema) is a ``StoreUnavailable`` message naming the database,
its password hidden, and what to do about it.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import sqlalchemy as sa
import typer

from cli.safe import console, line
from geo.access import Actor
from geo.errors import StationError, StoreUnavailable
from geo.registry import Registry, open_registry
from geo.settings import get_settings
from geo.storage import StationStore, open_store

out = console()
err = console(stderr=True)
T = TypeVar("T")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="STATIONFINDER_DATABASE_URL", help="SQLAlchemy URL of the store."
    ),
]
CrsOpt = Annotated[
    str,
    typer.Option(
        "--crs",
        help="Datum of the coordinates: wgs84 (gps), gcj02 (高德, 腾讯, amap), bd09 (百度). "
        "Default wgs84.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print GeoJSON instead of a table.")]


def fail(exc: StationError) -> NoReturn:
    """Print the error (both languages) and exit with status 2."""
    # The messages name the values at fault, which are data (a station name, a path).
    err.print(line(("错误 / error", "red"), f" ({exc.code}): {exc.message_zh}"))
    if exc.message != exc.message_zh:
        err.print(line(f"  {exc.message}"))
    raise typer.Exit(code=2)


def checked(fn: Callable[[], T]) -> T:
    """``fn()``, or exit 2 with its domain error."""
    try:
        return fn()
    except StationError as exc:
        fail(exc)


def shown_url(database_url: str) -> str:
    """The URL as it may be printed: without its password."""
    try:
        return sa.make_url(database_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a database URL)"


def unreadable(database_url: str, exc: sa.exc.DatabaseError) -> StoreUnavailable:
    """The message for a database the driver cannot read."""
    url = shown_url(database_url)
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    sqlite = database_url.startswith("sqlite")
    return StoreUnavailable(
        f"cannot open the database {url}: {reason}. "
        + (
            "The file is damaged or is not a stationfinder database: restore it "
            "from a backup (stationfinder restore) or give another --database-url."
            if sqlite
            else "Check that it is a PostgreSQL database with PostGIS."
        ),
        f"无法打开数据库 {url}：{reason}。"
        + (
            "该文件已损坏或不是 stationfinder 的数据库：请从备份恢复"
            "（stationfinder restore），或用 --database-url 指定其他文件。"
            if sqlite
            else "请确认它是安装了 PostGIS 的 PostgreSQL 数据库。"
        ),
    )


@contextmanager
def refusals(database_url: str) -> Iterator[None]:
    """Within: a domain error or an unreadable database exits 2 with a message."""
    try:
        yield
    except StationError as exc:
        fail(exc)
    except sa.exc.DatabaseError as exc:
        fail(unreadable(database_url, exc))


def database(database_url: str | None) -> str:
    """The URL given, or the configured one."""
    return database_url or get_settings().database_url


@contextmanager
def registry_at(database_url: str | None) -> Iterator[Registry]:
    """The registry (store and index), closed at the end; refusals exit 2."""
    url = database(database_url)
    with refusals(url):
        registry = open_registry(url)
        try:
            yield registry
        finally:
            registry.close()


@contextmanager
def store_at(database_url: str | None) -> Iterator[StationStore]:
    """The store without an index (keys, audit, backups need none); refusals exit 2."""
    url = database(database_url)
    with refusals(url):
        store = open_store(url)
        try:
            yield store
        finally:
            store.close()


def require_file(path: Path) -> None:
    """Exit 2 with a message unless ``path`` is a file (a name too long for the file
    system included: that is no file either, not a traceback)."""
    try:
        found = path.is_file()
    except OSError:
        found = False
    if not found:
        err.print(line(("错误 / error", "red"), f": 找不到文件 / no such file: {path}"))
        raise typer.Exit(code=2)


def write_out(path: Path, data: bytes) -> None:
    """Write an ``--out`` file, or exit 2 saying why not (no such folder, no permission)
    in both languages, not with a traceback."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        err.print(line(("错误 / error", "red"), f" (unwritable): 无法写入 / cannot write "
                       f"{path}: {why}"))  # fmt: skip
        raise typer.Exit(code=2) from None


def key_actor(store: StationStore, key: str) -> Actor:
    """The holder of API key ``key`` (``--key``); ``Unauthorized`` (exit 2) for a key the
    store does not hold, ``KeyRevoked`` for a revoked one."""
    from geo.errors import KeyRevoked, Unauthorized
    from geo.keys import authenticate

    try:
        return authenticate(store, f"Bearer {key.strip()}", admin_token=None)
    except KeyRevoked:
        raise
    except StationError:
        raise Unauthorized(
            "--key: not an API key of this database (stationfinder keys list shows them)",
            "--key：不是本数据库的 API 密钥（可用 stationfinder keys list 查看）",
        ) from None


def check_port(host: str, port: int) -> None:
    """Exit 2 with a message in both languages if ``host:port`` cannot be listened on
    (taken by another program, or reserved), before anything says the service is up.

    uvicorn only logged ``[Errno 98] Address already in use`` after the URL to open had
    been printed. The check binds and releases the address with the options uvicorn uses
    (SO_REUSEADDR); a program taking the port in between still gets uvicorn's error.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            taken = exc.errno == errno.EADDRINUSE
            why_zh = "已被其他程序占用" if taken else f"无法使用（{exc.strerror}）"
            why = "is in use by another program" if taken else f"cannot be used ({exc.strerror})"
            other = 8001 if port != 8001 else 8002
            err.print(
                line(
                    ("错误 / error", "red"),
                    f" (port_unavailable): 端口 {host}:{port} {why_zh}；"
                    f"换一个端口：stationfinder serve --port {other}"
                    f"（或 ./scripts/serve --port {other}）",
                )
            )
            err.print(
                line(
                    f"  port {host}:{port} {why}; choose another: stationfinder serve "
                    f"--port {other} (or ./scripts/serve --port {other})"
                )
            )
            raise typer.Exit(code=2) from None
