"""Files roster-tui writes for the admin: whole or not at all, readable by their owner only (they hold PII)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def replaced_whole(path: str | Path, *, encoding: str = "utf-8", newline: str = "",
                   errors: str = "strict") -> Iterator[TextIO]:
    """A text file written into a temporary file beside ``path`` (mode 0600) and renamed over it on success.

    If writing fails (the service dies mid-export, the disk fills), ``path`` keeps what it held before.
    """
    target = Path(path)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline, errors=errors) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
