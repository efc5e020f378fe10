"""The targets: each module renders one output (mini-program, H5, Official Account, commerce contract,
analytics) from the planned site, as files in memory; `target.py` is what a target is."""
