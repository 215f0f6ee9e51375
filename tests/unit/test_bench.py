"""``make bench``'s table: every figure measured is printed; one it cannot measure here is a row saying
why and leaves the exit code alone; a missed target (or a broken bench) makes it 1."""

import json
import sys
import types

import pytest

from bench import verify_store
from bench.__main__ import main
from bench.common import Figure, NotAvailable, Spec, exit_code, measure

FAST = Spec("fast enough", "ms", "<= 1", lambda ms: ms <= 1)
TWO = [FAST, Spec("another", "x", "-")]


def no_redis():
    raise NotAvailable("no redis-server")


def test_a_bench_that_cannot_run_gives_a_not_run_row_per_figure_and_a_zero_exit():
    figures = measure("redis", no_redis, TWO)

    assert [f.row() for f in figures] == ["| fast enough | not run: no redis-server | <= 1 | - |",
                                          "| another | not run: no redis-server | - | - |"]
    assert exit_code([FAST.measured(0.5), *figures]) == 0


def test_without_named_figures_the_bench_is_one_not_run_row():
    assert [f.row() for f in measure("redis", no_redis)] == ["| redis | not run: no redis-server | - | - |"]


def test_a_missed_target_makes_the_exit_code_1():
    figures = [FAST.measured(2.0), *measure("redis", no_redis, TWO)]

    assert figures[0].row() == "| fast enough | 2.000 ms | <= 1 | MISSED |"
    assert exit_code(figures) == 1
    assert exit_code([FAST.measured(1.0), Spec("untargeted", "x", "-").measured(99.0)]) == 0


def test_a_broken_bench_is_an_error_row_and_a_failed_run(capsys):
    def broken():
        raise RuntimeError("emulator did not start")

    figures = measure("broken", broken, TWO)

    assert [f.row() for f in figures] == ["| broken | error: RuntimeError: emulator did not start | - | ERROR |"]
    assert exit_code(figures) == 1
    assert "Traceback" in capsys.readouterr().err


def fake_bench(monkeypatch, name, run, figures=None):
    module = types.ModuleType(f"bench.{name}")
    module.run = run
    if figures is not None:
        module.FIGURES = figures
    monkeypatch.setitem(sys.modules, f"bench.{name}", module)


def test_main_prints_what_it_measured_before_a_bench_that_cannot_run(monkeypatch, capsys, tmp_path):
    fake_bench(monkeypatch, "fake_measured", lambda: [FAST.measured(0.25)])
    fake_bench(monkeypatch, "fake_no_redis", no_redis, TWO)

    assert main(["fake_measured", "fake_no_redis"], tmp_path / "results.json") == 0
    assert capsys.readouterr().out.splitlines()[2:] == [
        "| fast enough | 0.250 ms | <= 1 | ok |",
        "| fast enough | not run: no redis-server | <= 1 | - |",
        "| another | not run: no redis-server | - | - |",
    ]


def test_main_still_fails_for_a_missed_target(monkeypatch, capsys, tmp_path):
    fake_bench(monkeypatch, "fake_missed", lambda: [FAST.measured(3.0)])
    fake_bench(monkeypatch, "fake_no_redis", no_redis, TWO)

    assert main(["fake_missed", "fake_no_redis"], tmp_path / "results.json") == 1
    assert "| fast enough | 3.000 ms | <= 1 | MISSED |" in capsys.readouterr().out
    written = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [(f["name"], f["value"], f["ok"]) for f in written["figures"]] == [
        ("fast enough", 3.0, False), ("fast enough", None, None), ("another", None, None)]


def test_verify_store_without_redis_server_is_not_available(monkeypatch):
    monkeypatch.delenv("SMS_BENCH_REDIS_URL", raising=False)
    monkeypatch.setattr(verify_store, "redis_server_binary", lambda: None)

    with pytest.raises(NotAvailable, match="no redis-server"):
        verify_store.run()  # before it starts the emulator
    rows = [f.row() for f in measure("verify_store", verify_store.run, verify_store.FIGURES)]
    assert len(rows) == len(verify_store.FIGURES) == 8
    assert rows[0] == ("| Redis round trips: issue a code (sent) | not run: no redis-server "
                       "(apt-get install -y redis-server, or set SMS_BENCH_REDIS_URL) | 1 (<= 2) | - |")


def test_figure_rows_as_before():
    assert Figure("warm getElement, median", 1.8, "µs", "no request; small").row() == \
        "| warm getElement, median | 1.800 µs | no request; small | - |"


def test_a_function_s_figures_hold_the_pydantic_diagnostic_without_a_target():
    from bench.functions import figures

    rows = figures("send_sms", ours_cold=[0.9, 0.8, 1.0], bare_cold=[0.7, 0.8, 0.6], warm=[0.003] * 4,
                   bare_warm=[0.002] * 4, rss_mb=80.0, pydantic_cold=[0.75, 0.8, 0.85])

    by_name = {f.name: f for f in rows}
    assert by_name["send_sms cold start ÷ bare script"].value == pytest.approx(0.9 / 0.7)
    assert by_name["send_sms cold start ÷ bare script"].ok is False
    diagnostic = by_name["send_sms cold start ÷ bare script importing pydantic (diagnostic)"]
    assert diagnostic.value == pytest.approx(0.9 / 0.8)
    assert (diagnostic.target, diagnostic.ok) == ("-", None)  # shown, never a missed target
    assert exit_code([diagnostic]) == 0
