"""The assets stage: images sized for their slots and encoded, SVG made safe, tab icons drawn."""
