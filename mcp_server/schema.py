"""Publish the shared ``veo_tools.types`` input models as flat MCP tool schemas.

``MCPServer`` builds a tool's input schema from the function signature, and a parameter typed
with a pydantic model becomes one nested argument. Giving the tool function a ``__signature__``
with one keyword parameter per model field (``Annotated[annotation, FieldInfo]``) makes the
schema flat, with the model's own descriptions, defaults and limits (frameworks-notes §1.4). The
argument model is then made strict like the shared one (``additionalProperties: false``), so a
misspelt argument is an error the agent sees instead of a silently ignored value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from veo_tools.types import compact_schema, explain_validation_error, numbers_from_strings


class _SentArguments(ArgModelBase):
    @field_validator("*", mode="before")
    @classmethod
    def _numbers_from_strings(cls, value: Any, info: ValidationInfo) -> Any:
        """The SDK validates a call with this model before the shared one sees it: it must
        read ``"8"`` as 8 (and refuse a boolean for a number) the same way."""
        field = cls.model_fields.get(info.field_name or "")
        return value if field is None else numbers_from_strings(value, field.annotation)

    def model_dump_one_level(self) -> dict[str, Any]:
        """The arguments the client sent (defaults are left to the shared model)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def flat_signature(model: type[BaseModel], output: type[BaseModel]) -> inspect.Signature:
    """``(*, <one parameter per field>, ctx: Context) -> Annotated[CallToolResult, output]``."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter(name, keyword, annotation=Annotated[f.annotation, f])
        for name, f in model.model_fields.items()
    ]
    params.append(inspect.Parameter("ctx", keyword, annotation=Context))
    return inspect.Signature(params, return_annotation=Annotated[CallToolResult, output])


def flat_tool(
    fn: Callable[..., Any],
    model: type[BaseModel],
    output: type[BaseModel],
    *,
    title: str,
    description: str,
    annotations: ToolAnnotations,
) -> Tool:
    """A registered-ready ``Tool`` whose arguments are ``model``'s fields and result ``output``."""
    fn.__signature__ = flat_signature(model, output)  # type: ignore[attr-defined]
    tool = Tool.from_function(
        fn, title=title, description=description, annotations=annotations, structured_output=True
    )
    base = tool.fn_metadata.arg_model
    strict: type[ArgModelBase] = type(
        base.__name__,
        (base, _SentArguments),
        {"model_config": ConfigDict(extra="forbid"), "__module__": base.__module__},
    )
    tool.fn_metadata.arg_model = strict
    tool.parameters = compact_schema(strict.model_json_schema(by_alias=True))
    if tool.fn_metadata.output_schema is not None:
        # Results are read from structuredContent, checked by the schema's structure: the
        # field descriptions would only cost every turn's context.
        slim = compact_schema(tool.fn_metadata.output_schema, inputs=False)
        tool.fn_metadata.output_schema = slim
    return _FriendlyTool.model_validate(tool, from_attributes=True)


class _FriendlyTool(Tool):
    """A tool whose argument errors read like the LangChain tools' (field, problem, what was
    sent) instead of pydantic's multi-line report with documentation links."""

    async def run(self, arguments: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().run(arguments, *args, **kwargs)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(
                    f"Error executing tool {self.name}: {explain_validation_error(exc.__cause__)}"
                ) from exc.__cause__
            raise
