"""Limits on an operation, checked while it is parsed and validated, before anything runs.

    parse        length (``max_query_length``), lexical tokens and comments (``max_tokens``): graphql-core's
                 own parser limits, for a document that reaches the schema without the HTTP intake
    validation   depth, cost, aliases and introspection fields of each operation (``OperationLimits``), text
                 arguments free of control characters (``PlainArguments``)

Depth, cost and aliases are measured in one walk in which each fragment is measured once: a document of 30
fragments each spreading the next one twice stands for 2^30 fields and must not cost 2^30 steps to refuse
(strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` expand every spread, exponential in such a
document, and recurse along a chain of fragments until Python's recursion limit: "Unexpected error.").
Introspection fields are left out of the depth, as strawberry does: graphql-core's ``MaxIntrospectionDepthRule``
bounds their nesting, and ``max_introspection_fields`` how many whole-schema answers one operation may ask for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

from services.kernel.text import refused_character

from .settings import GraphQLSettings

__all__ = ["DEFAULT_PAGE", "OperationLimits", "ParseLimits", "PlainArguments", "Shape", "measure", "operation_cost"]

DEFAULT_PAGE = 20  # what a connection returns when the query gives no `first`
CEILING = 10**15  # measures saturate here: a count past every limit needs no more digits
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class Shape:
    """What one selection asks for, per item its parents return."""

    depth: int = 0  # levels of fields with sub-selections below this one
    cost: int = 0  # every field costs 1 per item its parents may return; a connection multiplies by its page
    aliases: int = 0
    introspection: int = 0  # `__schema` and `__type` fields

    def beside(self, other: Shape) -> Shape:
        return Shape(max(self.depth, other.depth), _sum(self.cost, other.cost), _sum(self.aliases, other.aliases),
                     _sum(self.introspection, other.introspection))


def _sum(a: int, b: int) -> int:
    return min(a + b, CEILING)


class Measure:
    """Shapes of the selections of one document, each fragment measured once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], max_page: int) -> None:
        self.fragments = fragments
        self.max_page = max_page
        self.measured: dict[str, Shape] = {}
        self._measure_fragments()

    def selection(self, selection_set: SelectionSetNode | None) -> Shape:
        """Recursive along the nesting of one definition only, which the parser bounds (200 levels)."""
        shape = Shape()
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                shape = shape.beside(self._field(node))
            elif isinstance(node, InlineFragmentNode):
                shape = shape.beside(self.selection(node.selection_set))
            elif isinstance(node, FragmentSpreadNode):
                # A fragment not measured is unknown or part of a cycle: validation refuses both.
                shape = shape.beside(self.measured.get(node.name.value, Shape()))
        return shape

    def _field(self, node: FieldNode) -> Shape:
        below = self.selection(node.selection_set)
        name = node.name.value
        depth = 0 if node.selection_set is None or name.startswith("__") else 1 + below.depth
        return Shape(depth, _sum(1, min(self._page(node) * below.cost, CEILING)),
                     _sum(below.aliases, 1 if node.alias else 0),
                     _sum(below.introspection, 1 if name in INTROSPECTION_ROOTS else 0))

    def _page(self, node: FieldNode) -> int:
        for arg in node.arguments or ():
            if arg.name.value == "first":
                # A variable could be anything up to the page limit: price it at the limit.
                size = int(arg.value.value) if isinstance(arg.value, IntValueNode) else self.max_page
                return max(1, min(size, self.max_page))
        if node.selection_set is not None and any(
                isinstance(s, FieldNode) and s.name.value == "edges" for s in node.selection_set.selections):
            return DEFAULT_PAGE
        return 1

    def _measure_fragments(self) -> None:
        """Fragments after the fragments they spread, walked with a stack: a chain may be hundreds long."""
        for root in self.fragments:
            if root in self.measured:
                continue
            active = {root}
            stack = [(root, _spreads(self.fragments[root].selection_set))]
            while stack:
                name, spreads = stack[-1]
                child = next(spreads, None)
                if child is None:
                    stack.pop()
                    active.discard(name)
                    self.measured[name] = self.selection(self.fragments[name].selection_set)
                elif child in self.fragments and child not in self.measured and child not in active:
                    active.add(child)
                    stack.append((child, _spreads(self.fragments[child].selection_set)))


def _spreads(selection_set: SelectionSetNode | None) -> Iterator[str]:
    pending = [selection_set]
    while pending:
        current = pending.pop()
        for node in current.selections if current else ():
            if isinstance(node, FragmentSpreadNode):
                yield node.name.value
            elif isinstance(node, (FieldNode, InlineFragmentNode)) and node.selection_set is not None:
                pending.append(node.selection_set)


def measure(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
            max_page: int) -> Shape:
    return Measure(fragments, max_page).selection(selection_set)


def operation_cost(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
                   max_page: int) -> int:
    return measure(selection_set, fragments, max_page).cost


def OperationLimits(settings: GraphQLSettings) -> type[ValidationRule]:
    class OperationLimitsRule(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.measure: Measure | None = None

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            if self.measure is None:
                fragments = {d.name.value: d for d in self.context.document.definitions
                             if isinstance(d, FragmentDefinitionNode)}
                self.measure = Measure(fragments, settings.max_page)
            shape = self.measure.selection(node.selection_set)
            for code, value, limit, message in (
                ("QUERY_TOO_DEEP", shape.depth, settings.max_depth,
                 "The query is {value} levels deep, more than the limit of {limit}."),
                ("QUERY_TOO_COSTLY", shape.cost, settings.max_cost,
                 "The query would cost {value}, more than the limit of {limit}; ask for smaller pages."),
                ("TOO_MANY_ALIASES", shape.aliases, settings.max_aliases,
                 "The query has {value} aliases, more than the limit of {limit}."),
                ("TOO_MUCH_INTROSPECTION", shape.introspection, settings.max_introspection_fields,
                 "The query asks for __schema or __type {value} times, more than the limit of {limit}."),
            ):
                if value > limit:
                    shown = value if value < CEILING else f"at least {CEILING}"
                    self.report_error(GraphQLError(message.format(value=shown, limit=limit), node, extensions={
                        "code": code, "value": value, "limit": limit}))

    return OperationLimitsRule


class ParseLimits(SchemaExtension):
    """graphql-core's parser limits: it stops at the limit instead of reading on."""

    def __init__(self, settings: GraphQLSettings) -> None:
        self.settings = settings

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options.update(
            max_source_length=self.settings.max_query_length, max_lexical_tokens=self.settings.max_tokens,
            max_comments=self.settings.max_tokens)
        yield


class PlainArguments(SchemaExtension):
    """Refuses, while validating, a string argument (literal or variable) holding a character no one-line text
    may hold (``kernel.text``: NUL, C0/C1 controls, bidi overrides, lone surrogates). Arguments here are ids,
    codes and names; PostgreSQL refuses a NUL in text, so one in a filter was a 500, not an answer."""

    def on_operation(self) -> Iterator[None]:
        variables = self.execution_context.variables

        class PlainArgumentsRule(ValidationRule):
            def enter_document(self, *_: Any) -> None:
                found = _refused_in(variables)
                if found is not None:
                    self.report_error(_refusal(found, None))

            def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
                found = refused_character(node.value)
                if found is not None:
                    self.report_error(_refusal(found, node))

        rules = self.execution_context.validation_rules
        self.execution_context.validation_rules = (*rules, PlainArgumentsRule)
        yield


def _refused_in(value: Any) -> str | None:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found = refused_character(item)
            if found is not None:
                return found
        elif isinstance(item, dict):
            pending.extend(item.values())
            pending.extend(item.keys())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def _refusal(what: str, node: Any) -> GraphQLError:
    return GraphQLError(f"Text arguments may not hold {what}.", node,
                        extensions={"code": "BAD_USER_INPUT", "reason": "control-character"})
