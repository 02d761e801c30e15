"""`tco validate` and `tco schema` through the CLI: exit codes, located messages, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_loader import BROKEN, SCENARIOS, expectations
from typer.testing import CliRunner

from tco.cli import app

ROOT = Path(__file__).parent.parent
TCO = Path(sys.executable).parent / "tco"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_validate_broken_fixture_exits_2_with_located_messages(runner: CliRunner,
                                                               path: Path) -> None:
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    # the exit is tco's own (SystemExit(2)), not an exception that escaped the command
    assert isinstance(result.exception, SystemExit) and result.exception.code == 2, (
        result.exception)
    lines = result.output.splitlines()
    for expected in expectations(path):
        assert any(line.startswith(expected) for line in lines), (expected, result.output)
    assert lines[-1].startswith(f"{path}: ") and "problem" in lines[-1]


def test_validate_prints_each_problem_on_its_own_line(runner: CliRunner) -> None:
    path = BROKEN / "many_problems.yaml"
    result = runner.invoke(app, ["validate", str(path)])
    lines = result.output.splitlines()
    assert len([ln for ln in lines if ln.startswith(f"{path}:1")]) == 3
    assert lines[-1] == f"{path}: 3 problems"
    long_line = next(ln for ln in lines if "on_demand_usd_per_houre" in ln)
    assert long_line.endswith(")")  # not wrapped at the terminal width


def test_validate_non_utf8_file(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: Caf\u00e9 support\n".encode("latin-1"))
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:1: (document): byte 0xe9 is not UTF-8" in result.output


def test_validate_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "file not found" in result.output


def test_validate_reports_every_file(runner: CliRunner) -> None:
    files = [BROKEN / "type_error.yaml", BROKEN / "range_error.yaml"]
    result = runner.invoke(app, ["validate", *map(str, files)])
    assert result.exit_code == 2
    for f in files:
        assert f"{f}: 1 problem" in result.output


@pytest.mark.parametrize("name", ["startup", "enterprise", "bank", "levers"])
def test_validate_examples_pass(name: str) -> None:
    result = CliRunner().invoke(app, ["validate", str(SCENARIOS / f"{name}.yaml")])
    assert result.exit_code == 0, result.output
    assert ": ok (" in result.output


def test_installed_command_exits_2_without_traceback() -> None:
    proc = subprocess.run([str(TCO), "validate", str(BROKEN / "unknown_key.yaml"),
                           str(BROKEN / "alias_bomb.yaml")], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "did you mean 'input_tokens'?" in proc.stderr
    assert "alias bomb" in proc.stderr


@pytest.mark.parametrize("command", ["validate", "schema"])
def test_help_has_an_example(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and f"tco {command} " in result.output


def test_schema_prints_the_json_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"workloads", "apis", "gpus", "horizon"} <= set(schema["properties"])
    assert schema["$defs"]["Workload"]["additionalProperties"] is False
    assert "1y" in schema["$defs"]["Reserved"]["properties"]  # aliases, as written in YAML


def test_schema_out_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    result = CliRunner().invoke(app, ["schema", "--out", str(out)])
    assert result.exit_code == 0 and json.loads(out.read_text())["title"] == "Scenario"
