"""Hostile and mangled input is refused quickly with a ScenarioError: never another exception,
never a hang. Specific attacks first, then a property test mutating the example scenarios."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tco.errors import ScenarioError
from tco.pipeline import prepare
from tco.scenario import loader
from tco.scenario.checks import check_scenario
from tco.scenario.loader import load_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"
EXAMPLES = ["startup", "enterprise", "bank"]
SECONDS = 2.0


def refusal(path: Path) -> str:
    """The message of the ScenarioError that loading and checking `path` must raise, timed."""
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as e:
        check_scenario(load_scenario(path).scenario)
    assert time.perf_counter() - start < SECONDS
    return str(e.value)


def test_file_over_the_size_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.yaml"
    big.write_text("name: big\n" + "# padding\n" * 200)
    assert f"{big}: (document): file is 2010 bytes (expected at most 1000)" in refusal(big)


def test_default_size_limit_is_ten_megabytes() -> None:
    assert loader.MAX_FILE_BYTES == 10 * 1024 * 1024


def test_non_utf8_bytes_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: x\nworkloads:\n  - name: caf\xe9\n")
    assert f"{bad}:3: (document): byte 0xe9 is not UTF-8 (expected a UTF-8 text file)" in (
        refusal(bad))


def test_utf16_file_refused(tmp_path: Path) -> None:
    bad = tmp_path / "utf16.yaml"
    bad.write_bytes("name: x\n".encode("utf-16"))
    assert "is not UTF-8" in refusal(bad)


def test_control_character_refused(tmp_path: Path) -> None:
    bad = tmp_path / "ctrl.yaml"
    bad.write_text("name: x\ndescription: \"a\x07b\"\n")
    assert f"{bad}:2: (document): character U+0007 is not allowed" in refusal(bad)


def test_very_deep_flow_nesting_does_not_recurse(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: x\nworkloads: " + "[" * 200_000 + "]" * 200_000 + "\n")
    assert "nesting deeper than 50 levels" in refusal(deep)


def test_scalar_top_level_and_empty_file(tmp_path: Path) -> None:
    scalar, empty = tmp_path / "scalar.yaml", tmp_path / "empty.yaml"
    scalar.write_text("just text\n")
    empty.write_text("# nothing\n")
    assert "the top level is str (expected a mapping" in refusal(scalar)
    assert "the file is empty (expected a mapping" in refusal(empty)


def test_infinity_written_as_a_string_is_refused_by_the_schema(tmp_path: Path) -> None:
    f = tmp_path / "inf.yaml"
    f.write_text("name: x\nworkloads:\n  - {name: a, task: chat, requests_per_month: 1e400,"
                 " input_tokens: 1, output_tokens: 1}\n")
    assert (f"{f}:3: workloads[0].requests_per_month: got '1e400' (expected a finite number"
            in refusal(f))


@pytest.mark.parametrize("text, message", [
    ("name: !!timestamp soon\n", "1: name: cannot read 'soon' as !!timestamp"),
    ("? !!omap x\n: 1\n", "1: (document): YAML tag 'tag:yaml.org,2002:omap' is not allowed"),
    ("name: !!binary aGk=\n", "1: name: YAML tag 'tag:yaml.org,2002:binary' is not allowed"),
    ("name: !custom x\n", "1: name: YAML tag '!custom' is not allowed"),
])
def test_explicit_tags_refused_or_checked(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "tags.yaml"
    f.write_text(text)
    assert f"{f}:{message}" in refusal(f)


def test_syntax_error_located(tmp_path: Path) -> None:
    f = tmp_path / "syntax.yaml"
    f.write_text("name: x\nworkloads: [a, b\nother: 1\n")
    assert f"{f}:" in refusal(f) and "not valid YAML" in refusal(f)


def test_merge_keys_still_work(tmp_path: Path) -> None:
    f = tmp_path / "merge.yaml"
    f.write_text("name: x\ncommon: &c {task: chat, input_tokens: 10, output_tokens: 1}\n"
                 "workloads:\n  - {<<: *c, name: a, requests_per_month: 5}\n")
    assert "unknown key 'common'" in refusal(f)  # the anchor holder is not a scenario key
    f.write_text("name: x\nworkloads:\n  - &c {name: a, task: chat, requests_per_month: 5,"
                 " input_tokens: 10, output_tokens: 1}\n  - {<<: *c, name: b}\n")
    assert [w.name for w in load_scenario(f).scenario.workloads] == ["a", "b"]
    f.write_text("name: x\nworkloads:\n  - &c {name: a, task: chat, requests_per_month: 5,"
                 " input_tokens: 10, output_tokens: 1}\n  - &d {<<: *c, name: b}\n  - *d\n")
    assert [w.name for w in load_scenario(f).scenario.workloads] == ["a", "b", "b"]


# --- property test: mutate the examples --------------------------------------------------

WEIRD = st.one_of(
    st.none(), st.booleans(), st.text(max_size=30),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([10**400, -(10**30), 2**63, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["\u202e\u0000", "\U0001f600" * 50, "2027Q9", "h100-80gb", "chat", ""]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=2),
)


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def paths_in(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += paths_in(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += paths_in(v, (*prefix, i))
    return out


def apply(data: Any, path: tuple, action: str, value: Any) -> Any:
    """`data` with one mutation at `path`: drop it, replace it, nest it or alias it."""
    if not path:
        return value if action == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    if action == "drop":
        del parent[key]
    elif action == "replace":
        parent[key] = value
    elif action == "nest":
        parent[key] = nested(value if isinstance(value, int) and 0 < value < 300 else 60)
    elif action == "alias":
        shared = [parent[key]] * 5  # safe_dump writes repeated objects as anchors and aliases
        parent[key] = [shared] * 5
    elif action == "rename":
        parent[f"{key}x" if isinstance(key, str) else key] = parent.pop(key) if isinstance(
            parent, dict) else parent[key]
    return data


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("mutants")
    (d / "base.yaml").write_text((SCENARIOS / "base.yaml").read_text())
    return d


SPLICES = ["&a ", "*a", "<<: ", "{", "]", ": ", "- ", "\t", '"', "!!timestamp ", "!!omap ",
           "!!binary ", "!!int ", "!foo ", "? ", "---\n", ".nan", "1.0e+999", "190:20:30",
           "\ufeff", "\u2028", "\x85", "%YAML 1.1\n"]


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(example=st.sampled_from(EXAMPLES + ["base"]), pick=st.integers(min_value=0),
       action=st.sampled_from(["drop", "replace", "replace", "nest", "alias", "rename"]),
       value=WEIRD, extra=st.sampled_from(["", "", "unicode", "bomb", "tab", "splice"]),
       splice=st.tuples(st.integers(min_value=0), st.sampled_from(SPLICES)))
def test_mutated_examples_load_or_raise_scenario_error(workdir: Path, example: str, pick: int,
                                                       action: str, value: Any, extra: str,
                                                       splice: tuple[int, str]) -> None:
    source = SCENARIOS / f"{example}.yaml"
    data = yaml.safe_load(source.read_text())
    paths = paths_in(data)
    data = apply(copy.deepcopy(data), paths[pick % len(paths)], action, value)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    if extra == "unicode":
        text = "# \u00e9\u4e2d\U0001f600\n" + text.replace("chat", "ch\u00e2t", 1)
    elif extra == "bomb":
        text += "".join(f"z{i}: &z{i} [{', '.join([f'*z{i - 1}'] * 9) if i else 'x'}]\n"
                        for i in range(9))
    elif extra == "tab":
        text = text.replace("  ", "\t", 1)
    elif extra == "splice":  # raw YAML syntax at a random place: tags, anchors, brackets
        at = splice[0] % (len(text) + 1)
        text = text[:at] + splice[1] + text[at:]
    target = workdir / f"mutant-{example}.yaml"
    target.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    try:
        prepare(target)  # all of `tco validate`: load, checks, catalog resolution
    except ScenarioError as e:
        assert e.problems and all(p.message and str(p) for p in e.problems)
    assert time.perf_counter() - start < SECONDS


# --- tco's limits in tco's words, whichever YAML parser runs ---------------------------------

@pytest.fixture(params=["libyaml", "python"])
def parser(request, monkeypatch):
    """The loader on libyaml's C parser (when PyYAML has it) and on PyYAML's pure-Python one,
    so each limit below is shown to be tco's own, not a parser's."""
    import importlib
    import sys

    if request.param == "python":
        monkeypatch.setitem(sys.modules, "yaml.cyaml", None)  # as if built without libyaml
        importlib.reload(loader)
        assert loader._CParser is None
    yield request.param
    monkeypatch.undo()
    importlib.reload(loader)


LIMIT_CASES = {
    "flow nesting": ("name: x\nw: " + "[" * 60 + "]" * 60 + "\n",
                     "nesting deeper than 50 levels (expected a shallow scenario document)"),
    "block mapping nesting": ("name: x\nw:\n" + "".join("  " * (i + 1) + f"k{i}:\n"
                                                       for i in range(70)) + "  " * 71 + "v: 1\n",
                              "nesting deeper than 50 levels (expected a shallow scenario "
                              "document)"),
    "block sequence nesting": ("name: x\nw:\n" + "".join(" " * (i + 1) + "-\n"
                                                        for i in range(1000)) + " " * 1001
                               + "1\n", "nesting deeper than 50 levels (expected a shallow "
                                        "scenario document)"),
    "alias count": ("name: x\na: &a 1\nb: [" + ", ".join(["*a"] * 150) + "]\n",
                    "more than 100 aliases (*name): refused as a possible alias bomb"),
    "alias expansion": ("name: x\n" + "".join(
        f"z{i}: &z{i} [{', '.join([f'*z{i - 1}'] * 9) if i else 'x'}]\n" for i in range(9)),
        "document expands to more than 1000000"),
}


@pytest.mark.parametrize("case", sorted(LIMIT_CASES))
def test_limits_are_tco_own_on_every_parser(parser: str, case: str, tmp_path: Path) -> None:
    text, words = LIMIT_CASES[case]
    f = tmp_path / "limit.yaml"
    f.write_text(text)
    message = refusal(f)
    assert message.startswith(f"{f}:") and words in message, message
