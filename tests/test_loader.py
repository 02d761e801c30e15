"""Loading and composition: deep merge, merge by name, list append, precedence, cycles, paths,
and every broken fixture's located message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tco.errors import ScenarioError
from tco.pipeline import prepare
from tco.scenario.checks import check_scenario
from tco.scenario.loader import Loaded, field_names_at, load_scenario

FIXTURES = Path(__file__).parent / "fixtures"
COMPOSE = FIXTURES / "compose"
BROKEN = FIXTURES / "broken"
SCENARIOS = Path(__file__).parent.parent / "scenarios"
EXPECT = re.compile(r"^# expect: (?:(?P<file>[\w.-]+\.yaml):)?(?P<line>\d+)?:? ?(?P<rest>.*)$")


def problems_of(path: Path) -> list[str]:
    """Located problem lines of the whole validation (load, checks, catalog), as `tco validate`
    prints them."""
    try:
        prepare(path)
    except ScenarioError as e:
        return [str(p) for p in e.problems]
    return []


def expectations(path: Path) -> list[str]:
    """The `# expect: [FILE:]LINE: path: message` lines of a fixture, as full message prefixes."""
    out = []
    for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = EXPECT.match(text)
        if m:
            file = path.parent / m["file"] if m["file"] else path
            out.append(f"{file}:{m['line']}: {m['rest']}")
    return out


@pytest.fixture(scope="module")
def grandchild() -> Loaded:
    return load_scenario(COMPOSE / "teams" / "nested" / "grandchild.yaml")


def test_files_listed_scenario_first_each_once(grandchild: Loaded) -> None:
    assert grandchild.files == [str(COMPOSE / "teams/nested/grandchild.yaml"),
                                str(COMPOSE / "teams/child.yaml"),
                                str(COMPOSE / "shared/common.yaml"),
                                str(COMPOSE / "shared/prices.yaml")]


def test_relative_extends_resolve_against_the_naming_file(grandchild: Loaded,
                                                          monkeypatch) -> None:
    monkeypatch.chdir(COMPOSE / "shared")  # the cwd must not matter
    again = load_scenario(COMPOSE / "teams" / "nested" / "grandchild.yaml")
    assert again.scenario == grandchild.scenario


def test_later_parent_overrides_earlier_and_child_overrides_all(grandchild: Loaded) -> None:
    s = grandchild.scenario
    assert s.name == "grandchild"
    assert s.finance.discount_rate == 0.12           # prices.yaml over common.yaml
    assert s.horizon.start == "2027Q1"               # only common.yaml sets it
    assert s.workloads[0].requests_per_month == 2000  # prices.yaml over common.yaml
    assert s.workloads[0].input_tokens == 700        # grandchild over all


def test_deep_merge_keeps_sibling_keys(grandchild: Loaded) -> None:
    h100 = grandchild.scenario.gpus[0]
    assert h100.purchase.price_usd == 27000   # child
    assert h100.purchase.life_years == 4      # common, sibling key kept
    assert h100.on_demand_usd_per_hour == 2.5  # prices
    assert grandchild.scenario.apis[0].quality == {"chat": 82, "code": 75}


def test_named_lists_merge_by_name_and_append(grandchild: Loaded) -> None:
    assert [g.name for g in grandchild.scenario.gpus] == ["h100-80gb", "l40s-48gb", "b200-192gb"]
    assert [w.name for w in grandchild.scenario.workloads] == ["chat", "summaries"]


def test_extends_is_consumed(grandchild: Loaded) -> None:
    assert grandchild.scenario.extends is None


def test_locate_names_the_file_that_supplied_each_value(grandchild: Loaded) -> None:
    loc = grandchild.locate
    assert loc(("workloads", 0, "input_tokens")) == (
        str(COMPOSE / "teams/nested/grandchild.yaml"), 7)
    assert loc(("workloads", 0, "requests_per_month")) == (str(COMPOSE / "shared/prices.yaml"), 10)
    assert loc(("gpus", 0, "purchase", "price_usd")) == (str(COMPOSE / "teams/child.yaml"), 6)
    assert loc(("gpus", 0, "purchase", "life_years")) == (str(COMPOSE / "shared/common.yaml"), 14)
    assert loc(("apis", 0, "quality", "code")) == (str(COMPOSE / "shared/common.yaml"), 19)


def test_locate_falls_back_to_nearest_written_parent(grandchild: Loaded) -> None:
    file, line = grandchild.locate(("workloads", 1, "latency"))  # a default, never written
    assert (file, line) == grandchild.locate(("workloads", 1))
    assert line is not None


def test_unnamed_lists_are_replaced(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("name: b\nworkloads: [{name: w, task: chat, requests_per_month: [1, 2],"
                    " input_tokens: 1, output_tokens: 1}]\nhorizon: {periods: 2}\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nworkloads: [{name: w, requests_per_month: [5, 6]}]\n")
    s = load_scenario(child).scenario
    assert s.workloads[0].requests_per_month == [5, 6]  # a list of numbers is replaced whole
    assert s.workloads[0].task == "chat"                 # the named item merged


def test_cycle_is_an_error_naming_the_chain() -> None:
    problems = problems_of(BROKEN / "cycle_a.yaml")
    assert len(problems) == 1
    assert f"{BROKEN / 'cycle_b.yaml'}:2: extends[0]: extends cycle: " in problems[0]
    assert "cycle_a.yaml -> " in problems[0] and "cycle_b.yaml -> " in problems[0]


def test_self_extension_is_a_cycle(tmp_path: Path) -> None:
    me = tmp_path / "me.yaml"
    me.write_text("extends: me.yaml\nname: me\n")
    with pytest.raises(ScenarioError, match=r"me.yaml:1: extends: extends cycle"):
        load_scenario(me)


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_field_names_at_follows_lists_dicts_and_aliases() -> None:
    assert "input_tokens" in field_names_at(("workloads", 3))
    assert field_names_at(("gpus", 0, "reserved_usd_per_hour")) == ["1y", "3y"]
    assert "gpus_per_replica" in field_names_at(("open_models", 0, "serving", "h100-80gb"))


@pytest.mark.parametrize("name", ["startup", "enterprise", "bank"])
def test_examples_load_and_pass_checks(name: str) -> None:
    loaded = load_scenario(SCENARIOS / f"{name}.yaml")
    check_scenario(loaded.scenario)
    assert loaded.files == [str(SCENARIOS / f"{name}.yaml"), str(SCENARIOS / "base.yaml")]


def test_enterprise_portfolio_spans_tasks_latencies_and_volumes() -> None:
    s = load_scenario(SCENARIOS / "enterprise.yaml").scenario
    assert len(s.workloads) >= 8
    assert {w.task for w in s.workloads} >= {"chat", "summarize", "code", "extract", "classify"}
    assert {w.latency for w in s.workloads} == {"interactive", "standard", "batch"}
    volumes = [w.requests_per_month for w in s.workloads]
    assert min(volumes) == 50_000 and max(volumes) == 50_000_000
    assert s.fine_tunes and any(w.cached_input_share > 0 for w in s.workloads)


def test_bank_forces_self_hosting_and_restricts_providers() -> None:
    s = load_scenario(SCENARIOS / "bank.yaml").scenario
    residencies = [w.residency for w in s.workloads]
    assert "self_hosted" in residencies and ["mistral"] in residencies
    h100 = next(g for g in s.gpus if g.name == "h100-80gb")
    assert h100.purchase.price_usd == 27000  # the child's override merged by name


def test_base_alone_is_a_fragment_without_workloads() -> None:
    base = SCENARIOS / "base.yaml"
    first_key = next(i for i, text in enumerate(base.read_text().splitlines(), 1)
                     if text.startswith("name:"))  # a missing top-level key points here
    assert problems_of(base) == [f"{base}:{first_key}: workloads: required field 'workloads'"
                                 " is missing (expected a value)"]


BROKEN_FIXTURES = sorted(p for p in BROKEN.glob("*.yaml") if expectations(p))


@pytest.mark.parametrize("path", BROKEN_FIXTURES, ids=lambda p: p.stem)
def test_broken_fixture_reports_its_located_messages(path: Path) -> None:
    problems = problems_of(path)
    assert problems, f"{path.name} was accepted"
    for expected in expectations(path):
        assert any(p.startswith(expected) for p in problems), (expected, problems)


def test_every_broken_fixture_states_an_expectation() -> None:
    assert len(BROKEN_FIXTURES) == len(list(BROKEN.glob("*.yaml"))) >= 25
