"""The output folder of a run: all or nothing, one run at a time.

A run's reports (results.json, the CSVs, plan.xlsx, report.html) are one set: a reader must
see the previous complete set or the new complete set, never a mix. So:

1. Before anything is solved, the folder is claimed: a lock file beside it
   (`.<name>.tco-lock`, holding the pid) is locked with flock; a second `tco run` on the same
   folder is refused with the first one's pid. The lock is beside the folder, not in it,
   because the folder itself is swapped. The folder is then checked: a file tco did not write
   (not in the previous run's `run.json`, or changed since) is refused, never overwritten.
2. The new set is written into a temporary folder beside the target
   (`.<name>.tco-new-<run id>`), its files flushed to disk, and `run.json` written last: the
   manifest names the run and lists every file with its size and sha256.
3. The temporary folder is swapped with the target in one step (Linux `renameat2` with
   RENAME_EXCHANGE; elsewhere two renames) and the previous set deleted. SIGINT and SIGTERM
   are held during the swap, so an interrupted run leaves the old set or the new one.

Whatever ends the run (an error, Ctrl-C, SIGTERM, a full disk), the temporary folder is
removed and the previous set is left as it was. A folder left by a run killed with SIGKILL is
removed by the next run on the same target, which holds the lock so knows it is stale.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from tco import __version__
from tco.errors import OutputError

MANIFEST = "run.json"
REPORT_NAMES = ("results.json", "plan.xlsx", "report.html")
"""Files an older tco (before run.json) wrote, besides `<table>.csv`."""


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: Path) -> dict | None:
    """The folder's run.json, or None when there is none or it cannot be read as one."""
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        return None
    return doc


class RunFolder:
    """A claimed output folder: locked, checked, with a temporary folder for the new set."""

    def __init__(self, target: Path, run_id: str):
        self.target = target
        self.run_id = run_id
        self.lock_path = target.parent / f".{target.name}.tco-lock"
        self.staging = target.parent / f".{target.name}.tco-new-{run_id}"
        self.had_previous = False
        """A previous set was in the folder when the run started."""
        self._lock_fd: int | None = None

    # -- claiming ----------------------------------------------------------------------------
    def claim(self) -> None:
        """Lock, clear stale temporary folders, check what is there, make the staging folder."""
        t = self.target
        if t.exists() and not t.is_dir():
            raise OutputError(f"{t}: the output folder is a file (expected a folder, or a path "
                              "that does not exist yet)", exit_code=2)
        try:
            t.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise _os_error(e, t.parent, "cannot create the output folder's parent") from None
        self._lock()
        for stale in t.parent.glob(f".{t.name}.tco-*-*"):
            if stale.is_dir():  # left by a killed run: we hold the lock, so it is not running
                shutil.rmtree(stale, ignore_errors=True)
        if t.is_dir():
            self.had_previous = any(t.iterdir())
            self._check_previous()
        try:
            self.staging.mkdir()
        except OSError as e:
            raise _os_error(e, t.parent, "cannot write beside the output folder") from None
        if t.is_dir() and not os.access(t, os.W_OK):
            raise OutputError(f"{t}: the output folder is not writable (permission denied); "
                              "choose another --out or change its permissions", exit_code=2)

    def _lock(self) -> None:
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise _os_error(e, self.target.parent, "cannot write beside the output folder"
                                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise OutputError(f"{self.target}: another tco run is writing this folder "
                                  f"(pid {pid}); wait for it to finish or choose another --out"
                                  ) from None
            # The holder before us may have unlinked the file after we opened it: lock the
            # file that is at the path now, or we would share the lock with nobody.
            try:
                same = os.stat(self.lock_path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _check_previous(self) -> None:
        """Refuse a folder holding files tco did not write, or tco's files changed since."""
        manifest = read_manifest(self.target)
        listed = {}
        if manifest is not None:
            listed = {f.get("name"): f.get("sha256") for f in manifest["files"]
                      if isinstance(f, dict)}
        foreign, changed = [], []
        for p in sorted(self.target.iterdir()):
            name = p.name
            if name == MANIFEST:
                continue
            if name in listed and p.is_file():
                if sha256_of(p) != listed[name]:
                    changed.append(name)
            elif manifest is not None or not _report_name(name) or not p.is_file():
                foreign.append(name + ("/" if p.is_dir() else ""))
        if (self.target / MANIFEST).exists() and manifest is None:
            changed.append(f"{MANIFEST} (not a tco manifest)")
        if foreign or changed:
            parts = []
            if foreign:
                parts.append("files tco did not write: " + ", ".join(foreign))
            if changed:
                parts.append("files changed since tco wrote them: " + ", ".join(changed))
            raise OutputError(f"{self.target}: the output folder holds {'; '.join(parts)}. "
                              "tco replaces the whole folder on each run, so nothing was "
                              "written: move those files away or choose another --out",
                              exit_code=2)

    # -- publishing --------------------------------------------------------------------------
    def publish(self, write: Callable[[Path], list[Path]], about: dict) -> list[Path]:
        """Write the set into the staging folder with `write(folder)`, add run.json, swap it in.

        Returns the paths of the files as they are in the target folder afterwards.
        """
        try:
            written = write(self.staging)
            names = sorted({Path(p).name for p in written})
            files = []
            for name in names:
                p = self.staging / name
                _fsync(p)
                files.append({"name": name, "bytes": p.stat().st_size,
                              "sha256": sha256_of(p)})
            manifest = {"run_id": self.run_id, "tco_version": __version__,
                        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        **about, "files": files}
            (self.staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n",
                                                 encoding="utf-8")
            _fsync(self.staging / MANIFEST)
            _fsync(self.staging)
        except OSError as e:
            raise _os_error(e, self.target, "could not write the reports") from None
        self._swap()
        return [self.target / n for n in (*names, MANIFEST)]

    def _swap(self) -> None:
        held = {signal.SIGINT, signal.SIGTERM}
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            if not self.target.exists():
                os.rename(self.staging, self.target)
            elif not _exchange(self.staging, self.target):
                old = self.target.parent / f".{self.target.name}.tco-old-{self.run_id}"
                os.rename(self.target, old)
                os.rename(self.staging, self.target)
                os.rename(old, self.staging)
            _fsync(self.target.parent)
        except OSError as e:
            raise _os_error(e, self.target, "could not put the new reports in place") from None
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        shutil.rmtree(self.staging, ignore_errors=True)  # the previous set, now

    # -- releasing ---------------------------------------------------------------------------
    def release(self) -> None:
        """Remove the staging folder if still there; unlock and remove the lock file."""
        shutil.rmtree(self.staging, ignore_errors=True)
        if self._lock_fd is not None:
            try:
                os.unlink(self.lock_path)
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None


@contextmanager
def claimed(target: str | Path, run_id: str) -> Iterator[RunFolder]:
    """`RunFolder(target)` claimed for the block and released after it, whatever happens."""
    folder = RunFolder(Path(target).absolute(), run_id)
    try:
        folder.claim()
        yield folder
    finally:
        folder.release()


def _report_name(name: str) -> bool:
    return name in REPORT_NAMES or (name.endswith(".csv") and "/" not in name)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if not supported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _os_error(e: OSError, where: Path, what: str) -> OutputError:
    """An OSError as tco's message: what failed, where, and why in words."""
    why = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
           errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on the disk",
           errno.EDQUOT: "disk quota exceeded",
           errno.EFBIG: "file too large for the file-size limit (ulimit -f)"}.get(
        e.errno, e.strerror or str(e))
    code = 2 if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else 1
    return OutputError(f"{where}: {what}: {why}; the previous reports were kept", exit_code=code)
