"""Read scenario files: safe YAML with line numbers, `extends:` composition, pydantic validation.

The only module that reads scenario files. Every value keeps the file and line it was written
at, through merging, so each problem can be reported as `FILE:LINE: path.to.field: message`.

Composition and precedence (lowest to highest):

1. the parents named by `extends:` in the order listed, each fully composed itself first
   (a later parent overrides an earlier one);
2. the file itself, which overrides all of its parents.

Merging: mappings merge key by key, recursively. Lists whose items are all mappings carrying a
`name` (or `id`) merge by that name: an item with a known name deep-merges into the parent's
item in place, a new name is appended. Any other value (scalars, other lists, a type change)
is replaced whole by the overriding file. Relative `extends:` paths resolve against the
directory of the file that names them. A cycle is an error naming the chain. The `extends`
key is consumed here; the validated `Scenario` has `extends=None`.

Hostile input is refused with a `ScenarioError` before it can cost time or memory: files over
`MAX_FILE_BYTES`, bytes that are not UTF-8, nesting deeper than `MAX_DEPTH`, more than
`MAX_ALIASES` aliases or an alias-expanded document over `MAX_NODES` nodes, recursive aliases,
non-finite or overflowing numbers, duplicate keys, a top level that is not a mapping.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tco.errors import Path as FieldPath
from tco.errors import Problem, ScenarioError
from tco.scenario.schema import Scenario

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 50
MAX_ALIASES = 100
MAX_NODES = 1_000_000
MAX_INT_DIGITS = 300
MAX_EXTENDS_DEPTH = 20

Locate = Callable[[FieldPath], tuple[str | None, int | None]]


@dataclass(frozen=True)
class Loaded:
    """A validated scenario, where each of its values was written, and the files read."""

    scenario: Scenario
    locate: Locate
    """Field path -> (file, 1-based line) of the file that supplied the value; nearest parent
    when the path itself was not written (a missing field, a default)."""
    files: list[str]
    """Every file read: the scenario first, then what it extends, each once."""


@dataclass
class Node:
    """A YAML value with the file and line it came from; mappings and lists hold Nodes."""

    value: Any
    file: str
    line: int


class _Refused(Exception):
    """Raised inside the YAML reader to stop on hostile input; carries the 1-based line."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml: the pure-Python parser, slower, same result
    _CParser = None


if _CParser is not None:
    class _SafeBase(yaml.composer.Composer, _CParser, yaml.constructor.SafeConstructor,
                    yaml.resolver.Resolver):
        """Events from libyaml's C parser (about 20 times faster than the pure-Python scanner
        on large portfolios), nodes from PyYAML's Python Composer so the guards see each."""

        def __init__(self, stream: str):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:
    _SafeBase = yaml.SafeLoader  # type: ignore[misc,assignment]


class _GuardedLoader(_SafeBase):
    """A safe loader that bounds nesting depth and alias count while composing nodes."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self.flattened: set[int] = set()
        """Mappings already checked and flattened (an alias visits the same node again)."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        """Count depth and aliases before PyYAML recurses, so neither can blow up."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(f"more than {MAX_ALIASES} aliases (*name): refused as a possible"
                               " alias bomb (expected plain values)", event.start_mark.line + 1)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels (expected a shallow"
                           " scenario document)", event.start_mark.line + 1)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_scenario(path: str | Path) -> Loaded:
    """Read a scenario file and what it extends, merge, and validate against the schema.

    Raises ScenarioError with every located problem found (all schema errors at once).
    """
    root, read = _compose_file(Path(path), chain=(), named_at=None)
    data, lines = _plain(root)
    files = list(dict.fromkeys(read))
    locate = _locator(lines, files[0])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(_problems_from(e, data, locate)) from None
    return Loaded(scenario=scenario, locate=locate, files=files)


def file_sha256(path: str | Path) -> str:
    """The sha256 of a scenario file's bytes as they are now (for the sign-off record)."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- reading one file --------------------------------------------------------------------


def _read_text(path: Path, named_at: Problem | None) -> str:
    """The file's text; missing, oversized and non-UTF-8 files are refused."""
    where = str(path)
    if not path.is_file():
        if named_at is not None:
            raise ScenarioError([Problem(named_at.path, f"file not found: {where}"
                                         " (expected a scenario file path relative to this"
                                         " file)", named_at.file, named_at.line)])
        raise ScenarioError([Problem((), "file not found (expected a scenario YAML file)",
                                     where)])
    raw = _read_whole(path, where)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ScenarioError([Problem((), f"byte 0x{raw[e.start]:02x} is not UTF-8 (expected"
                                     " a UTF-8 text file)", where, line)]) from None


READ_ATTEMPTS = 3


def _read_whole(path: Path, where: str) -> bytes:
    """The file's bytes as one version: read again when it changed while being read.

    An editor or a sync tool saving the file during the read could hand the parser half of
    it, which may still be valid YAML (a list cut short). The file's identity, size and
    modification time are compared before and after the read; after READ_ATTEMPTS changes in
    a row it is refused. Reads at most MAX_FILE_BYTES + 1 bytes, whatever the size said.
    """
    for _ in range(READ_ATTEMPTS):
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            if before.st_size > MAX_FILE_BYTES:
                raise ScenarioError([Problem((), f"file is {before.st_size} bytes (expected at"
                                             f" most {MAX_FILE_BYTES})", where)])
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError([Problem((), f"file is over {MAX_FILE_BYTES} bytes (expected at"
                                         f" most {MAX_FILE_BYTES})", where)])
        try:
            after = os.stat(path)
        except OSError:
            continue
        same = (before.st_ino, before.st_size, before.st_mtime_ns) == (
            after.st_ino, after.st_size, after.st_mtime_ns)
        if same and len(raw) == before.st_size:
            return raw
    raise ScenarioError([Problem((), f"file changed while it was read, {READ_ATTEMPTS} times in"
                                 " a row (expected a file that stays the same while tco reads"
                                 " it: run again once it is saved)", where)])


def _reader_error(e: yaml.reader.ReaderError, text: str, where: str) -> ScenarioError:
    """A character YAML does not allow, located at its first occurrence."""
    char = chr(e.character) if isinstance(e.character, int) else e.character
    line = text[: text.find(char)].count("\n") + 1 if char in text else None
    return ScenarioError([Problem((), f"character U+{ord(char):04X} is not allowed in YAML"
                                  " (expected printable text)", where, line)])


def _flow_depth_refusal(text: str) -> _Refused | None:
    """Flow collections (`[`, `{`) nested deeper than MAX_DEPTH, found before any parser runs.

    The YAML scanner nests flow collections before our composer sees a node, and PyYAML
    versions differ in whether and how they refuse deep nesting; this scan keeps tco's own
    limit and message on every version. Quoted strings and comments are skipped; a bracket in
    a plain scalar counts too, which only matters past MAX_DEPTH unclosed brackets.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _Refused(f"nesting deeper than {MAX_DEPTH} levels (expected a shallow"
                                " scenario document)", line)
        elif c in "]}":
            depth = max(0, depth - 1)
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n"):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "'\"" and (i == 0 or text[i - 1] in " \t\n[{,:-"):
            j = i + 1
            while j < n:
                if c == "'" and text[j] == "'":
                    if text[j + 1: j + 2] == "'":
                        j += 2
                        continue
                    break
                if c == '"' and text[j] == "\\":
                    j += 2
                    continue
                if c == '"' and text[j] == '"':
                    break
                j += 1
            line += text.count("\n", i, j)
            i = j + 1
            continue
        i += 1
    return None


def _compose_yaml(text: str, where: str) -> yaml.Node | None:
    """Compose the YAML node graph safely; syntax errors and refusals become ScenarioErrors."""
    refused = _flow_depth_refusal(text)
    if refused is not None:
        raise ScenarioError([Problem((), refused.message, where, refused.line)])
    try:
        loader = _GuardedLoader(text)
    except yaml.reader.ReaderError as e:
        raise _reader_error(e, text, where) from None
    try:
        return loader.get_single_node()
    except yaml.reader.ReaderError as e:  # libyaml finds bad characters while parsing
        raise _reader_error(e, text, where) from None
    except _Refused as e:
        raise ScenarioError([Problem((), e.message, where, e.line)]) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise ScenarioError([Problem((), f"not valid YAML: {msg}", where, line)]) from None
    except yaml.YAMLError as e:
        raise ScenarioError([Problem((), f"not valid YAML: {e}", where)]) from None
    finally:
        loader.dispose()


def _check_size(node: yaml.Node, where: str) -> None:
    """Refuse documents whose alias expansion is huge or recursive, before anything walks them."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: yaml.Node) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise ScenarioError([Problem((), "an alias refers to a value that contains it"
                                         " (expected no recursive aliases)", where,
                                         n.start_mark.line + 1)])
        active.add(key)
        total = 1
        if isinstance(n, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            total += sum(size(v) for v in n.value)
        active.discard(key)
        if total > MAX_NODES:
            raise ScenarioError([Problem((), f"document expands to more than {MAX_NODES}"
                                         " values (expected a scenario, not an alias bomb)",
                                         where, n.start_mark.line + 1)])
        sizes[key] = total
        return total

    size(node)


_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{t}"
                         for t in ("str", "int", "float", "bool", "null", "timestamp"))


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode, where: str,
            path: FieldPath) -> Any:
    """Construct one scalar as SafeLoader would, refusing numbers that are not finite."""
    line = node.start_mark.line + 1
    if node.tag.endswith(":int") and len(node.value) > MAX_INT_DIGITS:
        raise ScenarioError([Problem(path, f"number with {len(node.value)} digits is too large"
                                     " (expected a finite number)", where, line)])
    if node.tag not in _SCALAR_TAGS:
        raise ScenarioError([Problem(path, f"YAML tag {node.tag!r} is not allowed (expected"
                                     " a plain text, number, true/false or null)", where, line)])
    try:
        value = loader.construct_object(node)
    except Exception as e:  # noqa: BLE001 - PyYAML raises several kinds on a malformed scalar
        kind = node.tag.rsplit(":", 1)[-1]
        raise ScenarioError([Problem(path, f"cannot read {node.value[:40]!r} as !!{kind}"
                                     f" (expected a valid {kind}: {type(e).__name__})",
                                     where, line)]) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError([Problem(path, f"{node.value[:40]!r} is not a finite number"
                                     " (expected a finite number, not NaN or infinity)",
                                     where, line)])
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e300:
        raise ScenarioError([Problem(path, f"{node.value[:40]!r} is too large (expected a"
                                     " finite number)", where, line)])
    return value


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _to_nodes(loader: _GuardedLoader, node: yaml.Node, where: str, path: FieldPath) -> Node:
    """Turn the YAML node graph into Nodes with lines; duplicate keys are refused."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return Node(_scalar(loader, node, where, path), where, line)
    if node.tag not in _PLAIN_TAGS:
        raise ScenarioError([Problem(path, f"YAML tag {node.tag!r} is not allowed (expected"
                                     " a plain list or mapping)", where, line)])
    if isinstance(node, yaml.SequenceNode):
        return Node([_to_nodes(loader, v, where, (*path, i)) for i, v in enumerate(node.value)],
                    where, line)
    if id(node) not in loader.flattened:
        _refuse_duplicate_keys(loader, node, where, path)
        loader.flattened.add(id(node))
    try:
        loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys as SafeLoader does
    except yaml.YAMLError as e:
        raise ScenarioError([Problem(path, f"bad merge key '<<': {e.problem} (expected a"
                                     " mapping or a list of mappings)", where, line)]) from None
    out: dict[Any, Node] = {}
    for key_node, value_node in node.value:  # merged pairs first, so written keys win
        key = _scalar(loader, key_node, where, path)
        child = _to_nodes(loader, value_node, where, (*path, key))
        child.line = key_node.start_mark.line + 1  # point at `key:`, not the next line
        out[key] = child
    return Node(out, where, line)


def _refuse_duplicate_keys(loader: yaml.SafeLoader, node: yaml.MappingNode, where: str,
                           path: FieldPath) -> None:
    """A key written twice in one mapping is an error (PyYAML would keep the last silently)."""
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise ScenarioError([Problem(path, "a key is a list or mapping (expected a plain"
                                         " name)", where, key_line)])
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = _scalar(loader, key_node, where, path)
        if key in first_line:
            raise ScenarioError([Problem((*path, key), f"duplicate key '{key}' (first written"
                                         f" at line {first_line[key]}; expected each key once)",
                                         where, key_line)])
        first_line[key] = key_line


def _read_file(path: Path, named_at: Problem | None) -> Node:
    """One file as a mapping Node; a top level that is not a mapping is refused."""
    where = str(path)
    yaml_node = _compose_yaml(_read_text(path, named_at), where)
    if yaml_node is None:
        raise ScenarioError([Problem((), "the file is empty (expected a mapping with name,"
                                     " workloads, ...)", where, 1)])
    _check_size(yaml_node, where)
    loader = _GuardedLoader("")
    try:
        root = _to_nodes(loader, yaml_node, where, ())
    finally:
        loader.dispose()
    if not isinstance(root.value, dict):
        kind = "a list" if isinstance(root.value, list) else f"{type(root.value).__name__}"
        raise ScenarioError([Problem((), f"the top level is {kind} (expected a mapping with"
                                     " name, workloads, ...)", where, root.line)])
    return root


# --- composition -------------------------------------------------------------------------


def _extends_of(root: Node) -> list[tuple[str, Problem]]:
    """The paths named by `extends:` with where each was written; a bad value is refused."""
    node = root.value.get("extends")
    if node is None or node.value is None:
        return []
    items = node.value if isinstance(node.value, list) else [node]
    out = []
    for i, item in enumerate(items):
        path: FieldPath = ("extends", i) if isinstance(node.value, list) else ("extends",)
        if not isinstance(item.value, str) or not item.value:
            raise ScenarioError([Problem(path, "expected a file path or a list of file paths",
                                         item.file, item.line)])
        out.append((item.value, Problem(path, "", item.file, item.line)))
    return out


def _compose_file(path: Path, chain: tuple[tuple[Path, str], ...],
                  named_at: Problem | None) -> tuple[Node, list[str]]:
    """The file merged over its parents (later parents over earlier, the file over all),
    and the files read for it, itself first. `chain` holds (resolved, shown) of the files
    that led here, to refuse cycles."""
    resolved = path.resolve() if path.exists() else path.absolute()
    if resolved in (r for r, _ in chain):
        names = " -> ".join([*(shown for _, shown in chain), str(path)])
        assert named_at is not None
        raise ScenarioError([Problem(named_at.path, f"extends cycle: {names} (expected no"
                                     " file to extend itself)", named_at.file, named_at.line)])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        assert named_at is not None
        raise ScenarioError([Problem(named_at.path, f"extends chain deeper than"
                                     f" {MAX_EXTENDS_DEPTH} files (expected fewer levels)",
                                     named_at.file, named_at.line)])
    root = _read_file(path, named_at)
    merged: Node | None = None
    files = [str(path)]
    for rel, where in _extends_of(root):
        parent_path = Path(os.path.normpath(path.parent / rel))
        parent, read = _compose_file(parent_path, (*chain, (resolved, str(path))), where)
        files += read
        merged = parent if merged is None else _merge(merged, parent)
    root.value.pop("extends", None)
    return (root if merged is None else _merge(merged, root)), files


def _item_key(node: Node) -> Any:
    """The name or id of a list item, or None when it has neither."""
    if not isinstance(node.value, dict):
        return None
    for key in ("name", "id"):
        if key in node.value and isinstance(node.value[key].value, str):
            return (key, node.value[key].value)
    return None


def _merge_lists(base: Node, over: Node) -> Node:
    """Named items merge by name (new ones appended); otherwise the override replaces."""
    base_keys = [_item_key(n) for n in base.value]
    over_keys = [_item_key(n) for n in over.value]
    if not over.value or None in base_keys or None in over_keys:
        return over
    items = list(base.value)
    index = {k: i for i, k in enumerate(base_keys)}
    for key, node in zip(over_keys, over.value):
        if key in index:
            items[index[key]] = _merge(items[index[key]], node)
        else:
            index[key] = len(items)
            items.append(node)
    return Node(items, over.file, over.line)


def _merge(base: Node, over: Node) -> Node:
    """Deep merge of `over` onto `base`; see the module docstring for the rules."""
    if isinstance(base.value, dict) and isinstance(over.value, dict):
        out = dict(base.value)
        for key, node in over.value.items():
            out[key] = _merge(out[key], node) if key in out else node
        return Node(out, over.file, over.line)
    if isinstance(base.value, list) and isinstance(over.value, list):
        return _merge_lists(base, over)
    return over


# --- plain data and locations ------------------------------------------------------------


def _plain(root: Node) -> tuple[Any, dict[FieldPath, tuple[str, int]]]:
    """Plain Python data for pydantic, and path -> (file, line) for every value."""
    lines: dict[FieldPath, tuple[str, int]] = {}

    def walk(node: Node, path: FieldPath) -> Any:
        lines[path] = (node.file, node.line)
        if isinstance(node.value, dict):
            return {k: walk(v, (*path, k)) for k, v in node.value.items()}
        if isinstance(node.value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node.value)]
        return node.value

    return walk(root, ()), lines


def _locator(lines: dict[FieldPath, tuple[str, int]], main_file: str) -> Locate:
    """A `locate(path)` that falls back to the nearest written parent."""

    def locate(path: FieldPath) -> tuple[str | None, int | None]:
        path = tuple(path)
        while path:
            if path in lines:
                return lines[path]
            path = path[:-1]
        return lines.get((), (main_file, 1))

    return locate


# --- pydantic errors as problems ---------------------------------------------------------

_TAG = re.compile(r"^[a-z_-]+\[.*\]$|^(float|int|str|bool|list|dict|none|literal)$")
_TYPE_ERRORS = ("_type", "_parsing", "literal_error", "int_from_float", "enum")


def _clean_loc(loc: tuple, data: Any) -> tuple[FieldPath, bool]:
    """The error's path in the data, without pydantic's union-branch tags; True if tags dropped."""
    out: list[str | int] = []
    tagged = False
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
            out.append(part)
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
            out.append(part)
        elif isinstance(part, str) and _TAG.match(part):
            tagged = True
        else:
            out.append(part)
            cur = None
    return tuple(out), tagged


def _unwrap(annotation: Any) -> list[Any]:
    """The alternatives of an annotation, Annotated and Optional taken apart."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [alt for arg in typing.get_args(annotation) for alt in _unwrap(arg)]
    return [annotation]


def _descend(annotation: Any, part: str | int) -> Any:
    """The annotation one step down a field path, or None when unknown."""
    for alt in _unwrap(annotation):
        origin = typing.get_origin(alt)
        if isinstance(alt, type) and issubclass(alt, BaseModel) and isinstance(part, str):
            for name, info in alt.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        elif origin is list and isinstance(part, int):
            return typing.get_args(alt)[0]
        elif origin is dict and isinstance(part, str):
            return typing.get_args(alt)[1]
    return None


def field_names_at(path: FieldPath) -> list[str]:
    """The keys the schema allows in the mapping at `path` (empty when not a model)."""
    annotation: Any = Scenario
    for part in path:
        annotation = _descend(annotation, part)
        if annotation is None:
            return []
    for alt in _unwrap(annotation):
        if isinstance(alt, type) and issubclass(alt, BaseModel):
            return [info.alias or name for name, info in alt.model_fields.items()]
    return []


def _short(value: Any) -> str:
    """A value as it appears in a message, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_key_message(path: FieldPath) -> str:
    """Message for a key the schema does not have, with a did-you-mean suggestion."""
    key = str(path[-1])
    allowed = [n for n in field_names_at(path[:-1]) if n != "extends"]
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key '{key}'{hint} (expected one of: {', '.join(allowed)})"


def _expectation(err: dict) -> str:
    """What pydantic expected, in words."""
    msg: str = err["msg"]
    if msg.startswith("Input should be "):
        return msg[len("Input should be "):]
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    return msg[0].lower() + msg[1:] if msg else "a valid value"


def _message(err: dict, path: FieldPath) -> str:
    """One pydantic error as a sentence saying what was found and what was expected."""
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_key_message(path)
    if kind == "missing":
        return f"required field '{path[-1]}' is missing (expected a value)"
    ctx = err.get("ctx") or {}
    if kind in ("too_short", "string_too_short"):
        unit = "item" if kind == "too_short" else "character"
        n = ctx.get("min_length")
        return f"got {_short(err.get('input'))} (expected at least {n} {unit}{'s' * (n != 1)})"
    if kind in ("too_long", "string_too_long"):
        unit = "item" if kind == "too_long" else "character"
        n = ctx.get("max_length")
        return f"too long (expected at most {n} {unit}{'s' * (n != 1)})"
    text = _expectation(err)
    if kind in ("value_error", "assertion_error"):
        if text.startswith("must be "):
            return f"got {_short(err.get('input'))} (expected {text[len('must be '):]})"
        return text if "expected" in text else f"{text} (expected a valid value)"
    return f"got {_short(err.get('input'))} (expected {text})"


def _problems_from(error: ValidationError, data: Any, locate: Locate) -> list[Problem]:
    """Every pydantic error as a located Problem; union branches folded into one message."""
    groups: dict[FieldPath, list[tuple[dict, bool]]] = {}
    for err in error.errors(include_url=False):
        path, tagged = _clean_loc(tuple(err["loc"]), data)
        groups.setdefault(path, []).append((err, tagged))
    deeper = {p[:i] for p in groups for i in range(len(p))}
    problems = []
    for path, errs in groups.items():
        tagged_errs = [e for e, t in errs if t]
        plain = [e for e, t in errs if not t]
        if tagged_errs:
            fitting = [e for e in tagged_errs if not e["type"].endswith(_TYPE_ERRORS)]
            if path in deeper and not fitting:
                tagged_errs = []  # a union branch matched the type; its inner errors say more
            elif fitting:
                tagged_errs = fitting
        problems += [_problem(path, _message(e, path), locate) for e in plain]
        if len(tagged_errs) == 1:
            problems.append(_problem(path, _message(tagged_errs[0], path), locate))
        elif tagged_errs:
            wants = ", or ".join(dict.fromkeys(_expectation(e) for e in tagged_errs))
            got = _short(tagged_errs[0].get("input"))
            problems.append(_problem(path, f"got {got} (expected {wants})", locate))
    return problems


def _problem(path: FieldPath, message: str, locate: Locate) -> Problem:
    """A Problem located through `locate`."""
    file, line = locate(path)
    return Problem(path, message, file, line)
