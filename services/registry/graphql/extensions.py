"""Schema extensions: error masking that keeps our problem types, and the query log."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from services.kernel.problems import PROBLEM_BASE, Problem

from .gate import may_query
from .query_log import entry
from .settings import GraphQLSettings

__all__ = ["ProblemAwareMasking", "QueryLogger"]


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
    transaction; one refused while parsing or validating keeps an excerpt, the digest and the reason
    (``query_log``). Callers refused at the door or at the intake are logged by ``gate`` and ``http``."""

    def __init__(self, settings: GraphQLSettings) -> None:
        self.settings = settings
        self.refusal: str | None = None

    def on_parse(self) -> Iterator[None]:
        yield
        if self.execution_context.graphql_document is None:
            self.refusal = self._reason("GRAPHQL_PARSE_FAILED")

    def on_validate(self) -> Iterator[None]:
        yield
        if self.execution_context.pre_execution_errors:
            self.refusal = self._reason("GRAPHQL_VALIDATION_FAILED")

    def _reason(self, default: str) -> str:
        errors = self.execution_context.pre_execution_errors or []
        code = (errors[0].extensions or {}).get("code") if errors else None
        return code if isinstance(code, str) else default

    def on_operation(self) -> Iterator[None]:
        yield
        ctx = self.execution_context
        principal = getattr(ctx.context, "principal", None)
        if principal is None:
            return
        try:
            operation_type = ctx.operation_type.value
        except Exception:  # noqa: BLE001 (an unparsable document has no operation type)
            operation_type = "invalid"
        errors = getattr(ctx.result, "errors", None) or []
        ctx.context.session.add(entry(
            principal, self.settings, query=ctx.query or "", variables=ctx.variables,
            operation_name=ctx.operation_name if isinstance(ctx.operation_name, str) else None,
            operation_type=operation_type, allowed=may_query(principal), refusal=self.refusal,
            error_count=len(errors)))
