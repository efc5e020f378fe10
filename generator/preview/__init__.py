"""Previews: screenshots of every H5 and mini-program page (`gen preview`)."""
