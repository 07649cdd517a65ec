"""Text encodings: the one a user states (checked), the one a CSV file is in (detected).

A stated encoding is a name the user typed, so it is data (``docs/security.md``):
Python's codec registry also holds transforms that are no character encoding at all
(``bz2_codec`` inflates 177 bytes to 200 MB, ``base64_codec``, ``hex``, ``zlib_codec``,
``rot13``) and special-purpose codecs (``undefined`` always fails, ``unicode_escape``
reads backslashes, ``idna``/``punycode`` are for domain names). Only Python's standard
*character* encodings are accepted: the codecs of the standard library's ``encodings``
package that decode bytes to text (``CodecInfo._is_text_encoding``), less the
special-purpose ones; a codec some installed package registers is refused too.
"""

from __future__ import annotations

import codecs
import encodings
import pkgutil
import re
from functools import cache
from pathlib import Path
from typing import Final, NamedTuple

from geo.errors import InvalidFile, InvalidParameter

# Named in messages: what station lists are in (the rest of the standard table works too).
COMMON_ENCODINGS: Final = (
    *("utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312", "big5", "big5hkscs"),
    *("utf-16", "utf-16-le", "utf-16-be"),
)
_OTHER_EXAMPLES: Final = ("latin-1", "cp1252", "shift_jis")
# Canonical names of the standard library's text codecs that are no character set.
_SPECIAL_PURPOSE: Final = frozenset(
    {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "mbcs", "oem"}
)
_MAX_NAME_CHARS: Final = 40  # the longest standard name is 15; aliases are shorter

_CHUNK: Final = 1 << 16  # bytes per read of the encoding check: memory stays flat
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES: Final = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE: Final = 0.01


@cache
def character_encodings() -> frozenset[str]:
    """Canonical names of Python's standard character encodings (``utf-8``, ``gbk``...).

    Derived from the standard library rather than typed out, so it is the table of
    "Standard Encodings" in the :mod:`codecs` documentation for the running Python.
    """
    names = set()
    for module in pkgutil.iter_modules(encodings.__path__):
        try:
            info = codecs.lookup(module.name)
        except LookupError:  # "aliases", and mbcs/oem away from Windows
            continue
        if info._is_text_encoding and info.name not in _SPECIAL_PURPOSE:
            names.add(info.name)
    return frozenset(names)


def check_encoding(name: str) -> str:
    """Python's canonical name of a stated character encoding.

    Parameters
    ----------
    name : str
        What the user typed: ``gbk``, ``GB18030``, ``utf8``, ``cp936``...

    Returns
    -------
    str
        The canonical codec name (``gbk``, ``gb18030``, ``utf-8``, ``gbk``).

    Raises
    ------
    InvalidParameter
        If `name` is not a standard character encoding: unknown, a transform such as
        ``bz2_codec`` or ``rot13``, or a special-purpose codec such as ``undefined``;
        the message names the value and lists the common encodings.
    """
    shown = repr(name if len(name) <= _MAX_NAME_CHARS else name[:_MAX_NAME_CHARS] + "…")
    canonical = None
    if len(name) <= _MAX_NAME_CHARS and "\x00" not in name:
        try:
            canonical = codecs.lookup(name).name
        except LookupError:
            canonical = None
    if canonical is not None and canonical in character_encodings():
        return canonical
    if canonical is None:
        reason, reason_zh = "unknown encoding", "未知的编码"
    else:
        reason = "not a character encoding (a compression, byte or text transform, or a codec "
        reason += "for another purpose)"
        reason_zh = "不是字符编码（而是压缩、字节或文本转换，或其他用途的编解码器）"
    common = ", ".join(COMMON_ENCODINGS)
    others = ", ".join(_OTHER_EXAMPLES)
    raise InvalidParameter(
        f"encoding {shown}: {reason}; accepted: {common}, or another standard character "
        f"encoding such as {others}",
        f"编码 {shown}：{reason_zh}；可用：{'、'.join(COMMON_ENCODINGS)}，"
        f"或其他标准字符编码，如 {'、'.join(_OTHER_EXAMPLES)}",
        details=[
            {
                "parameter": "encoding",
                "value": name[:100],
                "reason": "unknown" if canonical is None else "not_a_character_encoding",
                "accepted": list(COMMON_ENCODINGS),
            }
        ],
    )


class TextCheck(NamedTuple):
    """What checking the start of a file as text found."""

    problem: str | None  # first decoding error, if any
    problem_zh: str | None
    binary: bool  # NUL bytes or many control characters: not a text file


def check_text(path: Path, encoding: str) -> TextCheck:
    """Decode the whole file strictly, a chunk at a time (flat memory, one pass)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line, chars, controls = 1, 0, 0
    with path.open("rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                start = max(exc.start, 0)
                bad = exc.object[start : start + 2].hex(" ")
                where = line + chunk[:start].count(b"\n")
                return TextCheck(
                    f"line {where} has bytes ({bad}) that are not {encoding}",
                    f"第 {where} 行有不属于 {encoding} 的字节（{bad}）",
                    False,
                )
            if "\x00" in text:
                return TextCheck(None, None, True)
            chars += len(text)
            controls += len(_CONTROL.findall(text))
            line += chunk.count(b"\n")
            if not chunk:
                break
    return TextCheck(None, None, controls > _MAX_CONTROL_SHARE * chars)


def csv_encoding(path: Path, name: str, encoding: str | None, notes: list[str]) -> str:
    """The encoding to read `path` with: the stated one, checked, or the detected one."""
    not_text = InvalidFile(
        f"{name}: not a text CSV file (it contains binary data; is it a spreadsheet or an "
        "archive renamed to .csv?)",
        f"{name}：不是文本 CSV 文件（含有二进制数据，是否是改了扩展名的表格或压缩包？）",
    )
    if encoding is not None:
        codec = check_encoding(encoding)
        check = check_text(path, codec)
        if check.binary:
            raise not_text
        if check.problem:
            raise InvalidFile(
                f"{name}: not valid {codec} text: {check.problem}; state the file's real "
                "encoding, or leave it out to have it detected",
                f"{name}：不是有效的 {codec} 文本：{check.problem_zh}；请指定文件实际的编码，"
                "或不指定以自动识别",
            )
        notes.append(f"encoding as stated: {codec}")
        return codec
    with path.open("rb") as f:
        head = f.read(_CHUNK)
    if head.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)  # Excel's "Unicode text" export
    else:
        candidates = ("utf-8", "gb18030")  # GB18030 is a superset of GBK and GB2312
        # Judge the raw bytes first: junk fails to decode long before its first NUL.
        if b"\x00" in head or len(_CONTROL_BYTES.findall(head)) > _MAX_CONTROL_SHARE * len(head):
            raise not_text
    for candidate in candidates:
        check = check_text(path, candidate)
        if check.binary:
            raise not_text
        if check.problem is None:
            notes.append(f"encoding detected: {candidate}")
            return candidate
    raise InvalidFile(
        f"{name}: text is neither UTF-8 nor GBK/GB18030; state the encoding",
        f"{name}：文本既不是 UTF-8 也不是 GBK/GB18030，请指定编码",
    )
