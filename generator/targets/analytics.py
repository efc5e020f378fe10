"""Tracking documentation for the data team: every event, its meaning and its only fields."""

from __future__ import annotations

import json

from ..plan.site import Site
from ..write.output import OutputFile, text_file
from .target import BatchTarget

ROOT = "analytics"


def render_analytics(site: Site) -> list[OutputFile]:
    analytics = site.spec.analytics
    document = {
        "transport": f"POST {analytics.endpoint}" if analytics.endpoint else "wx.reportEvent (mini-program only)",
        "batch": {"events": [{"event": "name", "fields": {}, "at": "milliseconds since 1970"}]}
        if analytics.endpoint
        else None,
        "events": {
            name: {"description": event.description, "fields": list(event.fields)}
            for name, event in sorted(analytics.all_events().items())
        },
        "personal_data": "none: only the declared fields are sent, and gen lint rejects personal ones",
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return [text_file(f"{ROOT}/events.json", text, "generator.targets.analytics")]


TARGET = BatchTarget("analytics", ROOT, render_analytics)
