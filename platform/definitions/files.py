"""Reading a definition, schema, overrides or rules file as text, or saying why it cannot be read.

Every command and loader that takes a file from an implementer reads it here, so a
missing file, a folder, or a file saved in another encoding (GBK from a Chinese
spreadsheet or editor is the usual one) is one problem naming the file and the line,
never a traceback.
"""
from __future__ import annotations

from pathlib import Path

from .errors import Problem


def read_text(path: Path, file: str | None = None) -> tuple[str | None, Problem | None]:
    """(the text, None), or (None, the problem): `file.unreadable`, or `file.not_utf8` with its line.

    A UTF-8 byte-order mark, as some Windows editors write, is dropped.
    """
    file = file if file is not None else str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem("file.unreadable", (), {"detail": exc.strerror or str(exc)}, file)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start:exc.start].decode("utf-8", errors="replace")) + 1
        params = {"byte": f"0x{data[exc.start]:02X}", "line": line, "column": column}
        return None, Problem("file.not_utf8", (), params, file, line)
