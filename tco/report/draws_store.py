"""The Monte Carlo's draws on disk: Parquet parts written as draws finish, so a run resumes.

A run's folder holds `_meta.json` (what the draws were made from: scenario fingerprint, seed,
strategies; the leading underscore keeps Parquet readers of the folder off it) and
`part-NNNNN.parquet` files, one row per finished draw. Each part is written atomically
(tco.report.atomic), so a run killed at any moment leaves whole parts only; `--resume` reads
them, skips the draws they hold and continues. A resume with different inputs than the stored
`_meta.json` is refused: its draws would not be comparable.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from tco.errors import Problem, ScenarioError
from tco.report.atomic import write_atomic, write_text_atomic


class DrawStore:
    """Append draw rows to a folder of Parquet parts; read them back, sorted by draw."""

    def __init__(self, folder: str | Path, meta: dict, resume: bool, flush_rows: int = 25,
                 flush_seconds: float = 5.0):
        self.folder = Path(folder)
        self.flush_rows, self.flush_seconds = flush_rows, flush_seconds
        self._buffer: list[dict] = []
        self._last = time.monotonic()
        meta_path = self.folder / "_meta.json"
        if resume and meta_path.exists():
            stored = json.loads(meta_path.read_text(encoding="utf-8"))
            if stored != meta:
                diff = sorted(k for k in set(stored) | set(meta) if stored.get(k) != meta.get(k))
                raise ScenarioError([Problem(("uncertainty",), (
                    f"cannot resume the draws in {self.folder}: they were made with a different"
                    f" {', '.join(diff)} (expected the same scenario, seed and settings; run"
                    " without --resume to start over)"))])
        else:
            for p in self.folder.glob("part-*.parquet"):
                p.unlink()
            write_text_atomic(meta_path, json.dumps(meta, indent=2, sort_keys=True) + "\n")
        self._next = 1 + max((int(p.stem.split("-")[1]) for p in self.folder.glob(
            "part-*.parquet")), default=-1)

    def read(self) -> pd.DataFrame:
        """Every stored draw (unique by draw number), sorted by draw."""
        parts = sorted(self.folder.glob("part-*.parquet"))
        if not parts:
            return pd.DataFrame()
        df = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        return df.drop_duplicates("draw", keep="first").sort_values("draw").reset_index(
            drop=True)

    def done(self) -> set[int]:
        """Draw numbers already stored."""
        df = self.read()
        return set() if df.empty else {int(d) for d in df["draw"]}

    def add(self, row: dict) -> None:
        """Queue one draw's row; written when enough rows or seconds have gathered."""
        self._buffer.append(row)
        if (len(self._buffer) >= self.flush_rows
                or time.monotonic() - self._last >= self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        """Write the queued rows as one part."""
        if not self._buffer:
            return
        df = pd.DataFrame(self._buffer)
        write_atomic(self.folder / f"part-{self._next:05d}.parquet",
                     lambda p: df.to_parquet(p, index=False))
        self._next += 1
        self._buffer = []
        self._last = time.monotonic()
