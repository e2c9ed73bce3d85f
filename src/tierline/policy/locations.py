"""YAML → plain data plus a map from every key path to its line and column.

PyYAML's ``yaml.safe_load`` throws positions away, and silently keeps the last of two duplicate
keys. So the loader composes the node tree itself (``yaml.compose`` semantics, with libyaml's
``CSafeLoader`` when it is available), records where each key and value sits, and builds the
Python data from the nodes. That one walk is also where hostile input is stopped:

* duplicate keys are reported at the second occurrence;
* aliases are never expanded by the walker: a node seen before is shared, and the size the
  document *would* have when expanded is measured first (linear time, memoised), so an alias bomb
  is refused before anything walks it;
* recursive aliases (``&a [*a]``) and documents nested deeper than any policy needs are refused;
* libyaml composes recursively in C and can overflow the C stack on pathological nesting, so text
  that could nest deeply is composed by the pure-Python loader, whose recursion is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tierline.policy.errors import DOCUMENT, Path, Problem, format_path
from tierline.policy.sourcemap import Mark, Place, SourceMap

try:  # libyaml makes loading several times faster; the pure-Python loader is the fallback
    from yaml import CSafeLoader as _FastLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _FastLoader = None  # type: ignore[assignment,misc]

#: No policy needs more; anything deeper is junk and is refused before it is walked.
MAX_DEPTH = 40
#: Values the document may hold once aliases are expanded (the examples hold about 2,500).
MAX_VALUES = 200_000
#: Above this rough nesting estimate the text is composed by the pure-Python loader.
_C_NESTING_BUDGET = 2_000

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class ParsedYaml:
    data: Any
    source_map: SourceMap
    problems: list[Problem]
    empty: bool = False
    #: Paths of scalars that could not be read (their value is None in ``data``).
    unreadable: list[Path] = field(default_factory=list)


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def parse_yaml(text: str, filename: str) -> ParsedYaml:
    """Compose ``text`` and build its data; problems carry the file name and position."""
    source_map = SourceMap()
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        return ParsedYaml(None, source_map, [_syntax_problem(exc, text, filename)])
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        what = f"character U+{ord(char):04X} cannot appear in YAML: {exc.reason}"
        problem = Problem(filename, line, col, DOCUMENT, what, "expected printable UTF-8 text")
        return ParsedYaml(None, source_map, [problem])
    except RecursionError:
        problem = Problem(
            filename,
            1,
            1,
            DOCUMENT,
            "the document is nested too deeply to read",
            f"expected at most {MAX_DEPTH} levels of nesting",
        )
        return ParsedYaml(None, source_map, [problem])
    except yaml.YAMLError as exc:
        return ParsedYaml(None, source_map, [Problem(filename, 1, 1, DOCUMENT, str(exc), "")])
    if root is None:
        return ParsedYaml(None, source_map, [], empty=True)
    builder = _Builder(filename, source_map)
    if not builder.measure(root):
        return ParsedYaml(None, source_map, builder.problems)
    data = builder.build(root, (), None)
    return ParsedYaml(data, source_map, builder.problems, unreadable=builder.unreadable)


def _compose(text: str) -> Node | None:
    loader_cls: Any = yaml.SafeLoader
    if _FastLoader is not None and _nesting_estimate(text) <= _C_NESTING_BUDGET:
        loader_cls = _FastLoader
    loader = loader_cls(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _nesting_estimate(text: str) -> int:
    """An over-estimate of how deep ``text`` can nest (flow brackets plus block indentation)."""
    flow = text.count("[") + text.count("{")
    block = 0
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        block = max(block, indent + stripped.count("-") + stripped.count("?") + stripped.count(":"))
    return flow + 2 * block


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, filename: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = exc.problem or "invalid YAML"
    if exc.context == "expected a single document in the stream":
        return Problem(
            filename,
            line,
            col,
            DOCUMENT,
            "the file holds a second YAML document",
            "expected a single policy document (no second '---')",
        )
    if exc.context:
        ctx_mark = exc.context_mark
        where = f" (line {ctx_mark.line + 1})" if ctx_mark is not None else ""
        what = f"{what} {exc.context}{where}"
    return Problem(
        filename, line, col, DOCUMENT, f"YAML syntax error: {what}", "expected valid YAML"
    )


class _Builder:
    """Builds data and places from a composed node tree (see the module docstring)."""

    def __init__(self, filename: str, source_map: SourceMap) -> None:
        self.filename = filename
        self.places = source_map.places
        self.problems: list[Problem] = []
        self.unreadable: list[Path] = []
        self._built: dict[int, Any] = {}
        self._constructor = SafeConstructor()

    def _problem(self, node: Node, path: Path, message: str, expected: str) -> None:
        m = _mark(node)
        self.problems.append(
            Problem(self.filename, m.line, m.col, format_path(path), message, expected)
        )

    # ----------------------------------------------------------------- measuring

    def measure(self, root: Node) -> bool:
        """Size, depth and cycles of the tree, without expanding aliases; False stops the load."""
        size: dict[int, int] = {}
        depth: dict[int, int] = {}
        on_stack: set[int] = set()
        stack: list[tuple[Node, int]] = [(root, 0)]
        while stack:
            node, state = stack.pop()
            nid = id(node)
            if state == 0:
                if nid in size:
                    continue
                if nid in on_stack:
                    self._problem(
                        node,
                        (),
                        "an alias refers to a value that contains it",
                        "expected aliases to refer to finished values (no recursion)",
                    )
                    return False
                on_stack.add(nid)
                stack.append((node, 1))
                stack.extend((child, 0) for child in _children(node))
                continue
            on_stack.discard(nid)
            kids = [id(c) for c in _children(node)]
            size[nid] = min(MAX_VALUES + 1, 1 + sum(size.get(k, 0) for k in kids))
            depth[nid] = 1 + max((depth.get(k, 0) for k in kids), default=0)
            if depth[nid] > MAX_DEPTH:
                self._problem(
                    node,
                    (),
                    f"values are nested more than {MAX_DEPTH} levels deep",
                    f"expected at most {MAX_DEPTH} levels of nesting",
                )
                return False
        if size.get(id(root), 0) > MAX_VALUES:
            self._problem(
                root,
                (),
                f"the document expands to more than {MAX_VALUES} values (through aliases)",
                "expected a policy that does not multiply aliases",
            )
            return False
        return True

    # ----------------------------------------------------------------- building

    def build(self, node: Node, path: Path, key: Mark | None) -> Any:
        kind = (
            "map"
            if isinstance(node, MappingNode)
            else "seq"
            if isinstance(node, SequenceNode)
            else "scalar"
        )
        self.places.setdefault(path, Place(key, _mark(node), kind))
        nid = id(node)
        if nid in self._built:  # an alias: share the value, do not walk it again
            return self._built[nid]
        if isinstance(node, ScalarNode):
            value = self._scalar(node, path)
        elif isinstance(node, SequenceNode):
            self._check_tag(node, path, _SEQ_TAG)
            items: list[Any] = []
            self._built[nid] = items
            for i, child in enumerate(node.value):
                items.append(self.build(child, (*path, i), None))
            return items
        else:
            assert isinstance(node, MappingNode)
            self._check_tag(node, path, _MAP_TAG)
            mapping: dict[str, Any] = {}
            self._built[nid] = mapping
            self._mapping(node, path, mapping)
            return mapping
        self._built[nid] = value
        return value

    def _check_tag(self, node: Node, path: Path, tag: str) -> None:
        if node.tag != tag:
            shown = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            self._problem(
                node, path, f"unsupported tag '{shown}'", "expected plain YAML without tags"
            )
            self.unreadable.append(path)

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            what = (exc.problem or "unsupported value").replace("tag:yaml.org,2002:", "!!")
        except (ValueError, OverflowError, TypeError) as exc:
            what = str(exc) if len(node.value) < 100 else f"a value of {len(node.value)} characters"
        expected = "expected a plain string, number, boolean or date"
        if node.tag.endswith(":timestamp"):
            expected = "expected a real date such as 2026-12-24"
        elif node.tag.endswith(":int"):
            expected = "expected a number of realistic size"
        self._problem(node, path, f"cannot read '{node.value[:40]}': {what}", expected)
        self.unreadable.append(path)
        return None

    def _mapping(self, node: MappingNode, path: Path, out: dict[str, Any]) -> None:
        seen: dict[str, Mark] = {}
        merged: list[tuple[ScalarNode, Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_pairs(value_node, path))
                continue
            if not isinstance(key_node, ScalarNode):
                self._problem(
                    key_node, path, "a key is a list or mapping", "expected a plain name as the key"
                )
                continue
            name = str(key_node.value)
            kmark = _mark(key_node)
            if name in seen:
                first = seen[name]
                self._problem(
                    key_node,
                    (*path, name),
                    f"key '{name}' appears twice (first at line {first.line})",
                    "expected each key once in a mapping",
                )
                continue
            seen[name] = kmark
            out[name] = self.build(value_node, (*path, name), kmark)
        for key_node, value_node in merged:  # explicit keys win over merged ones
            name = str(key_node.value)
            if name not in out:
                out[name] = self.build(value_node, (*path, name), _mark(key_node))

    def _merge_pairs(self, node: Node, path: Path) -> list[tuple[ScalarNode, Node]]:
        """Pairs a ``<<`` merge brings in, earlier mappings winning, as YAML 1.1 says."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs: list[tuple[ScalarNode, Node]] = []
        for source in sources:
            if not isinstance(source, MappingNode):
                self._problem(
                    source,
                    path,
                    "'<<' merges something that is not a mapping",
                    "expected '<<: *anchor' naming a mapping",
                )
                continue
            for k, v in source.value:
                if isinstance(k, ScalarNode) and k.tag == _MERGE_TAG:
                    pairs.extend(self._merge_pairs(v, path))
                elif isinstance(k, ScalarNode):
                    pairs.append((k, v))
        return pairs


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []
