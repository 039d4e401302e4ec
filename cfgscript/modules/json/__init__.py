"""json: $json documents (modules/json/json.c), json_link() and json_merge().

A document is a json-c tree held per process, by name: $json(doc) is the whole
document, $json(doc/key[idx]/...) a node in it (the tree's model: jsonc.py;
the path syntax: paths.py). Writes `=` store an int or a string, `:=` parse
JSON text the way json-c's non-strict tokener does, `= NULL` deletes the node.
Reads give ints as ints, strings as strings and everything else as json-c's
text (`{ "k": 1 }` for $json, `{"k":1}` for $json_compact, indented for
$json_pretty). json_link() makes two paths share one node (a json-c
reference), json_merge() applies an RFC 7386 merge patch with OpenSIPS's
bundled cJSON (cjson.py) and stores its compact text.

This file is the module itself: what it exports (the module parameter, the
$json variables, the two functions) and the document store behind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...runtime.accessor import Accessor
from ...runtime.compiler import CompileError
from ...runtime.context import RunContext
from ...runtime.logger import Logger
from ...runtime.module import Arg, ModParam, Module, function, pvar
from ...runtime.values import Value, VInt, has_str, is_int_typed, text
from ...syntax.ints import INT_MAX, INT_MIN
from ...syntax.pvspec import PVSpec
from .cjson import cjson_parse, cjson_print, merge_patch
from .jsonc import INT64_MAX, NOSLASHESCAPE, PRETTY, SPACED, JsonError, parse_json, serialize
from .paths import ITER_KEYS, Cursor, JsonAccessor, JsonPath, Tag, contains, lookup, parse_path

if TYPE_CHECKING:  # pragma: no cover
    from ...runtime.calls import VarRef

READ_FLAGS = {"json": SPACED, "json_compact": 0, "json_pretty": PRETTY,
              "json_compact_noescape": NOSLASHESCAPE}


class Json(Module):
    name = "json"
    params = (ModParam("enable_long_quoting", "int", 0),)

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.docs: dict[str, Any] = {}          # per process, never reset
        self.log: Logger = engine.logger

    # ------------------------------------------------------------ variables

    @pvar("json", "json_compact", "json_pretty", "json_compact_noescape")
    def json_var(self, spec: PVSpec, compiler) -> Accessor:
        if spec.inner is None:
            raise CompileError(f"${spec.name} needs a document name: ${spec.name}(name/path)")
        if spec.index is not None and spec.index != "*":
            raise CompileError(f'${spec.name}: the only index supported is "[*]" in for '
                               "each statements")
        path = parse_path(spec.inner, compiler)
        flags, every = READ_FLAGS[spec.name], spec.index == "*"
        cursor = Cursor()

        def read(ctx: RunContext) -> Value:
            node = self._get(ctx, path, "pv_get_json_ext")
            if node is None:
                return None
            if every:
                self.log.error("json", "pv_get_json_ext",
                               '"[*]" index only supported in for each statement')
                return None
            return self._value(node, flags)

        def item(ctx: RunContext, index: int) -> Value:
            node = self._get(ctx, path, "pv_get_json_ext")
            if node is None:
                return None
            found, node = cursor.step(node, index, path.iterate)
            if not found or path.iterate == ITER_KEYS:
                return node
            return self._value(node, flags)

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            return self._set(ctx, path, op, value)

        def delete(ctx: RunContext, op: str) -> bool:
            steps = self._steps(ctx, path, "pv_set_json")
            return steps is not None and self._add(path.name, steps, None)

        return JsonAccessor(read, write, delete, item, path=path)

    def _steps(self, ctx: RunContext, path: JsonPath, caller: str) -> tuple[Tag, ...] | None:
        steps = path.steps(ctx, self.log)
        if steps is None:
            self.log.error("json", caller, "Cannot expand variables in path")
        return steps

    def _get(self, ctx: RunContext, path: JsonPath, caller: str) -> Any:
        """The node a read sees; None when there is none (missing, null)."""
        steps = self._steps(ctx, path, caller)
        if steps is None or path.name not in self.docs:
            return None
        return lookup(self.docs[path.name], steps, False)[0]

    def _value(self, node: Any, flags: int) -> Value:
        """What a script reads: int -> int, string -> string, the rest as JSON text."""
        kind = type(node)
        if kind is int:
            number = min(node, INT64_MAX)
            if self.param("enable_long_quoting") and not INT_MIN <= number <= INT_MAX:
                return str(number)
            return VInt(number)
        if kind is str:
            return node
        return serialize(node, flags)

    def _set(self, ctx: RunContext, path: JsonPath, op: str, value: Value) -> bool:
        """pv_set_json(): ':=' parses JSON text, anything else stores an int or a string."""
        steps = self._steps(ctx, path, "pv_set_json")
        if steps is None:
            return False
        if op != ":=":
            node = int(value) if is_int_typed(value) else text(value)
            return self._add(path.name, steps, node)
        if not has_str(value):
            self.log.error("json", "pv_set_json", "Trying to interpret a non-string value")
            return False
        try:
            node = parse_json(text(value))
        except JsonError as err:
            self.log.error("json", "pv_set_json", f"Error parsing json: {err}")
            self._add(path.name, steps, None)
            return False
        return self._add(path.name, steps, node)

    def _add(self, name: str, steps: tuple[Tag, ...], node: Any) -> bool:
        """pv_add_json(): store `node` at the path, or delete there when None."""
        log = self.log
        if name not in self.docs and steps:
            log.error("json", "pv_add_json", "Object is not initialized yet")
            return False
        if not steps:
            self.docs[name] = node
            return True
        container, failed = lookup(self.docs[name], steps, True)
        if failed >= 0:
            self._report(name, steps, failed)
            log.notice("json", "pv_add_json", "Could not find object with that path")
            return False
        last = steps[-1]
        if last.is_key:
            if node is None:
                container.pop(last.key, None)
            else:
                container[last.key] = node
            return True
        if last.append:
            if node is None:
                log.error("json", "pv_add_json", "Invalid parameter for deletion")
                return False
            container.append(node)
            return True
        index = last.index + len(container) if last.index < 0 else last.index
        if not 0 <= index < len(container):
            log.error("json", "pv_add_json",
                      f"Attempting to replace at invalid index in array:{index}")
            return False
        if node is None:
            del container[index]
        else:
            container[index] = node
        return True

    def _report(self, name: str, steps: tuple[Tag, ...], failed: int) -> None:
        """get_object()'s notices when a path cannot be followed."""
        log, root = self.log, self.docs[name]
        log.notice("json", "get_object", "Trying to get a value from a json of incorrect type")
        if root is None:
            log.notice("json", "get_object", "Object is null")
        else:
            log.notice("json", "get_object", f"Object is:\n{serialize(root)}\n")
        log.notice("json", "print_tag_list", "Tag list:")
        for tag in steps[:failed + 1]:
            log.notice("json", "print_tag_list",
                       f"key=[{tag.key}]" if tag.is_key else f"idx=[{tag.index}]")

    # ------------------------------------------------------------ functions

    @function("json_link", Arg("var", writable=True), Arg("var"))
    def json_link(self, ctx: RunContext, dest: VarRef, source: VarRef) -> int:
        """json_link($json(dest), $json(src)): dest becomes the very node at src."""
        log = self.log
        if not isinstance(dest.accessor, JsonAccessor) or \
                not isinstance(source.accessor, JsonAccessor):
            log.error("json", "fixup_json_bind", "Parameter must be a json variable")
            return -1
        src_path, dest_path = source.accessor.path, dest.accessor.path
        if src_path.name not in self.docs:
            log.error("json", "json_bind", f"Variable named:{src_path.name} not found")
            return -1
        src_steps = self._steps(ctx, src_path, "json_bind")
        dest_steps = self._steps(ctx, dest_path, "json_bind")
        if src_steps is None or dest_steps is None:
            return -1
        node, failed = lookup(self.docs[src_path.name], src_steps, False)
        if failed >= 0:
            self._report(src_path.name, src_steps, failed)
        if node is None:
            log.notice("json", "json_bind", "Could not find object with that path")
            return -1
        if self._would_cycle(dest_path.name, dest_steps, node):
            log.error("json", "json_bind", "Cannot link a json node inside itself")
            return -1
        return 1 if self._add(dest_path.name, dest_steps, node) else -1

    def _would_cycle(self, name: str, steps: tuple[Tag, ...], node: Any) -> bool:
        if not steps or name not in self.docs or type(node) not in (dict, list):
            return False
        container = lookup(self.docs[name], steps, True)[0]
        return container is not None and contains(node, container)

    @function("json_merge", Arg("str"), Arg("str"), Arg("var", writable=True))
    def json_merge(self, ctx: RunContext, main: str, patch: str, out: VarRef) -> int:
        """json_merge(main, patch, $out): RFC 7386 merge, stored as compact text."""
        log = self.log
        parsed = []
        for which, source in (("first", main), ("second", patch)):
            try:
                parsed.append(cjson_parse(source))
            except (JsonError, RecursionError):
                log.error("json", "w_merge_json", f"Failed to parse {which} param ")
                return -1
        if not out.write(ctx, cjson_print(merge_patch(*parsed))):
            log.error("json", "w_merge_json", "SET output value failed ")
            return -1
        return 1
