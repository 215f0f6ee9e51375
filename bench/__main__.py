"""``python -m bench [name ...]``: run the benchmarks and print each figure beside its target."""

from __future__ import annotations

import importlib
import sys

from bench.common import Figure, print_table

BENCHES = ["send_overhead", "fanout", "imports", "config_load", "send_sms_function", "verify_store"]


def main(argv: list[str]) -> int:
    names = argv or BENCHES
    figures: list[Figure] = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr)
        figures.extend(importlib.import_module(f"bench.{name}").run())
    print_table(figures)
    return 1 if any(f.ok is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
