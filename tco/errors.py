"""The exceptions tco raises; the CLI maps each to a message and an exit code, never a traceback.

Exit codes: 2 for bad input (`ScenarioError`), 1 for a well-formed scenario with no feasible plan
(`InfeasibleError`) or a solver failure (`SolverError`); `OutputError` says which; 130 after
Ctrl-C (SIGINT) and 143 after SIGTERM (`Interrupted`), the previous reports kept.
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


class OutputError(TcoError):
    """The reports cannot be written where asked (see tco.report.run_folder).

    Exit code 2 when the output folder is wrong for the job (a file, not writable, holding files
    tco did not write), 1 when the writing failed (full disk, file-size limit, another run).
    """

    def __init__(self, message: str, exit_code: int = 1):
        self.exit_code = exit_code
        super().__init__(message)


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every `finally` runs; exit code 128 + the signal."""

    def __init__(self, signum: int):
        self.exit_code = 128 + signum
        super().__init__(f"signal {signum}")
