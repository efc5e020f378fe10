"""The plan stage: routes, links, image slots and per-page data, in no target's words."""
