"""The contact block: customer service, phone, address and opening hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import StringConstraints

from ..load.source_map import SpecPath
from ..spec.model import NotText, SpecModel, UserText
from .base import BlockPlanner, BlockSpec, PlannedBlock

CORP_ID_PATTERN = r"^ww[0-9A-Za-z]{16}$"
KFID_PATTERN = r"^https://work\.weixin\.qq\.com/kfid/[A-Za-z0-9_-]{4,64}$"


class WorkWeixinService(SpecModel):
    """企业微信客服: WeChat's customer service of a WeCom (企业微信) account, which staff answer from WeCom."""

    corp_id: Annotated[NotText, StringConstraints(pattern=CORP_ID_PATTERN)]
    """The WeCom account's 企业ID (企业微信管理后台 > 我的企业), `ww` and 16 letters or digits."""
    url: Annotated[NotText, StringConstraints(pattern=KFID_PATTERN)]
    """The 客服账号's link (微信客服 > 客服账号 > 获取客服链接), https://work.weixin.qq.com/kfid/…"""


class ContactBlock(BlockSpec):
    type: Literal["contact"]
    title: Annotated[UserText, StringConstraints(max_length=40)] = "联系我们"
    """Heading."""
    text: Annotated[UserText, StringConstraints(max_length=300)] = ""
    """A line about when and how you answer."""
    button_text: Annotated[UserText, StringConstraints(min_length=1, max_length=12)] = "在线客服"
    """Label of the customer-service button."""
    phone: Annotated[UserText, StringConstraints(pattern=r"^[0-9+\-() ]{5,20}$")] | None = None
    """Phone number; adds a call button."""
    address: Annotated[UserText, StringConstraints(max_length=120)] = ""
    """Street address."""
    hours: Annotated[UserText, StringConstraints(max_length=60)] = ""
    """Opening hours."""
    work_weixin: WorkWeixinService | None = None
    """企业微信客服 instead of the mini-program's own customer service: the button opens it with
    wx.openCustomerServiceChat, and the H5 site links to it (it opens in WeChat from a browser too)."""

    def plan(self, planner: BlockPlanner, path: SpecPath, package: str) -> PlannedContact:
        return PlannedContact(
            title=self.title,
            text=self.text,
            button_text=self.button_text,
            phone=self.phone or "",
            address=self.address,
            hours=self.hours,
            work_weixin_corp_id=self.work_weixin.corp_id if self.work_weixin else "",
            work_weixin_url=self.work_weixin.url if self.work_weixin else "",
        )


@dataclass(frozen=True)
class PlannedContact(PlannedBlock):
    type: ClassVar[str] = "contact"
    title: str
    text: str
    button_text: str
    phone: str
    address: str
    hours: str
    work_weixin_corp_id: str
    work_weixin_url: str

    def miniprogram_view(self, data: dict[str, Any]) -> dict[str, Any]:
        """Without WeCom customer service, its two empty fields stay out of the page data."""
        if data["workWeixinUrl"]:
            return data
        return {key: value for key, value in data.items() if not key.startswith("workWeixin")}


BLOCK = ContactBlock
