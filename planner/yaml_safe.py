"""A YAML loader for instances and catalogs: safe tags only, YAML 1.2 numbers, no aliases."""

from __future__ import annotations

import re

import yaml

from planner.errors import InputError

# YAML 1.1 (PyYAML) reads 1e13 as a string; YAML 1.2 reads it as a number, as users expect.
_FLOAT_12 = re.compile(
    r"""^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[0-9][0-9_]*[eE][-+]?[0-9]+
    |\.(?:inf|Inf|INF)|[-+]\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class SafeLoader(yaml.SafeLoader):
    """SafeLoader (no python object tags) that reads 1e13 as a float and refuses aliases
    (anchors and aliases are never needed in an instance; refusing them stops alias bombs)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise InputError(
                f"line {event.start_mark.line + 1}",
                "YAML aliases (*name) are not allowed in an instance; write the value out",
            )
        return super().compose_node(parent, index)


SafeLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:float"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SafeLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))
