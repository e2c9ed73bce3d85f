"""A Maildir as a mail delivery agent leaves it: messages wait in ``new/``.

After a message is recorded (or recognised as a duplicate, or ignored as machine-generated) it
moves to ``cur/`` with the Seen flag (``<name>:2,S``), which is what "read" means in Maildir and
how an IMAP server would show it. A rejected message is moved aside into the Maildir++ folder
``.Rejected`` (its ``cur/``, unflagged), where a person can look at it with any mail program and
where it is not read again on the next run. A message that failed for a reason that is not its
own (the database was unreachable) stays in ``new/`` and is tried again next time.

Renames within one file system are atomic, so a message is never in two places or in none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

REJECTED_FOLDER = ".Rejected"


class NotAMaildir(ValueError):
    pass


def check(root: Path) -> None:
    missing = [d for d in ("new", "cur", "tmp") if not (root / d).is_dir()]
    if missing:
        raise NotAMaildir(f"{root} is not a Maildir: no {', '.join(missing)} folder")


def waiting(root: Path) -> Iterator[Path]:
    """Messages in ``new/``, oldest first (Maildir names start with the delivery time)."""
    check(root)
    for entry in sorted(os.scandir(root / "new"), key=lambda e: e.name):
        if entry.is_file() and not entry.name.startswith("."):
            yield Path(entry.path)


def _base(name: str) -> str:
    return name.split(":2,", 1)[0]


def mark_seen(root: Path, message: Path) -> Path:
    target = root / "cur" / f"{_base(message.name)}:2,S"
    os.rename(message, target)
    return target


def move_aside(root: Path, message: Path) -> Path:
    folder = root / REJECTED_FOLDER
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    target = folder / "cur" / f"{_base(message.name)}:2,"
    os.rename(message, target)
    return target
