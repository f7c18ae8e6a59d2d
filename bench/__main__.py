"""python -m bench {throughput,rush,inbox,figures,canonical,imports,receivables,timers,template} [options].

Runs one benchmark and prints its figures (template: migrates a database for the others to copy).
"""
import sys

import bench  # noqa: F401 - sys.path

COMMANDS = {
    "throughput": "bench.throughput",
    "rush": "bench.rush",
    "inbox": "bench.inbox",
    "figures": "bench.figures",
    "canonical": "bench.canonical",
    "imports": "bench.imports",
    "receivables": "bench.receivables",
    "timers": "bench.timers",
    "template": "bench.template",
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__.strip())
        return 2
    from importlib import import_module

    return import_module(COMMANDS[sys.argv[1]]).main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
