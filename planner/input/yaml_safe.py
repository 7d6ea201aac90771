"""A YAML loader for instances and catalogs: the YAML 1.2 core schema, safe tags only, no aliases,
no duplicate keys.

Why each rule:
- no python (or any other non-core) tag is ever constructed: `!!python/object/apply:os.system` is
  refused before anything runs, and so are `!!binary`, `!!set`, `!!timestamp`, `!!omap`, `!!pairs`
  (an instance needs mappings, lists, text, numbers, true/false and null only);
- anchors and aliases are refused at the first alias (an instance never needs them; refusing them
  stops alias bombs -- "billion laughs" -- before any expansion);
- a key given twice in one mapping is an error (YAML says keys are unique; PyYAML keeps the last one
  silently, which hides typos such as two `budget_usd` lines);
- scalars resolve as YAML 1.2 does, not as YAML 1.1 (PyYAML's default): `1e13` is a number,
  `2024-01-01`, `yes`, `no`, `on`, `off` and `1:30` are text, `012` is twelve, `<<` is an ordinary
  key. Underscores in numbers (`405_000_000_000`) are accepted, as PyYAML always did.

Every refusal raises `YamlRefused` with the line and column; planner.input.loading turns it into an
InputError naming the file.
"""

from __future__ import annotations

import re

import yaml


class YamlRefused(yaml.MarkedYAMLError):
    """Valid YAML that an instance may not use (alias, non-core tag, duplicate key)."""


_CORE = "tag:yaml.org,2002:"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), plus `_` digit separators.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(
    r"""^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[0-9][0-9_]*[eE][-+]?[0-9]+
    |\.(?:inf|Inf|INF))$
    |^\.(?:nan|NaN|NAN)$""",
    re.X,
)

#: Longest integer literal accepted (Python refuses to convert > 4300 digits; no count needs 100).
MAX_INT_DIGITS = 100


class SafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader restricted to the YAML 1.2 core schema (module docstring)."""

    yaml_implicit_resolvers: dict = {}
    yaml_constructors = {
        tag: constructor
        for tag, constructor in yaml.SafeLoader.yaml_constructors.items()
        if tag in {_CORE + name for name in ("null", "bool", "int", "float", "str", "seq", "map")}
    }
    yaml_multi_constructors: dict = {}

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlRefused(None, None, "YAML aliases (*name) are not allowed in an instance; write the value out",
                              event.start_mark)
        return super().compose_node(parent, index)

    def construct_undefined(self, node):  # type: ignore[override]
        raise YamlRefused(None, None, f"tag '{_short_tag(node.tag)}' is not allowed; an instance holds only "
                          "mappings, lists, text, numbers, true/false and null", node.start_mark)

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    raise YamlRefused(None, None, "a mapping key must be text or a number", key_node.start_mark) from None
                if first is not None:
                    raise YamlRefused("first given", first, f"key '{key}' is given twice in one mapping",
                                      key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):  # type: ignore[override]
        raw = str(self.construct_scalar(node))
        text = raw.replace("_", "")
        sign = -1 if text.startswith("-") else 1
        digits = text[1:] if text[:1] in "+-" else text
        if len(digits) > MAX_INT_DIGITS:
            raise YamlRefused(None, None, f"a number with {len(digits)} digits is too long "
                              f"(at most {MAX_INT_DIGITS}; write large values as 1.5e13)", node.start_mark)
        base, body = {"0x": (16, digits[2:]), "0o": (8, digits[2:])}.get(digits[:2], (10, digits))
        try:
            if not body or not body.isascii() or not body.isalnum():
                raise ValueError(body)
            return sign * int(body, base)
        except ValueError:
            raise YamlRefused(None, None, f"{_shown(raw)} is not a whole number (tagged or read as !!int)",
                              node.start_mark) from None

    def construct_yaml_float(self, node):  # type: ignore[override]
        raw = str(self.construct_scalar(node))
        text = raw.replace("_", "")
        lowered = text.lower()
        body = lowered[1:] if lowered[:1] in "+-" else lowered
        if body == ".inf":
            return float("-inf") if lowered.startswith("-") else float("inf")
        if body == ".nan":
            return float("nan")
        if len(body) > 400 or not _FLOAT_TEXT.fullmatch(body):
            raise YamlRefused(None, None, f"{_shown(raw)} is not a number (tagged or read as !!float)",
                              node.start_mark)
        return float(text)

    def construct_yaml_bool(self, node):  # type: ignore[override]
        raw = str(self.construct_scalar(node))
        if not _BOOL.match(raw):
            raise YamlRefused(None, None, f"{_shown(raw)} is not true or false (tagged !!bool)", node.start_mark)
        return raw.lower() == "true"

    def construct_yaml_null(self, node):  # type: ignore[override]
        raw = str(self.construct_scalar(node))
        if not _NULL.match(raw):
            raise YamlRefused(None, None, f"{_shown(raw)} is not null (tagged !!null)", node.start_mark)
        return None


#: The digits of a float after its sign (no `_`): 1.5, .5, 5., 1e3, 1.5e-3.
_FLOAT_TEXT = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?")


def _shown(text: str, limit: int = 40) -> str:
    """A scalar for a message: quoted, control characters escaped, at most `limit` characters."""
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return repr(shown)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


SafeLoader.add_constructor(None, SafeLoader.construct_undefined)
SafeLoader.add_constructor(_CORE + "int", SafeLoader.construct_yaml_int)
SafeLoader.add_constructor(_CORE + "float", SafeLoader.construct_yaml_float)
SafeLoader.add_constructor(_CORE + "bool", SafeLoader.construct_yaml_bool)
SafeLoader.add_constructor(_CORE + "null", SafeLoader.construct_yaml_null)
SafeLoader.add_implicit_resolver(_CORE + "null", _NULL, ["~", "n", "N", ""])
SafeLoader.add_implicit_resolver(_CORE + "bool", _BOOL, list("tTfF"))
SafeLoader.add_implicit_resolver(_CORE + "int", _INT, list("-+0123456789"))
SafeLoader.add_implicit_resolver(_CORE + "float", _FLOAT, list("-+0123456789."))


if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class FastLoader(CParser, SafeLoader):  # type: ignore[misc]
        """The same rules on libyaml's C parser (about 10x faster): SafeLoader's constructors and
        resolvers, libyaml's scanner, parser and composer. Used only for text that cannot hold what
        the composer would have to refuse (see load_text)."""

        def __init__(self, stream):  # noqa: D107
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:  # pragma: no cover -- PyYAML built without libyaml
    FastLoader = None

#: Characters that may start an anchor, an alias or a tag: text holding any of them (even in a
#: quoted string) is read by the pure-Python SafeLoader, whose composer refuses aliases.
_SPECIAL = re.compile(r"[&*!]")


#: Deepest nesting of lists and mappings accepted (an instance needs about 5; Python's recursion
#: limit would stop the pure-Python loader near 1,000, libyaml would not stop at all).
MAX_DEPTH = 100


class YamlTooDeep(ValueError):
    """The data nests lists or mappings deeper than MAX_DEPTH."""


def check_depth(data, limit: int = MAX_DEPTH) -> None:
    """Raise YamlTooDeep when lists/mappings nest deeper than `limit` (an iterative walk, so the
    check itself cannot overflow the stack)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            raise YamlTooDeep(f"YAML nested too deeply (more than {limit} levels)")
        stack.extend((child, depth + 1) for child in children)


def load_text(text: str):
    """YAML text -> Python data under the rules of the module docstring. Text without `&`, `*`,
    `!` or a character YAML forbids is read by FastLoader (the composer never meets an alias or a
    tag there); anything else, and any error, goes through SafeLoader, whose messages are the
    canonical ones."""
    if FastLoader is not None and not _SPECIAL.search(text) and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            data = yaml.load(text, Loader=FastLoader)  # noqa: S506 -- the restricted loader on libyaml
        except yaml.YAMLError:
            pass
        else:
            check_depth(data)
            return data
    data = yaml.load(text, Loader=SafeLoader)  # noqa: S506 -- the project's restricted SafeLoader
    check_depth(data)
    return data
