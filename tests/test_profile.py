"""tco profile on generated logs: every statistic recomputed here from the lines themselves,
independently of tco.profile, and compared within 1%; malformed lines located, exit 2."""

from __future__ import annotations

import calendar
import csv
import gzip
import io
import json
import math
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tco.cli import app
from tco.profile import LogError, profile_logs
from tco.profile.sample import EXAMPLES, log_name, write_log

SCALE = 0.04  # about 2-8 thousand lines per example log: quick, still six months of traffic


def _records(path: Path, fmt: str):
    """(epoch seconds, model, input, output, cached) of every line, parsed by hand."""
    text = gzip.decompress(path.read_bytes()).decode()
    if fmt == "csv":
        for row in csv.DictReader(io.StringIO(text)):
            ts = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00")).timestamp()
            yield (int(ts), row["model"], int(row["input_tokens"]), int(row["output_tokens"]),
                   int(row["cached_input_tokens"] or 0))
        return
    for line in text.splitlines():
        r = json.loads(line)
        if fmt == "openai":
            u = r["usage"]
            yield (r["created"], r["model"], u["prompt_tokens"], u["completion_tokens"],
                   u["prompt_tokens_details"]["cached_tokens"])
        elif fmt == "anthropic":
            u = r["usage"]
            ts = datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")).timestamp()
            yield (int(ts), r["model"], u["input_tokens"] + u["cache_read_input_tokens"]
                   + u["cache_creation_input_tokens"], u["output_tokens"],
                   u["cache_read_input_tokens"])
        else:
            a = r["attributes"]
            ts = datetime.fromisoformat(r["start_time"].replace("Z", "+00:00")).timestamp()
            yield (int(ts), a["gen_ai.request.model"], a["gen_ai.usage.input_tokens"],
                   a["gen_ai.usage.output_tokens"], a["gen_ai.usage.cache_read.input_tokens"])


def _expected(recs: list[tuple], sample_rate: float) -> dict:
    """The statistics as docs/quarterly.md defines them, by plain loops."""
    n = len(recs)
    hours = Counter(ts // 3600 for ts, *_ in recs)
    first, last = min(hours), max(hours)
    by_month = defaultdict(list)
    for h, c in hours.items():
        d = datetime.utcfromtimestamp(h * 3600)
        by_month[(d.year, d.month)].append(c)
    months = sorted(by_month)
    per_month, p2a = [], []
    for y, m in months:
        start = calendar.timegm((y, m, 1, 0, 0, 0)) // 3600
        end = start + calendar.monthrange(y, m)[1] * 24
        covered = min(end, last + 1) - max(start, first)
        count = sum(by_month[(y, m)])
        per_month.append(count / (covered / (end - start)))
        p2a.append(max(by_month[(y, m)]) / (count / covered))
    xs = [(y - months[0][0]) * 12 + m - months[0][1] for y, m in months]
    ys = [math.log(v) for v in per_month]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    a = my - b * mx
    inputs = sorted(r[2] for r in recs)
    outputs = sorted(r[3] for r in recs)
    rank = math.ceil(0.95 * n) - 1
    last_month = [r[1] for r in recs
                  if (datetime.utcfromtimestamp(r[0]).year,
                      datetime.utcfromtimestamp(r[0]).month) == months[-1]]
    return {"requests_per_month": math.exp(a + b * xs[-1]) / sample_rate,
            "growth_per_year": math.exp(12 * b) - 1,
            "input_tokens": sum(inputs) / n, "output_tokens": sum(outputs) / n,
            "p95_input_tokens": inputs[rank], "p95_output_tokens": outputs[rank],
            "cached_input_share": sum(r[4] for r in recs) / sum(inputs),
            "peak_to_average": statistics.median(p2a),
            "model": Counter(last_month).most_common(1)[0][0]}


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("logs")
    out = {}
    for seed, ex in enumerate(EXAMPLES):
        out[ex.name] = d / log_name(ex)
        write_log(out[ex.name], ex, seed=100 + seed, scale=SCALE)
    return out


def test_profile_statistics_match_an_independent_count(logs):
    """Each format's statistics within 1% of the figures recomputed from its lines."""
    prof = profile_logs(list(logs.values()), sample_rate=0.01, threads=1)
    got = prof.table.set_index("workload")
    assert sorted(got.index) == sorted(logs)
    for ex in EXAMPLES:
        want = _expected(list(_records(logs[ex.name], ex.fmt)), 0.01)
        row = got.loc[ex.name]
        assert row["model"] == want.pop("model")
        for key, value in want.items():
            assert row[key] == pytest.approx(value, rel=0.01), (ex.name, key)
        # the generator's own parameters come back too (the growth it compounded)
        assert row["growth_per_year"] == pytest.approx(ex.growth_per_year, abs=0.05)


def test_profile_writes_blocks_a_scenario_extends(logs, tmp_path):
    """--out writes workload blocks; a scenario extending them validates with them merged."""
    out = tmp_path / "workloads.yaml"
    monthly = tmp_path / "monthly.csv"
    r = CliRunner().invoke(app, ["profile", *map(str, logs.values()), "--sample-rate", "0.01",
                                 "--out", str(out), "--monthly", str(monthly)])
    assert r.exit_code == 0, r.output
    blocks = {w["name"]: w for w in yaml.safe_load(out.read_text())["workloads"]}
    assert set(blocks) == set(logs)
    want = _expected(list(_records(logs["support-chat"], "openai")), 0.01)
    assert blocks["support-chat"]["input_tokens"] == pytest.approx(want["input_tokens"], rel=1e-3)
    rows = list(csv.DictReader(monthly.open()))
    assert {r["workload"] for r in rows} == set(logs)
    chat = [r for r in rows if r["workload"] == "support-chat"]
    assert sum(int(r["requests"]) for r in chat) == 100 * sum(
        1 for _ in _records(logs["support-chat"], "openai"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"extends: [{out.name}]\nname: profiled\nworkloads:\n"
        + "".join(f"  - {{name: {n}, task: chat}}\n" for n in logs))
    from tco.scenario.loader import load_scenario

    s = load_scenario(scenario).scenario
    chat = next(w for w in s.workloads if w.name == "support-chat")
    assert chat.task == "chat" and chat.requests_per_month == blocks["support-chat"][
        "requests_per_month"]


def test_group_by_a_nested_field(tmp_path):
    """--group-by metadata.workload splits one gateway log into workloads."""
    lines = []
    for i in range(40):
        wl = "a" if i % 4 else "b"
        lines.append(json.dumps({"created": 1767225600 + 60 * i, "model": "m",
                                 "metadata": {"workload": wl, "team": "x"},
                                 "usage": {"prompt_tokens": 100 + i, "completion_tokens": 10}}))
    log = tmp_path / "gw.jsonl"
    log.write_text("\n".join(lines) + "\n")
    t = profile_logs([log], group_by="metadata.workload").table.set_index("workload")
    assert t.loc["a", "input_tokens"] == pytest.approx(
        sum(100 + i for i in range(40) if i % 4) / 30)
    assert t.loc["b", "input_tokens"] == pytest.approx(sum(100 + i for i in range(0, 40, 4)) / 10)


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e.fmt)
def test_malformed_lines_are_counted_and_located(tmp_path, ex):
    """Three broken lines: the count and their line numbers; an allowed share goes on."""
    log = tmp_path / log_name(ex)
    n = write_log(log, ex, seed=7, scale=0.01, malformed=3)
    step = n // 4
    header = 1 if ex.fmt == "csv" else 0
    with pytest.raises(LogError) as e:
        profile_logs([log])
    assert e.value.exit_code == 2
    assert f"3 malformed lines of {n}" in str(e.value)
    for k in (1, 2, 3):
        assert f"{log}:{k * step + 1 + header}: " in str(e.value)
    prof = profile_logs([log], allow_malformed=0.01)
    assert prof.malformed == 3 and prof.table["requests"].sum() == n - 3


def test_malformed_log_cli_exit_2_nothing_written(tmp_path):
    """The command itself: message on stderr with counts and lines, exit 2, no output file."""
    ex = EXAMPLES[0]
    log = tmp_path / log_name(ex)
    n = write_log(log, ex, seed=7, scale=0.01, malformed=12)
    out = tmp_path / "w.yaml"
    r = subprocess.run([sys.executable, "-m", "tco", "profile", str(log), "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert f"12 malformed lines of {n}" in r.stderr and "first 10:" in r.stderr
    assert len(re.findall(rf"^{re.escape(str(log))}:\d+: ", r.stderr, re.M)) == 10
    assert not out.exists()
    r = subprocess.run([sys.executable, "-m", "tco", "profile", str(log), "--out", str(out),
                        "--allow-malformed", "0.01"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "12 malformed lines left out" in r.stderr
    assert "12 malformed and left out" in out.read_text()


def test_unknown_format_and_missing_file_exit_2(tmp_path):
    """A log of no known format, or none at all, is a located message and exit 2."""
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"hello": 1}\n')
    with pytest.raises(LogError, match=r"odd.jsonl:1: no known log format"):
        profile_logs([odd])
    with pytest.raises(LogError, match="no such file"):
        profile_logs([tmp_path / "missing.jsonl"])
