"""One file per revision, in a single line of history (v0001 -> v0002 -> ...): a new table or column of any
part of the backend is a new file here whose down_revision is the current head."""
