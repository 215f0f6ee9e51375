"""``python -m bench [name ...]``: run the benchmarks and print each figure beside its target.

Every figure measured is printed, also when a later bench cannot run (a row saying why) or breaks;
the exit code is 1 only for a missed target or a broken bench."""

from __future__ import annotations

import importlib
import sys

from bench.common import Figure, exit_code, measure, print_table

BENCHES = ["send_overhead", "fanout", "imports", "config_load", "config_revalidate", "send_sms_function",
           "verify_store", "send_log"]


def main(argv: list[str]) -> int:
    names = argv or BENCHES
    figures: list[Figure] = []
    try:
        for name in names:
            print(f"running {name} ...", file=sys.stderr)
            module = importlib.import_module(f"bench.{name}")
            figures.extend(measure(name, module.run, getattr(module, "FIGURES", ())))
    finally:  # also on Ctrl-C: what was measured so far
        print_table(figures)
    return exit_code(figures)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
