"""The load stage: read site.yaml (YAML 1.2 with positions), check it, and report every problem with
its file, line and spec path."""
