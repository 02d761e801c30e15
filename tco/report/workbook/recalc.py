"""Recalculate workbooks with LibreOffice (headless), to check the formulas a real engine computes.

openpyxl writes formulas without cached results; `recalculate` opens each file in LibreOffice
Calc, which computes every formula, and saves a copy with the results, readable with
`openpyxl.load_workbook(path, data_only=True)`. Each call uses a fresh LibreOffice profile (no
lock clashes with other runs) told to always recalculate on load.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# Always recalculate on load (0 = always, 1 = never, 2 = ask), for OOXML and ODF files.
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """Path of the LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(files: list[Path] | Path, outdir: Path, timeout_s: float = 300,
                fmt: str = "xlsx") -> list[Path]:
    """Recalculate each xlsx file into `outdir` (same names); returns the new paths.

    `fmt="pdf"` prints them instead (every sheet, with its page setup) to `<name>.pdf`.
    """
    exe = soffice()
    if exe is None:
        raise FileNotFoundError("LibreOffice (soffice) is not installed")
    files = [files] if isinstance(files, str | Path) else list(files)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tco-lo-profile-") as prof:
        user = Path(prof) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        cmd = [exe, f"-env:UserInstallation={Path(prof).as_uri()}", "--headless",
               "--norestore", "--convert-to", fmt, "--outdir", str(outdir),
               *[str(f) for f in files]]
        env = {**os.environ, "HOME": prof}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
    out = [outdir / f"{Path(f).stem}.{fmt}" for f in files]
    missing = [str(p) for p in out if not p.exists()]
    if proc.returncode != 0 or missing:
        raise RuntimeError(f"LibreOffice failed (exit {proc.returncode}); missing {missing}\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return out
