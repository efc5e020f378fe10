"""The shop's metrics (数据看板) over a range of Asia/Shanghai days: `compute(session, start_day, end_day,
channel)` returns a `Metrics`, computed in SQL on the shop's database (`metrics_queries`).

Days are YYYY-MM-DD in Asia/Shanghai, both ends included. `channel` picks the events' platform: `mp` (the
mini-program), `h5` (the H5 site) or `all` (both). Orders and coupons are the mini-program's: they count
for `all` and `mp`, and an `h5` range has none. A rate is a float in 0..1, or None when its denominator is 0.

Definitions (a "visitor" is an install: the random id a client keeps, one per phone's mini-program or
browser; an event belongs to the Shanghai day the server received it, `events.day`):

- `visitors`: distinct installs of the channel with a `visitor_days` row on a day of the range.
- `opens` (打开次数): mini-program `app_show` events on the range's days, plus H5 opens: for each day, the
  H5 sessions with a `page_view` that day (a session across midnight opens on both days). The range's
  figure is the sum of the days'.
- `avg_stay_seconds` (停留时长): the mean `duration_ms` of the range's `app_hide` events, in seconds (the
  time shown since the matching show; H5 sends none, so `h5` is None).
- `funnel`: distinct installs per step over the range, each step counted on its own (not only installs
  that did the step before): `product_view`, `add_to_cart`, `checkout_start` events, and `paid`: installs
  seen in the range whose user (`visitors.user_id`, the user it last sent events as) has an order paid in
  the range.
- `conversion_rate` (转化率): funnel `paid` / `visitors`.
- `orders`: orders with `paid_at` in the range (whatever their state now: refunded, shipped, ...); a paid
  order belongs to the Shanghai day of `paid_at`.
- `paying_users`: distinct users of those orders.
- `avg_order_value_fen` (客单价): (Σ paid_fen − Σ refunded_fen) / `orders`, rounded half up to a whole fen;
  a refund counts against the order it refunds (its paid day), and a fully refunded order stays in the
  count with 0 fen. None without orders.
- `repurchase_rate` (复购率): users with 2 or more of those orders / `paying_users`.
- `share_rate` (分享率): `share` events / views (`page_view` and `product_view` events) of the range: how
  often what was seen was passed on.
- `retention_d1`, `retention_d7`, `retention_d30` (留存率): the cohort is the channel's installs whose first
  day (`visitors.first_day`) is in the range and whose day first_day+N has ended (it is before `as_of`,
  today in Shanghai unless given); retained are those with a `visitor_days` row on first_day+N exactly.
- `coupon_redemption_rate`: coupons claimed in the range (Shanghai day of `claimed_at`) that are used now
  (`used_at`: in an order that still stands, or in store; a cancelled or refunded order gives it back) /
  coupons claimed in the range.
- `article_reads` (阅读量): the Official Account's article page reads (datacube getuserread's
  int_page_read_count, table `article_reads`) summed over the range's days; `article_figures` has them with
  `readers`, `shares` and the `days` WeChat reported.
- `mp_vs_oa_retention` (次日留存, whatever the channel): `mp_d1` over `mp_cohort` is the mini-program's
  D1 retention as above (installs of platform mp); `oa_d1` over `oa_cohort` is the Official Account's:
  the followers whose latest follow (`followers.subscribed_at`, its Shanghai day D) is in the range, who
  have a unionid and whose day D+1 has ended; retained are those for whom a mini-program user with the
  same unionid (`users.unionid`) has an install seen in the mini-program on D+1. Followers without a
  unionid cannot be joined: they are left out of the cohort and counted in `oa_without_unionid`.
- `daily`: one entry per day of the range: `opens`, `visitors` (installs seen that day), `paid_orders`
  and `revenue_fen` (paid minus refunded) of the orders paid that day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from . import metrics_queries as q
from .metrics_days import parse_day, today_in_shanghai

Channel = Literal["all", "mp", "h5"]
CHANNELS: dict[str, tuple[str, ...]] = {"all": (q.MINI_PROGRAM, q.H5), "mp": (q.MINI_PROGRAM,), "h5": (q.H5,)}


@dataclass(frozen=True)
class Funnel:
    product_view: int
    add_to_cart: int
    checkout_start: int
    paid: int


@dataclass(frozen=True)
class ArticleReads:
    reads: int
    readers: int
    shares: int
    days: int


@dataclass(frozen=True)
class MpVsOaRetention:
    mp_d1: float | None
    mp_cohort: int
    oa_d1: float | None
    oa_cohort: int
    oa_without_unionid: int


@dataclass(frozen=True)
class Day:
    day: str
    opens: int
    visitors: int
    paid_orders: int
    revenue_fen: int


@dataclass(frozen=True)
class Metrics:
    opens: int
    avg_stay_seconds: float | None
    conversion_rate: float | None
    avg_order_value_fen: int | None
    retention_d1: float | None
    retention_d7: float | None
    retention_d30: float | None
    repurchase_rate: float | None
    share_rate: float | None
    article_reads: int
    article_figures: ArticleReads
    coupon_redemption_rate: float | None
    funnel: Funnel
    visitors: int
    paying_users: int
    orders: int
    mp_vs_oa_retention: MpVsOaRetention
    daily: tuple[Day, ...]

    def to_json(self) -> dict[str, Any]:
        """The metrics as JSON-ready values, under the keys above."""
        data = asdict(self)
        data["daily"] = list(data["daily"])
        return data


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def average_fen(total_fen: int, count: int) -> int | None:
    """total / count rounded half up (in integers: no float rounding of large sums)."""
    return (2 * total_fen + count) // (2 * count) if count else None


def check_range(start_day: str, end_day: str, channel: str) -> None:
    """ValueError for a day that is not YYYY-MM-DD, a range that ends before it starts, an unknown channel."""
    if parse_day(start_day) > parse_day(end_day):
        raise ValueError(f"the range ends ({end_day}) before it starts ({start_day})")
    if channel not in CHANNELS:
        raise ValueError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")


def compute(session: Session, start_day: str, end_day: str, channel: str = "all", as_of: str | None = None) -> Metrics:
    """The metrics of start_day..end_day (Shanghai, inclusive) for `channel`; `as_of` (a day, default today in
    Shanghai) is the first day not yet over, which retention waits for."""
    check_range(start_day, end_day, channel)
    before = as_of or today_in_shanghai()
    parse_day(before)
    span = q.DayRange(start_day, end_day, CHANNELS[channel])

    visitors = q.visitors(session, span)
    opens = q.opens_by_day(session, span)
    stay_ms, hides = q.stay(session, span)
    steps = q.event_visitors(session, span, q.FUNNEL_EVENTS)
    counted = q.event_counts(session, span, (q.SHARE_EVENT, *q.VIEW_EVENTS))
    paid_visitors = q.paying_visitors(session, span)
    orders = q.order_figures(session, span)
    claimed, used = q.coupon_claims(session, span)
    by_platform = q.retention(session, q.DayRange(start_day, end_day, CHANNELS["all"]), q.RETENTION_DAYS, before)
    kept = {
        after: (
            sum(by_platform[platform][after][0] for platform in span.platforms),
            sum(by_platform[platform][after][1] for platform in span.platforms),
        )
        for after in q.RETENTION_DAYS
    }
    mp_cohort, mp_back = by_platform[q.MINI_PROGRAM][1]
    followers = q.follower_retention(session, span, before)
    articles = q.article_figures(session, span)
    seen = q.visitors_by_day(session, span)
    paid_days = q.orders_by_day(session, span)

    return Metrics(
        opens=sum(opens.values()),
        avg_stay_seconds=stay_ms / hides / 1000 if hides else None,
        conversion_rate=rate(paid_visitors, visitors),
        avg_order_value_fen=average_fen(orders.net_fen, orders.orders),
        retention_d1=rate(kept[1][1], kept[1][0]),
        retention_d7=rate(kept[7][1], kept[7][0]),
        retention_d30=rate(kept[30][1], kept[30][0]),
        repurchase_rate=rate(orders.repeat_buyers, orders.paying_users),
        share_rate=rate(counted[q.SHARE_EVENT], sum(counted[name] for name in q.VIEW_EVENTS)),
        article_reads=articles.reads,
        article_figures=ArticleReads(articles.reads, articles.readers, articles.shares, articles.days),
        coupon_redemption_rate=rate(used, claimed),
        funnel=Funnel(
            product_view=steps["product_view"],
            add_to_cart=steps["add_to_cart"],
            checkout_start=steps["checkout_start"],
            paid=paid_visitors,
        ),
        visitors=visitors,
        paying_users=orders.paying_users,
        orders=orders.orders,
        mp_vs_oa_retention=MpVsOaRetention(
            mp_d1=rate(mp_back, mp_cohort),
            mp_cohort=mp_cohort,
            oa_d1=rate(followers.retained, followers.cohort),
            oa_cohort=followers.cohort,
            oa_without_unionid=followers.without_unionid,
        ),
        daily=tuple(Day(day, opens.get(day, 0), seen.get(day, 0), *paid_days.get(day, (0, 0))) for day in span.days),
    )
