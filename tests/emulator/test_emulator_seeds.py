"""Seeds from disk: JSON files, directories of objects, merging, and ``python -m emulator --seed DIR``."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from pathlib import Path

import alibabacloud_oss_v2 as oss
import pytest

from emulator import Emulator
from emulator.seeds import load_seed, load_seeds, merge_seeds

ROOT = Path(__file__).resolve().parents[2]
ELEMENTS = ROOT / "examples" / "elements"
KEY_ID, SECRET = "LTAI5tSeedKeyId0000000001", "SeedSecret0000000000000000000001"


def write(root: Path, relative: str, data: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_a_directory_becomes_objects_with_the_files_bytes(tmp_path):
    write(tmp_path, "SMS/Default/e.json", b'{"title": "x"}')
    write(tmp_path, "Directory/Default/directory.json", "{\n  \"成员\": []\n}".encode())
    write(tmp_path, ".git/config", b"skipped")
    write(tmp_path, "SMS/__pycache__/x.pyc", b"skipped")
    write(tmp_path, "SMS/.DS_Store", b"skipped")
    assert load_seed(tmp_path) == {"oss": {"sms-fc-elements": {
        "Directory/Default/directory.json": "{\n  \"成员\": []\n}".encode(),
        "SMS/Default/e.json": b'{"title": "x"}',
    }}}


@pytest.mark.parametrize("prefix", ["elements", "/elements/", "elements/"])
def test_a_directory_seed_goes_to_the_bucket_and_prefix_given(prefix):
    seed = load_seed(ELEMENTS, bucket="other-bucket", prefix=prefix)
    files = sorted(f"elements/{path.relative_to(ELEMENTS).as_posix()}" for path in ELEMENTS.rglob("*.json"))
    assert "elements/SMS/Default/sms.json" in files
    assert sorted(seed["oss"]["other-bucket"]) == files
    assert seed["oss"]["other-bucket"]["elements/SMS/Default/e.json"] == (ELEMENTS / "SMS/Default/e.json").read_bytes()


def test_an_empty_directory_still_creates_its_bucket(tmp_path):
    emulator = Emulator(load_seed(tmp_path, bucket="empty-bucket"))
    assert emulator.oss.describe() == {"empty-bucket": []}


def test_seeds_merge_in_order_without_changing_their_inputs():
    first = {"accessKeys": {"A": "1"}, "sms": {"signs": [{"name": "a", "status": 1}]}, "randomSeed": 1,
             "oss": {"b-1": {"k": "v"}}}
    second = {"accessKeys": {"B": "2"}, "sms": {"signs": [{"name": "b", "status": 1}]}, "randomSeed": 2,
              "oss": {"b-1": {"j": "w"}, "b-2": {}}}
    before = json.dumps(first)
    assert merge_seeds(first, second) == {
        "accessKeys": {"A": "1", "B": "2"}, "sms": {"signs": [{"name": "a", "status": 1}, {"name": "b", "status": 1}]},
        "randomSeed": 2, "oss": {"b-1": {"k": "v", "j": "w"}, "b-2": {}},
    }
    assert json.dumps(first) == before


def test_load_seeds_merges_files_and_directories(tmp_path):
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps({"accessKeys": {KEY_ID: SECRET}, "oss": {"sms-fc-elements": {"extra.txt": "x"}}}))
    seed = load_seeds([seed_file, ELEMENTS])
    files = [path.relative_to(ELEMENTS).as_posix() for path in ELEMENTS.rglob("*.json")]
    assert "SMS/Default/sms.json" in files
    assert sorted(seed["oss"]["sms-fc-elements"]) == sorted([*files, "extra.txt"])
    assert seed["accessKeys"] == {KEY_ID: SECRET}


@pytest.mark.parametrize(("section", "field"), [
    ({"Bad_Bucket": {}}, "oss.Bad_Bucket"),
    ({"ok-bucket": []}, "oss.ok-bucket must be an object"),
    ({"ok-bucket": {"/abs": "x"}}, "oss.ok-bucket./abs"),
    ({"ok-bucket": {"k": {1, 2}}}, "value must be text, bytes or JSON"),
    ([], "oss must be an object"),
])
def test_bad_oss_seeds_are_refused_naming_the_field(section, field):
    with pytest.raises(ValueError, match=field):
        Emulator({"oss": section})


def read_line(process: subprocess.Popen, timeout: float = 15) -> str:
    """One stdout line, or fail after ``timeout`` seconds instead of hanging."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout), f"no output within {timeout}s"
    return process.stdout.readline()


def run_emulator(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "emulator", "--port", "0", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def oss_client(endpoint: str):
    config = oss.config.load_default()
    config.credentials_provider = oss.credentials.StaticCredentialsProvider(KEY_ID, SECRET)
    config.region = "cn-hangzhou"
    config.endpoint = endpoint
    config.retry_max_attempts = 1
    return oss.Client(config)


@pytest.mark.parametrize(("options", "bucket", "key"), [
    ((), "sms-fc-elements", "SMS/Default/sms.json"),
    (("--bucket", "my-elements", "--prefix", "elements"), "my-elements", "elements/SMS/Default/sms.json"),
])
def test_python_m_emulator_seeds_a_directory_and_a_file(tmp_path, options, bucket, key):
    seed_file = tmp_path / "keys.json"
    seed_file.write_text(json.dumps({"accessKeys": {KEY_ID: SECRET}}))
    process = run_emulator("--seed", str(ELEMENTS), "--seed", str(seed_file), *options)
    try:
        line = read_line(process)
        assert line.startswith("emulator listening on http://127.0.0.1:")
        result = oss_client(line.strip().rsplit(" ", 1)[1]).get_object(oss.GetObjectRequest(bucket=bucket, key=key))
        assert result.body.content == (ELEMENTS / "SMS/Default/sms.json").read_bytes()
        assert result.content_type == "application/json"
    finally:
        stop(process)
    assert process.stdout is not None and process.stdout.read() == ""  # still exactly one line


def test_python_m_emulator_refuses_a_missing_seed_path(tmp_path):
    process = run_emulator("--seed", str(tmp_path / "absent.json"))
    try:
        assert process.wait(timeout=15) == 2
        assert process.stderr is not None and "absent.json" in process.stderr.read()
    finally:
        stop(process)
