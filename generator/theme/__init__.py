"""Themes: the design tokens in theme YAML, their derived values, contrast checks and CSS."""
