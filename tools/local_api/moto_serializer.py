"""moto's response serialiser, without the per-value work that does not depend on the value.

moto serialises every response member by building the list of names it may go by (alias providers) for
every value: for DynamoDB's AttributeValue structures (ten members each) that was half of moto's time.
For a plain dict that list does not depend on the dict, so it is built once per member shape, by moto's own
picker, and looked up in the same order; other objects still go through moto's picker.

With those names known, a structure member none of whose names is a key of the dict is one moto's
get_value answers None for, and skips: it is skipped before the call (nine of an AttributeValue's ten
members every time). Dotted names are paths into the dict and still go through the lookup.
"""

from __future__ import annotations

from typing import Any, cast

from moto.core.constants import MISSING
from moto.core.model import Shape, StructureShape
from moto.core.serialize import AttributePicker, AttributePickerContext, ResponseSerializer
from moto.core.utils import get_value as moto_get_value

_original_get_value = ResponseSerializer.get_value
_CANDIDATES: dict[tuple[Any, ...], tuple[Shape, Any, tuple[str, ...]]] = {}


def _plain(self: ResponseSerializer, value: Any) -> bool:
    """A plain dict, picked by moto's AttributePicker without response transformers: names work out once."""
    picker = self._value_picker
    return type(value) is dict and isinstance(picker, AttributePicker) and not picker.response_transformers


def _candidates(self: ResponseSerializer, key: str, shape: Shape) -> tuple[str, ...]:
    """The names moto's picker tries for this member, in its order. For a plain dict they depend on the key,
    the member's shape and its parent (moto sets `parent` before each member) and the picker's providers:
    never on the dict's contents."""
    picker = cast(AttributePicker, self._value_picker)  # _plain() checked it
    parent = getattr(shape, "parent", None)
    cache_key = (key, id(shape), id(parent), type(picker), id(picker.alias_providers))
    entry = _CANDIDATES.get(cache_key)
    if entry is None or entry[0] is not shape or entry[1] is not parent:
        context = AttributePickerContext(
            obj={},
            key=key,
            shape=shape,
            operation_model=self.operation_model,
            service_model=self.operation_model.service_model,
            key_path="",
        )
        entry = (shape, parent, tuple(picker.get_possible_keys(context)))
        _CANDIDATES[cache_key] = entry  # holds shape and parent, so their ids are not reused
    return entry[2]


def _get_value(self: ResponseSerializer, value: Any, key: str, shape: Shape) -> Any:
    if not _plain(self, value):
        return _original_get_value(self, value, key, shape)
    for candidate in _candidates(self, key, shape):
        # moto's get_value on a plain dict: a dotted name is a path, any other name a key
        found = value.get(candidate, MISSING) if "." not in candidate else moto_get_value(value, candidate)
        if found is not MISSING:
            return found
    return None


_original_serialize_type_structure = ResponseSerializer._serialize_type_structure
_Member = tuple[str, Shape, frozenset[str], bool]  # key, shape, the names it goes by, any of them dotted
_PLANS: dict[tuple[Any, ...], tuple[StructureShape, tuple[_Member, ...]]] = {}


def _members(self: ResponseSerializer, shape: StructureShape) -> tuple[_Member, ...]:
    """The structure's members with the names moto's picker tries for each, worked out once per shape."""
    picker = cast(AttributePicker, self._value_picker)  # _plain() checked it
    cache_key = (id(shape), type(picker), id(picker.alias_providers))
    entry = _PLANS.get(cache_key)
    if entry is None or entry[0] is not shape:
        members = []
        for member_key, member_shape in shape.members.items():
            member_shape.parent = shape  # type: ignore[attr-defined]  # as moto's loop sets it
            names = _candidates(self, member_key, member_shape)
            members.append((member_key, member_shape, frozenset(names), any("." in name for name in names)))
        entry = (shape, tuple(members))
        _PLANS[cache_key] = entry  # holds the shape, so its id is not reused
    return entry[1]


def _serialize_type_structure(
    self: ResponseSerializer, serialized: Any, value: Any, shape: StructureShape, key: str
) -> None:
    if not _plain(self, value):
        _original_serialize_type_structure(self, serialized, value, shape, key)
        return
    # moto's own loop over the members, minus the members whose names the dict does not have as keys
    wrapper: Any = self.MAP_TYPE() if key else serialized
    for member_key, member_shape, names, dotted in _members(self, shape):
        if dotted or not names.isdisjoint(value):
            member_shape.parent = shape  # type: ignore[attr-defined]
            self._serialize_structure_member(wrapper, value, member_shape, member_key)
    if key:
        self._default_serialize(serialized, wrapper, shape, key)


# (owner, attribute, replacement), part of moto_in_process.PATCHES.
SERIALIZER_PATCHES: tuple[tuple[object, str, object], ...] = (
    (ResponseSerializer, "get_value", _get_value),
    (ResponseSerializer, "_serialize_type_structure", _serialize_type_structure),
)
