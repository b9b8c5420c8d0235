"""What `willing draft` accepts as input: UTF-8 text of bounded size, with clear refusals.

The bound keeps a paste or an upload from tying up the service: statements and news reports
are a few kilobytes; a whole book is not what the reader is for.
"""

from __future__ import annotations

from pathlib import Path

MAX_CHARS = 100_000
"""Longest text read (about 15,000 words)."""


def check_text(text: str, where: str = "the text") -> str:
    """The text if it is worth reading; a ValueError saying what is wrong otherwise."""
    if "\x00" in text:
        raise ValueError(f"{where} looks binary (it holds NUL bytes); give plain UTF-8 text")
    if not text.strip():
        raise ValueError(f"{where} is empty; give the statement or report as plain text")
    if len(text) > MAX_CHARS:
        raise ValueError(f"{where} has {len(text):,} characters; at most {MAX_CHARS:,} are read "
                         "(cut it to the statement or report)")
    return text


def load_text(path: Path) -> str:
    """Read a text file for `willing draft`, refusing binary, empty or huge files clearly."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    size = path.stat().st_size
    if size > 4 * MAX_CHARS:
        raise ValueError(f"{path}: {size:,} bytes; at most {MAX_CHARS:,} characters are read "
                         "(cut it to the statement or report)")
    data = path.read_bytes()
    if b"\x00" in data:
        raise ValueError(f"{path}: looks binary (it holds NUL bytes); give plain UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded); give plain "
                         "UTF-8 text") from None
    return check_text(text, str(path))


__all__ = ["MAX_CHARS", "check_text", "load_text"]
