"""The Official Account's tools: its API client, the message server and its replay guard."""
