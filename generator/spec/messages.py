"""Subscribe-message templates (订阅消息) the shop's server sends on order events (`commerce.messages`).

Each template names its WeChat template id, the order event that sends it and its fields: WeChat's keys
(thing1, amount2, time3, character_string4, ...) mapped to what of the order goes there.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from .model import NotText, SpecModel

TEMPLATE_ID_PATTERN = r"^[A-Za-z0-9_-]{10,64}$"
TemplateId = Annotated[NotText, StringConstraints(pattern=TEMPLATE_ID_PATTERN)]
MessageEvent = Literal["paid", "refunded", "shipped"]
OrderValue = Literal["order_no", "total", "first_item", "time", "state"]
FieldKey = Annotated[
    NotText,
    StringConstraints(
        pattern=r"^(thing|amount|time|date|character_string|number|letter|symbol|phone_number|car_number|name|phrase)[0-9]{1,2}$"
    ),
]


class MessageTemplate(SpecModel):
    id: TemplateId
    """The template id from 订阅消息 > 我的模板 in the mini-program's console; also in `order_templates`, so
    the shopper is asked for it after paying."""
    event: MessageEvent
    """The order event that sends it: paid, refunded, or shipped (shipped is sent once the merchant console
    marks orders shipped)."""
    fields: dict[FieldKey, OrderValue] = Field(default_factory=dict, validate_default=True)
    """WeChat's field keys mapped to order values: order_no, total (yuan), first_item (name of the first
    item), time (the event's time, Asia/Shanghai), state. Values are cut to WeChat's limits (thing: 20
    characters, ...)."""
    page: Annotated[NotText, StringConstraints(pattern=r"^[A-Za-z0-9_/.-]{0,128}$")] = ""
    """The mini-program page the message opens (default: the order's result page)."""

    @field_validator("fields")
    @classmethod
    def _has_fields(cls, fields: dict[str, str]) -> dict[str, str]:
        if not fields:
            raise ValueError(
                "a message template needs its fields: map WeChat's keys to order values, e.g. "
                "{character_string1: order_no, amount2: total, thing3: first_item, time4: time}"
            )
        return fields
