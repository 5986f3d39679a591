"""YAML with line numbers, so every definition message can say where to look.

PyYAML's node marks carry lines; this loader keeps them on the dicts and lists it
builds, which lets the definition checks point at `file:line` without a second parse.
"""

from __future__ import annotations

from pathlib import Path

import yaml


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict


class LineList(list):
    line: int = 0
    item_lines: list


# libyaml's parser (in PyYAML's wheels) marks nodes with lines too, and parses a template's
# definition ≈10× faster than the pure-Python one: the first workbook a process reads embeds it.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def construct_sequence(self, node, deep=False):
        out = LineList(self.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_sequence)
# Dates stay text: the definition parser reads them with Indonesian month names too.
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlSyntaxError(Exception):
    def __init__(self, line: int, problem: str):
        super().__init__(problem)
        self.line = line
        self.problem = problem


def load(path: Path):
    """Parse a YAML file into LineDict/LineList trees; syntax errors carry a line."""
    return loads(path.read_text(encoding="utf-8"))


def loads(text: str):
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(mark.line + 1 if mark else 0, str(exc.problem or exc)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(0, str(exc)) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a scalar PyYAML's resolver took for a number
        raise YamlSyntaxError(0, f"nilai tidak terbaca ({exc})") from None


def line_of(container, key=None) -> int:
    """Best line for a key of a LineDict, an index of a LineList, or the container."""
    if isinstance(container, LineDict) and key is not None and key in container.key_lines:
        return container.key_lines[key]
    if isinstance(container, LineList) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", 0)
