"""The exceptions tco raises; the CLI maps each to a message and an exit code, never a traceback.

Exit codes: 2 for bad input (`ScenarioError`), 1 for a well-formed scenario with no feasible plan
(`InfeasibleError`) or a solver failure (`SolverError`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as is known."""

    path: Path
    message: str
    file: str | None = None
    line: int | None = None

    def dotted(self) -> str:
        """The field path as people write it: `workloads[2].input_tokens`."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "(document)"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else (
            f"{self.file}: " if self.file else "")
        return f"{where}{self.dotted()}: {self.message}"


class TcoError(Exception):
    """Base of every error tco reports to a person."""

    exit_code = 1


class ScenarioError(TcoError):
    """The scenario is wrong: every problem found, not only the first."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def located(self, locate) -> ScenarioError:
        """The same problems with file and line filled in by `locate(path) -> (file, line)`."""
        out = []
        for p in self.problems:
            if p.file is None:
                file, line = locate(p.path)
                p = Problem(p.path, p.message, file, line)
            out.append(p)
        return ScenarioError(out)


class InfeasibleError(TcoError):
    """No plan meets every requirement; `explanation` says which and why in words."""

    def __init__(self, explanation: str):
        self.explanation = explanation
        super().__init__(explanation)


class SolverError(TcoError):
    """The solver failed or returned no usable plan."""
