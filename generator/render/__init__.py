"""Render stage: one renderer per target, each returning files in memory."""
