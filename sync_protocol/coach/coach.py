"""The coach: asks a local Ollama model, and falls back to the built-in rules whenever it must.

The model gets habit facts only (see :mod:`sync_protocol.coach.prompt`). Its answer is streamed
to a callback as it arrives, once its first words read as prose. The rules answer instead when
Ollama is unreachable, slower than the timeout, answers with an error or with something that
is not advice; :attr:`Advice.source` says which one answered and ``fallback_reason`` why.
After a failure of the server itself the coach stops asking it for the rest of the session,
so five at-risk habits never cost five timeouts.

``ollama`` (and httpx under it) is imported on first use: one-shot commands start fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Self

from sync_protocol.coach.advice import Advice, nonsense, rules_advice, visible_text
from sync_protocol.coach.facts import HabitFacts
from sync_protocol.coach.prompt import build_messages
from sync_protocol.coach.settings import ModelSettings

if TYPE_CHECKING:
    import ollama

OnChunk = Callable[[str], None]
MAX_CHARS = 1200
"""Longer answers are cut at the last full sentence: the advice is meant to be short."""
PREVIEW_CHARS = 60
"""Streaming starts once this much of the answer has been checked."""


class _Failure(Exception):
    """The model cannot be used; ``reason`` says why in words for the user."""

    def __init__(self, reason: str, *, server_down: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.server_down = server_down


class Coach:
    """Advice for at-risk habits from Ollama when it can, from the rules when not.

    ``settings=None`` means the rules only (no network at all).
    """

    def __init__(self, settings: ModelSettings | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._client: ollama.Client | None = None
        self._model = settings.model if settings else ""
        self._down = ""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()  # type: ignore[no-untyped-call]
            self._client = None

    @property
    def unavailable_reason(self) -> str:
        """Why the model is no longer asked in this session (``''`` while it still is)."""
        return self._down

    def advise(self, facts: HabitFacts, on_chunk: OnChunk | None = None, *, stream: bool = True) -> Advice:
        """Advice for one habit; ``on_chunk`` receives the model's text as it arrives."""
        if self.settings is None:
            return rules_advice(facts)
        if self._down:
            return rules_advice(facts, self._down)
        try:
            model = self._resolve_model()
            text = self._ask(model, facts, on_chunk, stream=stream)
        except _Failure as failure:
            if failure.server_down:
                self._down = failure.reason
            return rules_advice(facts, failure.reason)
        return Advice(facts=facts, text=text, source="ollama", model=model)

    # ----- talking to Ollama -------------------------------------------------------------------
    def _connect(self) -> ollama.Client:
        if self._client is None:
            assert self.settings is not None
            try:
                import ollama
            except ImportError:  # pragma: no cover - it is a dependency, but a broken install should not crash
                raise _Failure("the ollama package is not installed", server_down=True) from None
            self._client = ollama.Client(host=self.settings.host, timeout=self.settings.timeout)
        return self._client

    def _resolve_model(self) -> str:
        if self._model:
            return self._model
        client = self._connect()
        try:
            listing = client.list()
        except Exception as exc:
            raise self._failure(exc, "") from None
        names = [m.model for m in listing.models if m.model]
        if not names:
            raise _Failure("Ollama has no models installed (try: ollama pull llama3.2)", server_down=True)
        self._model = names[0]
        return self._model

    def _ask(self, model: str, facts: HabitFacts, on_chunk: OnChunk | None, *, stream: bool) -> str:
        assert self.settings is not None
        client = self._connect()
        messages = build_messages(facts)
        deadline = self._clock() + self.settings.timeout
        if not stream:
            try:
                response = client.chat(model=model, messages=messages, stream=False)
                raw = response.message.content or ""
            except Exception as exc:
                raise self._failure(exc, model) from None
            return self._accept(visible_text(raw), on_chunk, already_sent=0)
        try:
            parts: Iterator[ollama.ChatResponse] = client.chat(model=model, messages=messages, stream=True)
        except Exception as exc:
            raise self._failure(exc, model) from None
        raw = ""
        sent = 0
        opened = False  # streaming to on_chunk has begun
        try:
            while True:
                try:
                    part = next(parts)
                except StopIteration:
                    break
                except Exception as exc:
                    raise self._failure(exc, model) from None
                raw += part.message.content or ""
                shown = visible_text(raw)[:MAX_CHARS]
                if not opened and len(shown.strip()) >= PREVIEW_CHARS:
                    if why := nonsense(shown, complete=False):
                        raise _Failure(why, server_down=False)
                    opened = True
                if opened and on_chunk is not None and len(shown) > sent:
                    on_chunk(shown[sent:])
                    sent = len(shown)
                if part.done or len(visible_text(raw)) > MAX_CHARS:
                    break
                if self._clock() > deadline:
                    raise _Failure(f"Ollama did not finish within {self.settings.timeout:g} s", server_down=True)
        finally:
            close = getattr(parts, "close", None)
            if close is not None:
                close()
        return self._accept(visible_text(raw), on_chunk, already_sent=sent)

    def _accept(self, text: str, on_chunk: OnChunk | None, *, already_sent: int) -> str:
        if len(text) > MAX_CHARS:
            cut = max(text.rfind(". ", 0, MAX_CHARS), text.rfind("! ", 0, MAX_CHARS), text.rfind("? ", 0, MAX_CHARS))
            text = text[: cut + 1] if cut > 0 else text[:MAX_CHARS]
        text = text.strip()
        if why := nonsense(text):
            raise _Failure(why, server_down=False)
        if on_chunk is not None and len(text) > already_sent:
            on_chunk(text[already_sent:])
        return text

    def _failure(self, exc: Exception, model: str) -> _Failure:
        import httpx
        import ollama

        assert self.settings is not None
        host = self.settings.host
        if isinstance(exc, ollama.ResponseError):
            message = (exc.error or "").strip().splitlines()[0][:160] if (exc.error or "").strip() else "no details"
            if exc.status_code == 404 and model:
                return _Failure(
                    f"the model '{model}' is not installed in Ollama (try: ollama pull {model})", server_down=True
                )
            if exc.status_code == -1:
                return _Failure(f"Ollama reported an error: {message}", server_down=True)
            return _Failure(f"Ollama answered with HTTP {exc.status_code}: {message}", server_down=True)
        if isinstance(exc, httpx.TimeoutException | TimeoutError):
            return _Failure(f"Ollama did not answer within {self.settings.timeout:g} s", server_down=True)
        if isinstance(exc, ConnectionError | httpx.ConnectError):
            return _Failure(f"Ollama is not reachable at {host}", server_down=True)
        if isinstance(exc, httpx.HTTPError):
            return _Failure(f"the connection to Ollama at {host} failed ({type(exc).__name__})", server_down=True)
        if isinstance(exc, ValueError):
            return _Failure("Ollama's answer was not valid JSON", server_down=True)
        return _Failure(f"Ollama failed ({type(exc).__name__}: {exc})", server_down=True)
