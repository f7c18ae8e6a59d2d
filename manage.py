#!/usr/bin/env python
"""Django's command-line utility; puts platform/ and the repository root on sys.path first."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# platform/ holds the apps; the repository root holds the shipped `plugins` package.
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
