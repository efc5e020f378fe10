"""The growth endpoints: GET/POST /checkin, GET /invites, GET /member (all need a session).

They answer from the rules of `commerce.checkin`, `commerce.invites` and `commerce.members`; a rule the spec
does not declare answers 404 `not_enabled`. With --fake-wechat, `POST /_fake/clock` moves the server's clock
forward, to try a streak of days in a minute.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import Field

from ..spec.coupons import CouponSpec
from ..spec.growth import reward_text
from ..spec.site import Commerce
from . import checkins, invites, points, rewards
from .api_errors import ApiError
from .clock import Now
from .coupons import mine
from .growth_models import RewardGrant
from .order_routes import UNAUTHORIZED, ApiModel, CurrentUser, Db, Problem, Responses

router = APIRouter(tags=["growth"])

NOT_ENABLED: Responses = {
    **UNAUTHORIZED,
    404: {"model": Problem, "description": "not_enabled: the shop declares no such rule."},
}


def _commerce(request: Request) -> Commerce:
    commerce: Commerce = request.app.state.spec.commerce
    return commerce


def _declared(commerce: Commerce) -> Mapping[str, CouponSpec]:
    return {coupon.id: coupon for coupon in commerce.coupons}


class RewardOut(ApiModel):
    text: str = Field(description="What was granted, as the page shows it (a coupon's title, or N积分).")
    granted: bool = Field(description="False when the coupon had none left (the rule was met all the same).")
    coupon_id: str | None = Field(default=None, description="The held coupon's code (GET /coupons/mine).")
    points: int | None = None


def _reward_out(row: RewardGrant, commerce: Commerce) -> RewardOut:
    declared = _declared(commerce)
    spec = declared.get(row.coupon_id or "")
    text = spec.title if spec is not None else f"{row.points}积分"
    return RewardOut(text=text, granted=row.state == "granted", coupon_id=row.coupon_code, points=row.points)


class CheckinOut(ApiModel):
    streak: int = Field(ge=0, description="Days in a row up to today (Asia/Shanghai); 0 after a missed day.")
    checked_in_today: bool
    reward_days: int = Field(description="Days in a row that earn the reward (again at every multiple).")
    reward: str = Field(description="What the streak earns, as shown.")
    rewarded: bool = Field(description="This check-in completed a streak and earned the reward.")
    granted: RewardOut | None = Field(default=None, description="The reward this check-in earned.")
    points_earned: int = Field(ge=0, description="Points this check-in earned.")
    points: int = Field(ge=0, description="The shopper's points now.")


def _checkin_out(state: checkins.CheckinState, commerce: Commerce, balance: int) -> CheckinOut:
    rule = commerce.checkin
    assert rule is not None
    return CheckinOut(
        streak=state.streak,
        checked_in_today=state.checked_in_today,
        reward_days=rule.reward_days,
        reward=reward_text(rule.reward, commerce.coupons),
        rewarded=state.rewarded is not None,
        granted=_reward_out(state.rewarded, commerce) if state.rewarded is not None else None,
        points_earned=state.points,
        points=balance,
    )


def _rule_missing(what: str) -> ApiError:
    return ApiError(404, "not_enabled", f"本店未开启{what} (the site declares no commerce rule for it)")


@router.get("/checkin", response_model=CheckinOut, responses=NOT_ENABLED, response_model_exclude_none=True)
def get_checkin(request: Request, user: CurrentUser, db: Db, clock: Now) -> CheckinOut:
    """Today's check-in state: the streak and whether today is done."""
    commerce = _commerce(request)
    if commerce.checkin is None:
        raise _rule_missing("签到")
    state = checkins.state(db, user, clock)
    balance = points.balance(db, user.id)
    db.commit()
    return _checkin_out(state, commerce, balance)


@router.post("/checkin", response_model=CheckinOut, responses=NOT_ENABLED, response_model_exclude_none=True)
def post_checkin(request: Request, user: CurrentUser, db: Db, clock: Now) -> CheckinOut:
    """Check in for today: once per Asia/Shanghai day (a repeat answers today's state); the streak's reward is
    granted once each time the streak reaches a multiple of rewardDays."""
    commerce = _commerce(request)
    rule = commerce.checkin
    if rule is None:
        raise _rule_missing("签到")
    state = checkins.check_in(db, user, rule, _declared(commerce), clock)
    balance = points.balance(db, user.id)
    db.commit()
    return _checkin_out(state, commerce, balance)


class InvitesOut(ApiModel):
    registered: int = Field(ge=0, description="Friends who registered through the shopper's share.")
    friends: int = Field(description="Registrations that earn the reward.")
    times: int = Field(description="How often one shopper can earn it.")
    reward: str = Field(description="What each group of friends earns, as shown.")
    rewards: list[RewardOut] = Field(description="The rewards earned so far.")
    ref: str = Field(description="The shopper's public handle: the share link's `inviter`.")


@router.get("/invites", response_model=InvitesOut, responses=NOT_ENABLED)
def get_invites(request: Request, user: CurrentUser, db: Db) -> InvitesOut:
    """How many invited friends registered, and the rewards they earned (a share alone counts for nothing)."""
    commerce = _commerce(request)
    rule = commerce.invites
    if rule is None:
        raise _rule_missing("邀请有礼")
    count = invites.registered(db, user)
    earned = rewards.granted(db, user, "invite")
    db.commit()
    return InvitesOut(
        registered=count,
        friends=rule.friends,
        times=rule.times,
        reward=reward_text(rule.reward, commerce.coupons),
        rewards=[_reward_out(row, commerce) for row in earned],
        ref=user.ref,
    )


class MemberOut(ApiModel):
    points: int = Field(ge=0, description="The points balance.")
    level: str = Field(description="The level the points reach ('' when the shop declares no levels).")
    next_level: str | None = Field(default=None, description="The next level's name, if any.")
    points_to_next: int | None = Field(default=None, description="Points still needed for it.")
    points_per_yuan: int = Field(description="Points for every whole yuan paid.")
    coupons: int = Field(ge=0, description="Unused coupons valid now (GET /coupons/mine).")
    ref: str


@router.get("/member", response_model=MemberOut, responses=UNAUTHORIZED, response_model_exclude_none=True)
def get_member(request: Request, user: CurrentUser, db: Db, clock: Now) -> MemberOut:
    """The member card: points, level and the next level, and how many coupons are waiting."""
    commerce = _commerce(request)
    rules = commerce.members
    balance = points.balance(db, user.id)
    held = len(mine(db, user, _declared(commerce), clock))
    db.commit()
    higher = [level for level in rules.levels if level.points > balance]
    return MemberOut(
        points=balance,
        level=rules.level(balance),
        next_level=higher[0].name if higher else None,
        points_to_next=higher[0].points - balance if higher else None,
        points_per_yuan=rules.points_per_yuan,
        coupons=held,
        ref=user.ref,
    )


class ClockMove(ApiModel):
    days: int = Field(default=0, ge=0, le=3650)
    hours: int = Field(default=0, ge=0, le=24 * 3650)


@router.post("/_fake/clock", include_in_schema=False)
def move_clock(request: Request, move: Annotated[ClockMove, Body()]) -> dict[str, float]:
    """--fake-wechat only: move the server's clock forward (days and hours add up); answers the offset."""
    if not request.app.state.settings.fake_wechat:
        raise ApiError(404, "not_found", "Not Found")
    offset: timedelta = getattr(request.app.state, "clock_offset", None) or timedelta()
    request.app.state.clock_offset = offset + timedelta(days=move.days, hours=move.hours)
    return {"offsetSeconds": request.app.state.clock_offset.total_seconds()}
