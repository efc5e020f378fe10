"""The form block: inputs posted as JSON to the site's endpoint, with clear feedback after the submit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from ..load.source_map import SpecPath
from ..plan.links import Link
from ..spec.model import HttpsUrl, Id, NotText, SpecModel, UserText
from .base import BlockPlanner, BlockSpec, Planned, PlannedBlock, UniqueName

FORMS_PATH = "forms/"
"""Where the shop's backend takes a form's values: `commerce.api` + `forms/<id>`."""
INPUT_TYPES = {"number": "digit", "tel": "number"}
"""Form field type -> the mini-program <input type> that brings up the right keyboard."""


class FormField(SpecModel):
    name: Annotated[NotText, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")]
    """Key of this value in the posted JSON (letters, digits, `_`)."""
    label: Annotated[UserText, StringConstraints(min_length=1, max_length=30)]
    """Label shown next to the input."""
    type: Literal["text", "textarea", "number", "tel", "email", "select", "date"] = "text"
    """Input kind; tel and email are checked for a valid phone number / address."""
    required: bool = False
    """The form cannot be sent while this is empty."""
    placeholder: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Hint shown in the empty input."""
    options: list[Annotated[UserText, StringConstraints(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=30
    )
    """Choices of a `select` field."""
    max_length: int = Field(default=200, ge=1, le=2000)
    """Longest accepted input, in characters."""

    @model_validator(mode="after")
    def _options_for_select(self) -> FormField:
        if self.type == "select" and not self.options:
            raise ValueError("a select field needs `options`; list the choices")
        if self.type != "select" and self.options:
            raise ValueError("`options` only applies to type: select; remove it or change the type")
        return self


class FormBlock(BlockSpec):
    # The schema says what `_posts_somewhere` checks, so the editor refuses a form that sends nowhere too.
    model_config = BlockSpec.model_config | ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["id"], "properties": {"id": {"type": "string"}}},
                {"required": ["endpoint"], "properties": {"endpoint": {"type": "string"}}},
            ]
        }
    )
    type: Literal["form"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = ""
    """Heading above the form."""
    id: Id | None = None
    """Name of the form on the shop's backend: without an `endpoint` the values go to `gen serve` at
    `commerce.api` + `forms/<id>`, which checks them with these fields' rules and keeps them under this name."""
    endpoint: HttpsUrl | None = None
    """https URL of your own that receives the values as a JSON POST, instead of the shop's backend (its domain
    must be a request domain of the mini-program; for the H5 site it must also answer the browser's CORS
    preflight, see the README)."""
    fields: list[FormField] = Field(min_length=1, max_length=20)
    """Inputs, top to bottom."""
    submit_text: Annotated[UserText, StringConstraints(min_length=1, max_length=12)] = "提交"
    """Label of the submit button."""
    success_message: Annotated[UserText, StringConstraints(min_length=1, max_length=60)] = "提交成功，我们会尽快联系您"
    """Shown after the server accepted the form."""
    error_message: Annotated[UserText, StringConstraints(min_length=1, max_length=60)] = "提交失败，请稍后重试"
    """Shown when the server could not be reached or refused the form."""
    privacy_notice: Annotated[UserText, StringConstraints(max_length=300)] = ""
    """Shown above the submit button: what personal data is kept, why and for how long (required by
    `gen lint` when the form asks for a name, phone, email, ID number or address)."""

    @model_validator(mode="after")
    def _posts_somewhere(self) -> FormBlock:
        if self.endpoint is None and self.id is None:
            raise ValueError(
                "a form needs somewhere to send its values: an `id` (the shop's backend keeps them under it) "
                "or an `endpoint` URL of your own"
            )
        return self

    def needs_backend(self) -> bool:
        return self.endpoint is None

    def site_unique_names(self) -> Iterator[UniqueName]:
        if self.id is not None:
            yield UniqueName("form id", self.id, ("id",))

    def unique_names(self) -> Iterator[UniqueName]:
        for f, field in enumerate(self.fields):
            yield UniqueName("field name", field.name, ("fields", f, "name"))

    def collects(self, page_title: str) -> str:
        labels = "、".join(f.label for f in self.fields)
        return f"「{self.title or page_title}」表单：{labels}。{self.privacy_notice or '用于处理您提交的内容。'}"

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedForm:
        return PlannedForm(
            title=self.title,
            endpoint=self.endpoint or planner.backend_url(f"{FORMS_PATH}{self.id}"),
            submit_text=self.submit_text,
            success_message=self.success_message,
            error_message=self.error_message,
            privacy_notice=self.privacy_notice,
            privacy_link=planner.page_link("privacy") if planner.has_privacy_page else None,
            fields=tuple(
                PlannedField(
                    name=f.name,
                    label=f.label,
                    type=f.type,
                    required=f.required,
                    placeholder=f.placeholder,
                    options=tuple(f.options),
                    input_type=INPUT_TYPES.get(f.type, "text"),
                    max_length=f.max_length,
                )
                for f in self.fields
            ),
        )


@dataclass(frozen=True)
class PlannedField(Planned):
    name: str
    label: str
    type: str
    required: bool
    placeholder: str
    options: tuple[str, ...]
    input_type: str
    max_length: int


@dataclass(frozen=True)
class PlannedForm(PlannedBlock):
    type: ClassVar[str] = "form"
    title: str
    endpoint: str
    submit_text: str
    success_message: str
    error_message: str
    privacy_notice: str
    privacy_link: Link | None
    fields: tuple[PlannedField, ...]


BLOCK = FormBlock
