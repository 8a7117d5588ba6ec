"""Read a strategy file's YAML safely, remembering the line of every node.

Anchors and aliases are allowed (a shared `when`, a `<<: *defaults` merge), but only
a few: a few hundred bytes of nested aliases ("billion laughs") would otherwise expand
to billions of nodes and take minutes and gigabytes before any check could run.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_ALIASES = 50
MAX_EXPANDED_NODES = 10_000

Lines = dict[tuple[Any, ...], int]


class YamlRefused(ValueError):
    """The YAML cannot be read, or expands too far; `line` is 1-based when known."""

    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        super().__init__(message)


class _CountingLoader(yaml.SafeLoader):
    """A SafeLoader that refuses more than MAX_ALIASES aliases."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        """Count each alias before composing it."""
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                line = self.peek_event().start_mark.line + 1
                raise YamlRefused(
                    line,
                    f"too many aliases (*name): more than {MAX_ALIASES}; "
                    "write the repeated parts out",
                )
        return super().compose_node(parent, index)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes `node` stands for once every alias is expanded (memoised)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a node that contains itself counts once, not forever
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, sizes) for item in node.value)
    else:
        size = 1
    sizes[id(node)] = size
    return size


def _node_lines(root: yaml.Node) -> Lines:
    lines: Lines = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
                walk(value, (*path, name))
                lines[(*path, name)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    walk(root, ())
    return lines


def load_with_lines(text: str) -> tuple[Any, Lines]:
    """Parse YAML safely; return the data and the line (1-based) of each node by its path."""
    loader = _CountingLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        size = _expanded_size(root, {})
        if size > MAX_EXPANDED_NODES:
            raise YamlRefused(
                root.start_mark.line + 1,
                f"the aliases expand to {size:,} nodes (at most {MAX_EXPANDED_NODES:,}); "
                "write the repeated parts out",
            )
        lines = _node_lines(root)
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlRefused(
            mark.line + 1 if mark is not None else None,
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
        ) from exc
    finally:
        loader.dispose()
    return data, lines


def line_of(lines: Lines, path: tuple[Any, ...]) -> int | None:
    """The line of the node at `path`, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
