"""Token counting with shipped encodings (no download) and the providers' media rules."""

from __future__ import annotations

import json
import socket
import sys

import pytest

from tco import tokens


@pytest.fixture
def offline(monkeypatch):
    """Fail on any network access, and make tiktoken load its encodings afresh."""
    def refuse(*a, **k):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    import requests
    monkeypatch.setattr(requests, "get", refuse)
    import tiktoken.registry
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})


def test_known_counts_offline(offline, tmp_path, monkeypatch):
    monkeypatch.setattr(tokens.tempfile, "gettempdir", lambda: str(tmp_path))
    assert tokens.count_text("hello world", "cl100k_base") == 2
    assert tokens.count_text("hello world", "o200k_base") == 2
    assert tokens.count_text("tiktoken is great!", "cl100k_base") == 6


def test_unknown_encoding():
    with pytest.raises(ValueError):
        tokens.encoding("p50k_base")


def test_fallback_four_chars(monkeypatch):
    monkeypatch.setitem(sys.modules, "tiktoken", None)
    with pytest.warns(UserWarning, match="4 characters"):
        assert tokens.count_text("abcdefghi") == 3


def test_missing_shipped_file_falls_back_without_download(offline, monkeypatch, tmp_path):
    monkeypatch.setattr(tokens, "TIKTOKEN_DIR", tmp_path / "nowhere")
    monkeypatch.setattr(tokens.tempfile, "gettempdir", lambda: str(tmp_path))
    with pytest.warns(UserWarning, match="4 characters"):
        assert tokens.count_text("abcd", "cl100k_base") == 1


def test_gemini_media():
    assert tokens.gemini_image_tokens(384, 384) == 258
    assert tokens.gemini_image_tokens(1024, 768) == 2 * 258  # 2 x 1 tiles of 768
    assert tokens.gemini_video_tokens(10) == 2630
    assert tokens.gemini_audio_tokens(60) == 1920


def test_openai_images():
    assert tokens.openai_image_tokens(4096, 4096, "low") == 85
    # 2048x4096 -> fit 1024x2048 -> short side 768: 768x1536 -> 2x3 tiles -> 85 + 170*6
    assert tokens.openai_image_tokens(2048, 4096) == 1105
    # 1024x1024 -> short side 768: 768x768 -> 2x2 tiles -> 85 + 170*4 (OpenAI's example)
    assert tokens.openai_image_tokens(1024, 1024) == 765
    # small images are not scaled up: 500x500 -> 1 tile
    assert tokens.openai_image_tokens(500, 500) == 255


def test_measure_jsonl_and_text(tmp_path):
    chat = tmp_path / "s.jsonl"
    chat.write_text("\n".join(json.dumps(r) for r in [
        {"messages": [{"role": "system", "content": "hello world"},
                      {"role": "user", "content": "hello world"},
                      {"role": "assistant", "content": "hello world"}]},
        {"prompt": "hello world", "completion": "hello world hello world"},
    ]) + "\n")
    txt = tmp_path / "p.txt"
    txt.write_text("hello world")
    stats = tokens.measure([chat, txt], "cl100k_base")
    assert stats.requests == 3
    enc = tokens.encoding("cl100k_base")
    first_in = len(enc.encode("hello world\nhello world"))
    assert stats.input_tokens == pytest.approx((first_in + 2 + 2) / 3)
    assert stats.output_tokens == pytest.approx((2 + 4 + 0) / 3)
    snippet = stats.yaml()
    assert "input_tokens: " in snippet and "output_tokens: " in snippet


def test_cli_prints_yaml(tmp_path):
    from typer.testing import CliRunner

    from tco.cli import app

    f = tmp_path / "s.jsonl"
    f.write_text(json.dumps({"prompt": "hello world", "completion": "hello world"}) + "\n")
    out = CliRunner().invoke(app, ["tokens", str(f), "--encoding", "cl100k_base"])
    assert out.exit_code == 0, out.output
    assert "input_tokens: 2" in out.output and "output_tokens: 2" in out.output


def test_catalog_cli_lists():
    from typer.testing import CliRunner

    from tco.cli import app

    for args in (["catalog", "gpus"], ["catalog", "models"],
                 ["catalog", "apis", "--provider", "openai", "--search", "gpt-4.1"]):
        out = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
        assert out.exit_code == 0, out.output
    assert "openai/gpt-4.1" in out.output
