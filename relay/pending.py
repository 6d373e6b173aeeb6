"""What an answer's stream waits for from the user's browser: an Argo CD read's result, an action's approval.

Each pending item has an id (128 random bits; with several replicas that and the asking replica's URL, sealed
with the key they share, so whichever replica the answer reaches can hand it on: `owner_of`), belongs to one
stream of one user, and has a deadline. An answer is taken once, for a pending item of the same stream and
user, before its deadline, and only when the item's own `check` accepts it; anything else is refused with a
4xx (`Refusal`) and the item stays as it was, so nothing reaches the model or runs.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from mcp_server.sealed import SealError, seal, unseal
from relay.errors import Refusal

__all__ = ["PendingAnswers", "Refused"]

_MAX_ID = 512
# Recently ended items remembered to say why a late or repeated answer is refused (bounded).
_REMEMBERED = 4096


class Refused(Refusal):
    """A posted answer that is not taken (4xx); the pending item, if any, stays as it was."""


@dataclass
class _Pending[T]:
    stream: str
    user: str
    deadline: float
    future: asyncio.Future[T]
    check: Callable[[T], None] | None


class PendingAnswers[T]:
    """The items of one `kind` (`read`, `approval`: the sealed ids' kind and the refusal codes' stem) a relay
    process waits for; `what` names one in refusal messages ("Argo CD read")."""

    def __init__(self, kind: str, what: str, owner: str | None = None, key: bytes | None = None) -> None:
        self._kind = kind
        self._what = what
        self._pending: dict[str, _Pending[T]] = {}
        self._ended: OrderedDict[str, str] = OrderedDict()
        self._owner = owner if key else None
        self._key = key or b""

    def _new_id(self) -> str:
        nonce = secrets.token_urlsafe(16)
        if self._owner is None:
            return nonce
        return seal(self._kind, {"o": self._owner, "n": nonce}, self._key)

    def owner_of(self, item_id: str) -> str | None:
        """The URL of the replica that opened `item_id` when it is another one; None when the id is not a
        genuine sealed id, or is this replica's own."""
        if self._owner is None:
            return None
        try:
            owner = unseal(item_id, self._kind, self._key, max_length=_MAX_ID).get("o")
        except SealError:
            return None
        return owner if isinstance(owner, str) and owner != self._owner else None

    def __len__(self) -> int:
        return len(self._pending)

    def open(
        self, stream: str, user: str, timeout: float, check: Callable[[T], None] | None = None
    ) -> tuple[str, asyncio.Future[T]]:
        """A new pending item; `check(answer)` may raise `Refused` to refuse an answer (the item stays)."""
        item_id = self._new_id()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending[item_id] = _Pending(stream, user, time.monotonic() + timeout, future, check)
        return item_id, future

    def end(self, item_id: str, why: str) -> None:
        """The item is over (answered, expired, its stream closed): later answers are refused with `why`."""
        pending = self._pending.pop(item_id, None)
        if pending is None:
            return
        if not pending.future.done():
            pending.future.cancel()
        self._ended[item_id] = why
        while len(self._ended) > _REMEMBERED:
            self._ended.popitem(last=False)

    def answer(self, item_id: str, stream: str, user: str, answer: T) -> None:
        """Hands `answer` to the waiting stream, or raises `Refused` saying why not."""
        kind, what = self._kind, self._what
        pending = self._pending.get(item_id)
        if pending is None:
            why = self._ended.get(item_id)
            if why == "answered":
                raise Refused(409, f"{kind}_already_answered", f"This {what} was already answered.")
            if why is not None:
                raise Refused(410, f"{kind}_{why}", f"This {what} is no longer pending ({why}).")
            raise Refused(404, f"unknown_{kind}", f"No {what} with this id is pending here.")
        if not secrets.compare_digest(pending.stream, stream):
            raise Refused(409, "wrong_stream", f"This {what} belongs to another answer.")
        if not secrets.compare_digest(pending.user, user):
            raise Refused(403, f"{kind}_of_another_user", f"This {what} belongs to another user.")
        if time.monotonic() > pending.deadline:
            self.end(item_id, "expired")
            raise Refused(410, f"{kind}_expired", f"This {what} was answered too late.")
        if pending.check is not None:
            pending.check(answer)
        pending.future.set_result(answer)
        self.end(item_id, "answered")
