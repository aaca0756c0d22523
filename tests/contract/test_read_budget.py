"""The basic-check read budget: a basic check of a deployed, unchanged endpoint makes exactly
``capabilities.basic_reads`` provider requests, all reads (counted by the emulator), and finds no
drift; for every spec of every platform's corpus. The README's platform matrix states the same
numbers."""

from pathlib import Path

import pytest

from core import registry
from core.checks.judge import judge
from core.checks.read import observe
from core.targets import PLATFORMS
from tests.corpus import CORPORA, cases
from tests.support.stepping import rollout

README = Path(__file__).parents[2] / "README.md"
CHECKS = 3
READS = ("Get", "Describe", "List")
"""How every emulator's ``calls()`` names a read operation."""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("env", "name"), cases(), indirect=["env"])
def test_basic_check_makes_the_declared_number_of_reads(env, name):
    spec = CORPORA[env.platform][name]
    adapter = env.adapter(target=spec.target)
    rollout(adapter, spec)
    budget = adapter.capabilities.basic_reads
    for _ in range(CHECKS):
        env.emulator.control.clear_calls()
        live = observe(adapter, spec.name, full=False)
        calls = env.emulator.control.calls()
        assert sum(calls.values()) == budget and all(op.startswith(READS) for op in calls), calls
        assert judge(spec, live, adapter.capabilities).drift.changes == []


def test_readme_platform_matrix_states_the_declared_reads():
    """The README's ``basic check reads`` row starts each platform's cell with its ``basic_reads``."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in README.read_text().splitlines() if line.startswith("| ")]
    header = next(row for row in rows if row[0] == "" and len(row) == len(PLATFORMS) + 1)
    reads = next(row for row in rows if row[0] == "basic check reads")
    for platform, entry in PLATFORMS.items():
        column = next(i for i, title in enumerate(header) if title.startswith(entry.title))
        assert reads[column].split(":")[0] == str(registry.capabilities(platform).basic_reads), reads[column]
