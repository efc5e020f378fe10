"""Tracking documentation for the data team: every event, its meaning and its only fields."""

from __future__ import annotations

import json

from ..plan.site import Site
from ..write.output import OutputFile, text_file
from .target import BatchTarget

ROOT = "analytics"
BATCH = {
    "install": "a random id the client keeps (mini-program storage, H5 localStorage)",
    "session": "one launch of the mini-program, one visit of the H5 site",
    "platform": "mp or h5",
    "scene": "the mini-program's launch scene (1001, 1007, ...), or null",
    "events": [
        {
            "event": "name",
            "fields": {},
            "at": "milliseconds since 1970",
            "page": "the page it happened on",
            "duration": "app_hide only: milliseconds shown",
        }
    ],
    "user": "the Authorization: Bearer session of a logged-in shopper, never a field",
}


def render_analytics(site: Site) -> list[OutputFile]:
    analytics = site.spec.analytics
    endpoint = site.spec.events_endpoint()
    document = {
        "transport": f"POST {endpoint}" if endpoint else "wx.reportEvent (mini-program only)",
        "batch": BATCH if endpoint else None,
        "events": {
            name: {"description": event.description, "fields": list(event.fields)}
            for name, event in sorted(analytics.all_events().items())
        },
        "personal_data": "none: only the declared fields are sent, and gen lint rejects personal ones",
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return [text_file(f"{ROOT}/events.json", text, "generator.targets.analytics")]


TARGET = BatchTarget("analytics", ROOT, render_analytics)
