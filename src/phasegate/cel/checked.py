"""The engine's checked expression, read: cel-spec's `cel.expr.CheckedExpr`, as
`Expression.serialize()` returns it (a `google.protobuf.Any`).

Why a reader of the wire format and not the `protobuf` library: cel-expr-python ships no
generated `cel.expr` modules, so the library would need code generated from cel-spec's
`.proto` files plus a dependency whose import alone costs more than reading a rule's few
hundred bytes; and the reviewer of a located error needs each node's own bytes (to run a
sub-expression on its own, and to wrap one in a call), which the wire format gives as a
slice. The messages and field numbers are cel-spec's `checked.proto` and `syntax.proto`;
only the fields phasegate reads are decoded, every other one is kept as bytes.
"""

from __future__ import annotations

import re
import struct
from typing import Any, NamedTuple

#: `Any.type_url` of a checked expression.
TYPE_URL = b"type.googleapis.com/cel.expr.CheckedExpr"


class DecodeError(ValueError):
    """Bytes that are not a checked expression (never from the engine: a bug if seen)."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    if pos < len(data) and data[pos] < 0x80:
        return data[pos], pos + 1
    result = shift = 0
    while True:
        if pos >= len(data):
            raise DecodeError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise DecodeError("varint too long")


def fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) of each field: an int for varints and fixed
    numbers, bytes for length-delimited values."""
    out: list[tuple[int, int, Any]] = []
    pos, end = 0, len(data)
    while pos < end:
        key = data[pos]
        if key < 0x80:  # one byte: every field number phasegate reads
            pos += 1
        else:
            key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length = data[pos] if pos < end else 0x80
            if length < 0x80:
                pos += 1
            else:
                length, pos = _varint(data, pos)
            if pos + length > end:
                raise DecodeError("truncated field")
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", data, pos)[0], pos + 8
        elif wire == 5:
            value, pos = struct.unpack_from("<I", data, pos)[0], pos + 4
        else:
            raise DecodeError(f"wire type {wire}")
        out.append((number, wire, value))
    return out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


# --- writing: just enough to build a checked expression from pieces -----------------------


def _encode_varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field_bytes(number: int, value: bytes) -> bytes:
    """A length-delimited field."""
    return _encode_varint(number << 3 | 2) + _encode_varint(len(value)) + value


def field_varint(number: int, value: int) -> bytes:
    return _encode_varint(number << 3) + _encode_varint(value)


# --- the tree ----------------------------------------------------------------------------

#: Expr's kinds, by field number (syntax.proto).
CONST, IDENT, SELECT, CALL, LIST, STRUCT, COMPREHENSION = 3, 4, 5, 6, 7, 8, 9


class Node:
    """One `cel.expr.Expr`: its id, kind and decoded parts, and its own bytes.

    - name: IDENT the name; SELECT the field; CALL the function; COMPREHENSION iter_var;
      CONST the literal's kind (`int`, `string`, ...).
    - value: CONST the value (None for null; bytes for a bytes literal).
    - test_only: SELECT, whether it is `has()`'s test.
    - target: CALL the receiver (or None); SELECT the operand.
    - args: CALL the arguments; LIST the elements; STRUCT keys and values in turn.
    - iter_var2, accu_var, parts: COMPREHENSION's, the parts by name.
    - optional: LIST, the indexes of `?x` elements; STRUCT, of `?k: v` entries.
    """

    __slots__ = (
        "accu_var",
        "args",
        "id",
        "iter_var2",
        "kind",
        "name",
        "optional",
        "parts",
        "raw",
        "target",
        "test_only",
        "value",
    )

    def __init__(self, raw: bytes, kind: int = 0, name: str = "", value: Any = None) -> None:
        self.raw, self.kind, self.name, self.value = raw, kind, name, value
        self.id = 0
        self.test_only = False
        self.target: Node | None = None
        self.args: list[Node] = []
        self.iter_var2 = self.accu_var = ""
        self.parts: dict[str, Node] = {}
        self.optional: tuple[int, ...] = ()

    def children(self) -> list[Node]:
        found = [] if self.target is None else [self.target]
        found += self.args
        found += self.parts.values()
        return found


_COMPREHENSION_PARTS = {2: "range", 4: "init", 5: "condition", 6: "step", 7: "result"}


def _constant(data: bytes) -> Any:
    for number, _wire, value in fields(data):
        if number == 6:
            return bytes(value).decode("utf-8")
        if number == 3:
            return _signed(value)
        if number == 1:
            return None
        if number == 2:
            return bool(value)
        if number == 3:
            return _signed(value)
        if number == 4:
            return value  # uint: kept apart from int by its kind's name
        if number == 5:
            return struct.unpack("<d", struct.pack("<Q", value))[0]
        if number == 7:
            return bytes(value)
    return None


_CONSTANT_KINDS = {1: "null", 2: "bool", 3: "int", 4: "uint", 5: "double", 6: "string", 7: "bytes"}


def decode_expr(data: bytes) -> Node:
    """One Expr and everything below it, without recursion (a chain of `!` may be deep)."""
    root = Node(data)
    pending = [root]
    while pending:
        node = pending.pop()
        for number, _wire, value in fields(node.raw):
            if number == 2:
                node.id = value
            elif number == CONST:
                node.kind, node.value = CONST, _constant(value)
                node.name = _CONSTANT_KINDS.get(value[0] >> 3, "other") if value else "other"
            elif number == IDENT:
                node.kind = IDENT
                node.name = next((bytes(v).decode() for n, _, v in fields(value) if n == 1), "")
            elif number == SELECT:
                node.kind = SELECT
                for n, _, v in fields(value):
                    if n == 1:
                        node.target = Node(v)
                        pending.append(node.target)
                    elif n == 2:
                        node.name = bytes(v).decode()
                    elif n == 3:
                        node.test_only = bool(v)
            elif number == CALL:
                node.kind = CALL
                for n, _, v in fields(value):
                    if n == 1:
                        node.target = Node(v)
                        pending.append(node.target)
                    elif n == 2:
                        node.name = bytes(v).decode()
                    elif n == 3:
                        node.args.append(Node(v))
                        pending.append(node.args[-1])
            elif number == LIST:
                node.kind = LIST
                optional = []
                for n, w, v in fields(value):
                    if n == 1:
                        node.args.append(Node(v))
                        pending.append(node.args[-1])
                    elif n == 2:
                        optional += _packed(v) if w == 2 else [v]
                node.optional = tuple(optional)
            elif number == STRUCT:
                node.kind = STRUCT
                entries = []
                for n, _, v in fields(value):
                    if n == 1:
                        node.name = bytes(v).decode()
                    elif n == 2:
                        index = len(node.args) // 2
                        for en, _, ev in fields(v):
                            if en == 2:  # a message field: its name, as a string constant
                                key = Node(b"", CONST, "field", bytes(ev).decode())
                                node.args.append(key)
                            elif en == 3 or en == 4:
                                node.args.append(Node(ev))
                                pending.append(node.args[-1])
                            elif en == 5 and ev:
                                entries.append(index)
                node.optional = tuple(entries)
            elif number == COMPREHENSION:
                node.kind = COMPREHENSION
                for n, _, v in fields(value):
                    if n == 1:
                        node.name = bytes(v).decode()
                    elif n == 3:
                        node.accu_var = bytes(v).decode()
                    elif n == 8:
                        node.iter_var2 = bytes(v).decode()
                    elif n in _COMPREHENSION_PARTS:
                        part = Node(v)
                        node.parts[_COMPREHENSION_PARTS[n]] = part
                        pending.append(part)
    return root


def _packed(data: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(data):
        value, pos = _varint(data, pos)
        out.append(value)
    return out


class Checked(NamedTuple):
    """A whole checked expression: the tree, what each call resolved to, each node's type
    and each node's offset in the source text. (Named tuples, not dataclasses, here and for
    the other small records of `phasegate.cel`: every command defines them at start-up,
    and a frozen dataclass costs about ten times as much CPU to define.)"""

    root: Node
    #: node id -> the overload ids the checker left possible for a call.
    overloads: dict[int, tuple[str, ...]]
    #: the type_map's entries, undecoded (see `type_of`).
    type_entries: tuple[bytes, ...]
    #: node id -> its offset in the source text, in code points.
    positions: dict[int, int]
    #: offsets of line starts after the first (source_info.line_offsets).
    line_offsets: tuple[int, ...]
    #: the raw reference_map, type_map and source_info fields, to build a part on its own.
    tables: bytes

    def line_col(self, node_id: int) -> tuple[int, int]:
        """1-based line and column of a node (1:1 where the engine keeps no offset)."""
        offset = self.positions.get(node_id)
        if offset is None:
            return 1, 1
        line, start = 1, 0
        for line_start in self.line_offsets:
            if line_start > offset:
                break
            line, start = line + 1, line_start
        return line, offset - start + 1

    def type_of(self, node_id: int) -> str:
        """The type the checker gave a node, as CEL spells it (`dyn` where none)."""
        for entry in self.type_entries:
            key, kind = _entry(entry)
            if key == node_id:
                return type_name(kind)
        return "dyn"

    def part(self, node: Node) -> bytes:
        """A checked expression (as an Any) of `node` alone: the engine runs it as is."""
        return serialize(node.raw, self.tables)


def serialize(expr: bytes, tables: bytes) -> bytes:
    """An Any holding the CheckedExpr made of `expr` and the (reference, type, source)
    tables: extra table entries for ids not in `expr` are ignored by the engine."""
    checked = tables + field_bytes(4, expr)
    return field_bytes(1, TYPE_URL) + field_bytes(2, checked)


def decode(serialized: bytes) -> Checked:
    """A checked expression from `Expression.serialize()`'s bytes."""
    checked = b""
    for number, _wire, value in fields(serialized):
        if number == 1 and bytes(value) != TYPE_URL:
            raise DecodeError(f"not a checked expression: {bytes(value)!r}")
        if number == 2:
            checked = value
    overloads: dict[int, tuple[str, ...]] = {}
    types: list[bytes] = []
    positions: dict[int, int] = {}
    line_offsets: list[int] = []
    expr, tables = b"", checked
    pos, end = 0, len(checked)
    while pos < end:  # CheckedExpr: every field is length-delimited
        start = pos
        key = checked[pos]
        if key < 0x80:
            pos += 1
        else:
            key, pos = _varint(checked, pos)
        if key & 7 != 2:
            raise DecodeError(f"unexpected wire type in CheckedExpr: {key & 7}")
        length = checked[pos] if pos < end else 0x80
        if length < 0x80:
            pos += 1
        else:
            length, pos = _varint(checked, pos)
        value, pos = checked[pos : pos + length], pos + length
        number = key >> 3
        if number == 4:
            expr, tables = value, checked[:start] + checked[pos:]
        elif number == 2:
            node_id, reference = _entry(value)
            ids = _overload_ids(reference)
            if ids:
                overloads[node_id] = ids
        elif number == 3:
            types.append(value)
        elif number == 5:
            _source_info(value, positions, line_offsets)
    return Checked(
        decode_expr(expr),
        overloads,
        tuple(types),
        positions,
        tuple(line_offsets),
        bytes(tables),
    )


def _overload_ids(reference: bytes) -> tuple[str, ...]:
    """Reference.overload_id (field 3), read without building every field."""
    ids = []
    pos, end = 0, len(reference)
    while pos < end:
        key, pos = _varint(reference, pos)
        if key & 7 != 2:
            return tuple(bytes(v).decode() for n, _, v in fields(reference) if n == 3)
        length, pos = _varint(reference, pos)
        if key == 0x1A:
            ids.append(reference[pos : pos + length].decode())
        pos += length
    return tuple(ids)


#: Runs of SourceInfo.positions entries in their common encodings (field 4, one entry per
#: node: key 1, value 2), matched at an entry's start so no byte is read out of place.
#: Compiled on first use (`re` keeps them), not at import: a warm start decodes no tree.
_SHORT_POSITIONS = rb"(?:\x22\x04\x08[\x00-\x7f]\x10[\x00-\x7f])+"
_TWO_BYTE_POSITIONS = rb"(?:\x22\x05\x08[\x00-\x7f]\x10[\x80-\xff][\x00-\x7f])+"


def _source_info(data: bytes, positions: dict[int, int], line_offsets: list[int]) -> None:
    """SourceInfo's line offsets and node positions. A checked expression holds one
    position per node, so this loop reads the common entry (`08 id 10 offset`, one-byte
    lengths) without a call per field; anything else takes the general path."""
    short, two_byte = re.compile(_SHORT_POSITIONS), re.compile(_TWO_BYTE_POSITIONS)
    pos, end = 0, len(data)
    while pos < end:
        run = short.match(data, pos)
        if run:  # a run of `22 04 08 id 10 offset`: ids and offsets under 128, sliced out
            found = run.group()
            positions.update(zip(found[3::6], found[5::6], strict=True))
            pos = run.end()
            continue
        run = two_byte.match(data, pos)
        if run:  # ids under 128, offsets under 16,384
            found = run.group()
            lows, highs = found[5::7], found[6::7]
            offsets = [low & 0x7F | high << 7 for low, high in zip(lows, highs, strict=True)]
            positions.update(zip(found[3::7], offsets, strict=True))
            pos = run.end()
            continue
        key = data[pos]
        length = data[pos + 1] if pos + 1 < end else 0x80
        if key == 0x22 and length < 0x80 and data[pos + 2 : pos + 3] == b"\x08":
            entry = data[pos + 2 : pos + 2 + length]
            node_id, at = _varint(entry, 1)
            if entry[at : at + 1] == b"\x10":
                positions[node_id] = _signed(_varint(entry, at + 1)[0])
            pos += 2 + length
            continue
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        else:
            raise DecodeError(f"unexpected wire type in SourceInfo: {wire}")
        if number == 3:
            line_offsets += _packed(value) if wire == 2 else [value]
        elif number == 4 and wire == 2:
            node_id, offset = _entry(value)
            positions[node_id] = _signed(offset) if isinstance(offset, int) else 0


def _entry(data: bytes) -> tuple[int, Any]:
    """(key, value) of a map entry."""
    if data[:1] == b"\x08":  # the key first, as every encoder writes it
        key, pos = _varint(data, 1)
        if data[pos : pos + 1] == b"\x12":
            length, pos = _varint(data, pos + 1)
            return key, data[pos : pos + length]
        if data[pos : pos + 1] == b"\x10":
            return key, _varint(data, pos + 1)[0]
    key, value = 0, b""
    for number, _wire, item in fields(data):
        if number == 1:
            key = item
        elif number == 2:
            value = item
    return key, value


_PRIMITIVES = {1: "bool", 2: "int", 3: "uint", 4: "double", 5: "string", 6: "bytes"}
_WELL_KNOWN = {1: "any", 2: "timestamp", 3: "duration"}


def type_name(data: bytes) -> str:
    """A cel.expr.Type as CEL spells it: `double`, `list(dyn)`, `map(string, dyn)`."""
    for number, _wire, value in fields(data):
        if number == 1:
            return "dyn"
        if number == 2:
            return "null_type"
        if number == 3:
            return _PRIMITIVES.get(value, "dyn")
        if number == 4:
            return _PRIMITIVES.get(value, "dyn")  # a wrapper: the value or null
        if number == 5:
            return _WELL_KNOWN.get(value, "dyn")
        if number == 6:
            elem = next((v for n, _, v in fields(value) if n == 1), b"")
            return f"list({type_name(elem)})"
        if number == 7:
            parts = {n: v for n, _, v in fields(value)}
            return f"map({type_name(parts.get(1, b''))}, {type_name(parts.get(2, b''))})"
        if number == 9:
            return bytes(value).decode()
        if number == 10:
            return "dyn"  # a type parameter left open
        if number == 11:
            return "type"
        if number == 12:
            return "error"
        if number == 14:
            parts_ = [v for n, _, v in fields(value)]
            name = bytes(parts_[0]).decode() if parts_ else "?"
            if name == "optional_type":
                inner = next((v for n, _, v in fields(value) if n == 2), b"")
                return f"optional({type_name(inner)})"
            return name
    return "dyn"


# --- rewriting: phasegate's wrappers, added to the engine's tree ----------------------------

#: The fields of each kind's message that hold child expressions (syntax.proto).
_CHILD_FIELDS = {SELECT: {1}, CALL: {1, 3}, LIST: {1}, COMPREHENSION: {2, 4, 5, 6, 7}}


def _encode(node: Node, children: list[bytes]) -> bytes:
    """`node`'s bytes with its child expressions replaced by `children`, in order."""
    queue = iter(children)
    out = bytearray()
    for number, wire, value in fields(node.raw):
        if number != node.kind or node.kind not in (*_CHILD_FIELDS, STRUCT):
            out += _field(number, wire, value)
            continue
        inner = bytearray()
        for n, w, v in fields(value):
            if node.kind == STRUCT and n == 2:
                entry = bytearray()
                for en, ew, ev in fields(v):
                    entry += field_bytes(en, next(queue)) if en in (3, 4) else _field(en, ew, ev)
                inner += field_bytes(n, bytes(entry))
            elif n in _CHILD_FIELDS.get(node.kind, ()):
                inner += field_bytes(n, next(queue))
            else:
                inner += _field(n, w, v)
        out += field_bytes(number, bytes(inner))
    return bytes(out)


def _field(number: int, wire: int, value: Any) -> bytes:
    if wire == 2:
        return field_bytes(number, value)
    if wire == 0:
        return field_varint(number, value)
    key = _encode_varint(number << 3 | wire)
    return key + struct.pack("<Q" if wire == 1 else "<I", value)


class Wrap(NamedTuple):
    """Wrap a node in a call of `function` (one argument), resolved to `overloads`."""

    function: str
    overloads: tuple[str, ...]
    #: The call's type, as cel.expr.Type bytes.
    type: bytes


class Rename(NamedTuple):
    """Call another function with the same arguments, resolved to `overloads`."""

    function: str
    overloads: tuple[str, ...]


def rewrite(checked: Checked, changes: dict[int, list[Wrap | Rename]]) -> bytes:
    """The serialized checked expression with `changes` (by node id, a node's renaming
    before its wrapping: `lists.range(n)` as the range of a `map` takes both) applied; node
    ids and source offsets of every original node stay as they were."""
    parents: dict[int, Node] = {}
    order: list[Node] = []
    pending = [checked.root]
    while pending:
        node = pending.pop()
        order.append(node)
        for child in node.children():
            if child.raw:
                parents[id(child)] = node
                pending.append(child)
    by_id = {node.id: node for node in order}
    dirty: set[int] = set()
    for node_id in changes:
        node = by_id.get(node_id)
        while node is not None and id(node) not in dirty:
            dirty.add(id(node))
            node = parents.get(id(node))
    next_id = max(by_id) + 1
    tables = bytearray(checked.tables)
    built: dict[int, bytes] = {}
    for node in reversed(order):  # children before their parents
        if id(node) not in dirty:
            built[id(node)] = node.raw
            continue
        data = _encode(node, [built[id(child)] for child in node.children() if child.raw])
        for change in sorted(changes.get(node.id, ()), key=lambda one: isinstance(one, Wrap)):
            if isinstance(change, Rename):
                data = _renamed(data, change.function)
                tables += _reference(node.id, change.overloads)
            else:
                call = field_bytes(2, change.function.encode()) + field_bytes(3, data)
                data = field_varint(2, next_id) + field_bytes(CALL, call)
                tables += _reference(next_id, change.overloads)
                tables += field_bytes(3, field_varint(1, next_id) + field_bytes(2, change.type))
                next_id += 1
        built[id(node)] = data
    return serialize(built[id(checked.root)], bytes(tables))


def _renamed(data: bytes, function: str) -> bytes:
    out = bytearray()
    for number, wire, value in fields(data):
        if number == CALL:
            inner = bytearray()
            for n, w, v in fields(value):
                inner += field_bytes(2, function.encode()) if n == 2 else _field(n, w, v)
            out += field_bytes(CALL, bytes(inner))
        else:
            out += _field(number, wire, value)
    return bytes(out)


def _reference(node_id: int, overloads: tuple[str, ...]) -> bytes:
    reference = b"".join(field_bytes(3, overload.encode()) for overload in overloads)
    return field_bytes(2, field_varint(1, node_id) + field_bytes(2, reference))


#: cel.expr.Type bytes of the types the wrappers return.
DOUBLE_TYPE = field_varint(3, 4)
DYN_LIST_TYPE = field_bytes(6, field_bytes(1, field_bytes(1, b"")))
