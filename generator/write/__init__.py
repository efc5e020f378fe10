"""The write stage: the only code that writes into output folders (swap or sync)."""
