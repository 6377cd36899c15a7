"""Resolve a CloudFormation template's intrinsic functions to concrete values, for one set of parameters.

Refs and GetAtts of resources are answered by the caller (who decides physical names and ARNs); parameters,
pseudo parameters, conditions, Fn::If/Sub/Join/Select/Split and AWS::NoValue are handled here. Anything else
raises, so a template that grows a new intrinsic fails loudly instead of resolving to nonsense.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

NO_VALUE = object()
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    _INTRINSICS: ClassVar[dict[str, Callable[[Resolver, Any], Any]]]

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        pseudo: Mapping[str, str],
        ref: Callable[[str], Any],
        getatt: Callable[[str, str], Any],
    ) -> None:
        self.template = template
        declared = template.get("Parameters", {})
        unknown = set(parameters) - set(declared)
        assert not unknown, f"parameters the template does not declare: {sorted(unknown)}"
        self.parameters = {name: parameters.get(name, spec.get("Default")) for name, spec in declared.items()}
        self.pseudo = pseudo
        self._ref = ref
        self._getatt = getatt

    # ------------------------------------------------------------------------------------------ conditions
    def condition(self, name: str) -> bool:
        return bool(self._condition(self.template["Conditions"][name]))

    def _condition(self, node: Any) -> Any:  # noqa: PLR0911
        if not isinstance(node, dict):
            return node
        ((key, value),) = node.items()
        if key == "Fn::Equals":
            left, right = (self._condition(item) for item in value)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._condition(value[0])
        if key == "Fn::And":
            return all(self._condition(item) for item in value)
        if key == "Fn::Or":
            return any(self._condition(item) for item in value)
        if key == "Condition":
            return self.condition(value)
        return self.resolve(node)

    # ------------------------------------------------------------------------------------------ values
    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            value = self.parameters[name]
            assert value is not None, f"parameter {name} has no value and no default"
            return value
        return self._ref(name)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [value for value in (self.resolve(item) for item in node) if value is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            intrinsic = self._INTRINSICS.get(key)
            if intrinsic is not None:
                return intrinsic(self, value)
            if key.startswith("Fn::") or key == "Condition":
                raise ValueError(f"intrinsic {key} is not supported here")
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def _fn_getatt(self, value: Any) -> Any:
        logical, attribute = value if isinstance(value, list) else value.split(".", 1)
        return self._getatt(logical, attribute)

    def _fn_if(self, value: Any) -> Any:
        name, when_true, when_false = value
        return self.resolve(when_true if self.condition(name) else when_false)

    def _fn_join(self, value: Any) -> str:
        separator, items = value
        return separator.join(str(item) for item in self.resolve(items))

    def _fn_select(self, value: Any) -> Any:
        index, items = value
        return self.resolve(items)[int(self.resolve(index))]

    def _fn_split(self, value: Any) -> list[str]:
        separator, text = value
        return str(self.resolve(text)).split(separator)

    def _sub(self, value: Any) -> str:
        text, variables = (value, {}) if isinstance(value, str) else value

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return str(self._getatt(logical, attribute))
            return str(self.ref(name))

        return _SUB.sub(replace, text)


# The intrinsics resolve() answers, by key; any other Fn:: raises.
Resolver._INTRINSICS = {
    "Ref": Resolver.ref,
    "Fn::GetAtt": Resolver._fn_getatt,
    "Fn::Sub": Resolver._sub,
    "Fn::If": Resolver._fn_if,
    "Fn::Join": Resolver._fn_join,
    "Fn::Select": Resolver._fn_select,
    "Fn::Split": Resolver._fn_split,
}
