"""The site spec's models: what users write in site.yaml (field docstrings are the JSON Schema)."""
