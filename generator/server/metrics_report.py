"""The metrics as `gen report` prints them: JSON (the keys of `Metrics`), CSV (one `metric,value` row per
figure, nested ones as `funnel.paid`, `daily.2026-12-01.opens`; empty for none) and a small self-contained
HTML page (Jinja2 with autoescape, no scripts, styles or images from elsewhere).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import jinja2

from .metrics import Metrics

FORMATS = ("json", "csv", "html")

LABELS = {
    "opens": "打开次数 Opens",
    "avg_stay_seconds": "停留时长 Average stay (s)",
    "conversion_rate": "转化率 Conversion",
    "avg_order_value_fen": "客单价 Average order (fen)",
    "retention_d1": "次日留存 D1 retention",
    "retention_d7": "7日留存 D7 retention",
    "retention_d30": "30日留存 D30 retention",
    "repurchase_rate": "复购率 Repurchase",
    "share_rate": "分享率 Share rate",
    "article_reads": "阅读量 Article reads",
    "coupon_redemption_rate": "核销率 Coupon redemption",
    "visitors": "访客 Visitors",
    "paying_users": "付费用户 Paying users",
    "orders": "订单 Paid orders",
}
RATES = {k for k in LABELS if k.endswith("_rate") or k.startswith("retention_")}

PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ shop }} · 数据看板 {{ start }} – {{ end }}</title>
<style>
body { font: 14px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border-bottom: 1px solid #ddd; padding: .3em .8em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.bar { background: #07c160; height: .8em; display: inline-block; }
small { color: #666; }
</style>
</head>
<body>
<h1>{{ shop }} · 数据看板</h1>
<p>{{ start }} – {{ end }} (Asia/Shanghai) · channel {{ channel }}</p>
<table>
{% for label, value in figures %}<tr><th>{{ label }}</th><td class="n">{{ value }}</td></tr>
{% endfor %}</table>
<h2>漏斗 Funnel</h2>
<table>
{% for step, count, width in funnel %}<tr><th>{{ step }}</th><td class="n">{{ count }}</td>
<td><span class="bar" style="width: {{ width }}em"></span></td></tr>
{% endfor %}</table>
<h2>小程序 vs 公众号 次日留存</h2>
<table>
<tr><th>小程序 Mini-program D1</th><td class="n">{{ mp_vs_oa.mp_d1 }}</td>
<td><small>of {{ mp_vs_oa.mp_cohort }} new installs</small></td></tr>
<tr><th>公众号 Official Account D1</th><td class="n">{{ mp_vs_oa.oa_d1 }}</td>
<td><small>of {{ mp_vs_oa.oa_cohort }} new followers
({{ mp_vs_oa.oa_without_unionid }} without a unionid left out)</small></td></tr>
</table>
<h2>图文阅读 Article reads</h2>
<p>{{ articles.reads }} reads by {{ articles.readers }} readers, {{ articles.shares }} shares
({{ articles.days }} day(s) reported)</p>
<h2>每日 Daily</h2>
<table>
<tr><th>Day</th><th>Opens</th><th>Visitors</th><th>Paid orders</th><th>Revenue (fen)</th><th></th></tr>
{% for day, width in daily %}<tr><td>{{ day.day }}</td><td class="n">{{ day.opens }}</td>
<td class="n">{{ day.visitors }}</td>
<td class="n">{{ day.paid_orders }}</td><td class="n">{{ day.revenue_fen }}</td>
<td><span class="bar" style="width: {{ width }}em"></span></td></tr>
{% endfor %}</table>
</body>
</html>
"""
)
BAR_EM = 20


def shown(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key in RATES:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def as_json(metrics: Metrics) -> str:
    return json.dumps(metrics.to_json(), ensure_ascii=False, indent=2)


def rows(metrics: Metrics) -> Iterator[tuple[str, Any]]:
    """(metric, value) for every figure, nested ones flattened with dots."""
    for key, value in metrics.to_json().items():
        if key == "daily":
            for day in value:
                for name, figure in day.items():
                    if name != "day":
                        yield f"daily.{day['day']}.{name}", figure
        elif isinstance(value, dict):
            for name, figure in value.items():
                yield f"{key}.{name}", figure
        else:
            yield key, value


def as_csv(metrics: Metrics) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("metric", "value"))
    for metric, value in rows(metrics):
        writer.writerow((metric, "" if value is None else value))
    return out.getvalue()


def _width(value: int, most: int) -> float:
    return round(BAR_EM * value / most, 2) if most else 0.0


def as_html(metrics: Metrics, shop: str, start: str, end: str, channel: str) -> str:
    data = metrics.to_json()
    funnel = data["funnel"]
    top = max(funnel.values())
    most_opens = max((day["opens"] for day in data["daily"]), default=0)
    oa = data["mp_vs_oa_retention"]
    return PAGE.render(
        shop=shop,
        start=start,
        end=end,
        channel=channel,
        figures=[(label, shown(key, data[key])) for key, label in LABELS.items()],
        funnel=[(step, count, _width(count, top)) for step, count in funnel.items()],
        mp_vs_oa={**oa, "mp_d1": shown("retention_d1", oa["mp_d1"]), "oa_d1": shown("retention_d1", oa["oa_d1"])},
        articles=data["article_figures"],
        daily=[(day, _width(day["opens"], most_opens)) for day in data["daily"]],
    )


def render(metrics: Metrics, form: str, shop: str, start: str, end: str, channel: str) -> str:
    if form == "json":
        return as_json(metrics)
    if form == "csv":
        return as_csv(metrics)
    return as_html(metrics, shop, start, end, channel)
