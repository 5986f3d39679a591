"""Workbooks and the CLI's JSON files are written through `replacing`: a failed write never leaves a partial file."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A file to write `path`'s new content into: a temporary name beside it, renamed into place
    when the block ends and removed when it fails, so the real name only ever holds a whole file.

    Created as any file the user makes, so the umask says who may read it: a consolidated
    workbook on a shared drive must open for the colleagues it is for (`mkstemp` made 0600 files).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
