"""``python -m bench [name ...]``: run the benchmarks and print each figure beside its target.

Every figure measured is printed, also when a later bench cannot run (a row saying why) or breaks,
as one table, and written to ``bench/results.json`` (with the machine it ran on) so runs can be
compared; that file is not committed (gitignored): figures from a shared, busy machine are noise
in history. The exit code is 1 only for a missed target or a broken bench."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from bench.common import RESULTS, Figure, exit_code, measure, print_table, write_results

BENCHES = ["send_overhead", "fanout", "imports", "config_load", "config_revalidate", "functions", "import_parts",
           "verify_store", "send_log"]


def main(argv: list[str], results: Path = RESULTS) -> int:
    names = argv or BENCHES
    figures: list[Figure] = []
    try:
        for name in names:
            print(f"running {name} ...", file=sys.stderr)
            module = importlib.import_module(f"bench.{name}")
            figures.extend(measure(name, module.run, getattr(module, "FIGURES", ())))
    finally:  # also on Ctrl-C: what was measured so far
        print_table(figures)
        write_results(figures, results)
    return exit_code(figures)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
