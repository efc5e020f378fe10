"""Replay protection and retry de-duplication for `gen oa serve`, in a bounded in-process memory.

A signed request is only good while its timestamp is within `window` seconds of our clock, and
only once: a nonce seen again with a different message is a replay. WeChat itself re-sends a
message it got no answer to within 5 s (up to three times, same MsgId; docs: "Passive user reply
message"); such a retry is answered with the very reply the lost answer carried, never refused.

The memory is per process: several workers (or machines) behind one database each remember only
their own requests, so a replay sent to another worker within the window gets through. That is
accepted for now; a shared store comes with the backend.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Generic, TypeVar

WINDOW_SECONDS = 300  # how far a request's timestamp may be from our clock, either way
NONCE_CAPACITY = 100_000  # ~10 minutes of 160 messages a second, ~45 MB; past it the oldest go early
REPLY_CAPACITY = 10_000  # answered messages kept for WeChat's retries (they come within ~15 s)
REPLY_SECONDS = 60

V = TypeVar("V")


class ExpiringMemory(Generic[V]):
    """Values kept until they expire, at most `capacity` of them: the oldest entry goes first when full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, now: float) -> V | None:
        self._evict(now)
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] > now else None

    def put(self, key: Hashable, value: V, expires: float, now: float) -> None:
        self._evict(now)
        self._entries[key] = (expires, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def _evict(self, now: float) -> None:
        # Entries are in arrival order, not expiry order: a later one may expire first and then
        # waits behind the front. The capacity bounds the memory either way.
        while self._entries:
            expires, _ = next(iter(self._entries.values()))
            if expires > now:
                break
            self._entries.popitem(last=False)


def message_key(message: Mapping[str, str]) -> tuple[str, ...] | None:
    """What identifies a message across WeChat's retries: sender and MsgId, else (events) the whole message.

    WeChat recommends FromUserName + CreateTime for events; a retry repeats every field, so keying
    on all of them also keeps two different events of the same second apart.
    """
    sender = message.get("FromUserName", "")
    if not sender or not message.get("CreateTime"):
        return None
    if message.get("MsgId"):
        return ("msg", sender, message["MsgId"])
    return ("event", *(part for item in sorted(message.items()) for part in item))


class ReplayGuard:
    """Decides whether a signed request is fresh, and remembers replies for WeChat's retries."""

    def __init__(
        self,
        window: int = WINDOW_SECONDS,
        nonce_capacity: int = NONCE_CAPACITY,
        reply_capacity: int = REPLY_CAPACITY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.window = window
        self.clock = clock
        self._nonces: ExpiringMemory[str] = ExpiringMemory(nonce_capacity)
        self._replies: ExpiringMemory[str] = ExpiringMemory(reply_capacity)

    def sizes(self) -> tuple[int, int]:
        """How many nonces and replies are remembered."""
        return len(self._nonces), len(self._replies)

    def stale(self, timestamp: str) -> str | None:
        """Why the request's timestamp is not acceptable, or None when it is."""
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return "bad timestamp"
        if abs(int(timestamp) - self.clock()) > self.window:
            return "stale timestamp"
        return None

    def replayed(self, timestamp: str, nonce: str, digest: str) -> bool:
        """True when (timestamp, nonce) was already used for another message; remembers it otherwise.

        `digest` identifies the message's content: the same nonce with the same content is WeChat
        retrying (or a harmless repeat, answered like the first), with other content a replay.
        """
        now = self.clock()
        key = (timestamp, nonce)
        seen = self._nonces.get(key, now)
        if seen is not None:
            return seen != digest
        self._nonces.put(key, digest, int(timestamp) + self.window, now)
        return False

    def reply_for(self, key: tuple[str, ...] | None) -> str | None:
        """The reply already given to this message, if WeChat is retrying it."""
        return None if key is None else self._replies.get(key, self.clock())

    def remember_reply(self, key: tuple[str, ...] | None, reply: str) -> None:
        if key is not None:
            now = self.clock()
            self._replies.put(key, reply, now + REPLY_SECONDS, now)
