"""Reading an input file the way every importer must: refuse what is over ``--max-bytes`` before reading it,
refuse an empty file, and decode UTF-8 with errors that name the file, line and column.

Example:
    >>> text = read_text(Path("importers/data/programme/scc01-lighthouse-programme.json"), 10_000_000)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from importers.errors import InputFileError

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
CHUNK = 1024 * 1024
# C0 controls other than tab, line feed and carriage return, DEL and the C1 controls: never part of a text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class InputFile:
    """A checked input: its path, size and sha256 (the import run records both)."""

    path: Path
    size: int
    sha256: str


def check_input(path: Path, max_bytes: int) -> InputFile:
    """Refuse a missing, empty or too large file before reading a byte of it; digest it in bounded memory."""
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(f"{path}: the file is empty")
    if size > max_bytes:
        raise InputFileError(
            f"{path}: {size:,} bytes is over the limit of {max_bytes:,} (--max-bytes); nothing was read"
        )
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return InputFile(path, size, digest.hexdigest())


def decode(path: Path, raw: bytes) -> str:
    """UTF-8 text of ``raw`` (a BOM is dropped); invalid bytes and control characters name line and column."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _position(raw[: error.start].decode("utf-8", errors="replace"))
        raise InputFileError(
            f"{path}:{line}:{column}: not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})"
        ) from error
    check_text(path, text)
    return text


def check_text(path: Path, text: str, offset_line: int = 0) -> None:
    """Raise naming line and column when ``text`` holds a control character."""
    found = _CONTROL.search(text)
    if found is not None:
        line, column = _position(text[: found.start()])
        raise InputFileError(
            f"{path}:{line + offset_line}:{column}: control character U+{ord(found.group()):04X} in the text"
        )


def read_text(path: Path, max_bytes: int) -> tuple[str, InputFile]:
    """The whole text of a small input (YAML, a vendored dataset) after every check above."""
    checked = check_input(path, max_bytes)
    return decode(path, path.read_bytes()), checked


def checked_chunks(path: Path, stream: BinaryIO) -> Iterator[bytes]:
    """The bytes of ``stream`` in chunks, each checked to be valid UTF-8 without control characters, so a
    streaming parser never sees what ``decode`` would refuse (a character split across chunks is carried)."""
    pending = b""
    line = 1
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        data = pending + chunk
        cut = _complete_prefix(data)
        pending = data[cut:]
        block = data[:cut]
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as error:
            where, column = _position(block[: error.start].decode("utf-8", errors="replace"))
            raise InputFileError(f"{path}:{line + where - 1}:{column}: not valid UTF-8") from error
        check_text(path, text, offset_line=line - 1)
        line += text.count("\n")
        yield block
    if pending:
        raise InputFileError(f"{path}:{line}: not valid UTF-8 (the file ends inside a character)")


def _complete_prefix(data: bytes) -> int:
    """The length of ``data`` up to its last complete UTF-8 character."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return len(data)
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return len(data) if back >= needed else len(data) - back
    return len(data)


def _position(prefix: str) -> tuple[int, int]:
    """1-based (line, column) just after ``prefix``."""
    line = prefix.count("\n") + 1
    return line, len(prefix) - (prefix.rfind("\n") + 1) + 1
