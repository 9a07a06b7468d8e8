"""Schema extensions: cost limit, error masking that keeps our problem types, and the query log."""

from __future__ import annotations

from collections.abc import Iterator
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
    ValidationRule,
)
from strawberry.extensions import AddValidationRules, MaskErrors, SchemaExtension

from services.kernel.problems import PROBLEM_BASE, Problem

from .gate import may_query
from .models import QueryLog

__all__ = ["ProblemAwareMasking", "QueryLogger", "cost_limit", "operation_cost"]

DEFAULT_PAGE = 20  # what a connection returns when the query gives no `first`


def operation_cost(selection: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
                   max_page: int, multiplier: int = 1, seen: frozenset[str] = frozenset()) -> int:
    """Every field costs 1 per item its parents may return; a connection multiplies by its page size."""
    if selection is None:
        return 0
    cost = 0
    for node in selection.selections:
        if isinstance(node, FieldNode):
            cost += multiplier
            page = multiplier
            for arg in node.arguments or ():
                if arg.name.value == "first":
                    # A variable could be anything up to the page limit: price it at the limit.
                    size = int(arg.value.value) if isinstance(arg.value, IntValueNode) else max_page
                    page = multiplier * max(1, min(size, max_page))
                    break
            else:
                if node.selection_set is not None and any(
                        isinstance(s, FieldNode) and s.name.value == "edges" for s in node.selection_set.selections):
                    page = multiplier * DEFAULT_PAGE
            cost += operation_cost(node.selection_set, fragments, max_page, page, seen)
        elif isinstance(node, InlineFragmentNode):
            cost += operation_cost(node.selection_set, fragments, max_page, multiplier, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                cost += operation_cost(fragment.selection_set, fragments, max_page, multiplier,
                                       seen | {node.name.value})
    return cost


def cost_limit(max_cost: int, max_page: int) -> AddValidationRules:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {d.name.value: d for d in self.context.document.definitions
                         if isinstance(d, FragmentDefinitionNode)}
            cost = operation_cost(node.selection_set, fragments, max_page)
            if cost > max_cost:
                self.report_error(GraphQLError(
                    f"The query would cost {cost}, more than the limit of {max_cost}; ask for smaller pages.",
                    node, extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": max_cost}))

    return AddValidationRules([CostLimit])


class ProblemAwareMasking(MaskErrors):
    """Unexpected errors become "Unexpected error."; our problem types and GraphQL's own errors stay readable."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=self.is_unexpected)

    @staticmethod
    def is_unexpected(error: GraphQLError) -> bool:
        original = error.original_error
        return original is not None and not isinstance(original, (Problem, GraphQLError))

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        for error in errors:
            if isinstance(error.original_error, Problem):
                problem = error.original_error
                error.extensions = {**(error.extensions or {}), "type": PROBLEM_BASE + problem.slug,
                                    "status": problem.status, "title": problem.title, **problem.extensions}
        return super()._process_errors(errors)


class QueryLogger(SchemaExtension):
    """Every operation by a signed-in person is logged (who, when, operation, variables) in the request's
    transaction. Callers refused at the door are logged by ``gate``, marked ``allowed = false``."""

    def on_operation(self) -> Iterator[None]:
        yield
        ctx = self.execution_context
        context = ctx.context
        principal = getattr(context, "principal", None)
        if principal is None:
            return
        try:
            operation_type = ctx.operation_type.value
        except Exception:  # an unparsable document has no operation type
            operation_type = "invalid"
        errors = getattr(ctx.result, "errors", None) or []
        context.session.add(QueryLog(
            subject=principal.subject, org_id=principal.org, roles=sorted(principal.roles),
            operation_name=(ctx.operation_name or None) and ctx.operation_name[:200], operation_type=operation_type,
            query=ctx.query or "", variables=ctx.variables or {},
            allowed=may_query(principal), error_count=len(errors)))
