"""Where the model lives: the client's config, overridden by OLLAMA_HOST and OLLAMA_MODEL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_TIMEOUT = 20.0


class ModelSettings(NamedTuple):
    host: str = DEFAULT_HOST
    model: str = ""
    """Empty: use the first model the Ollama server has."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds for the whole answer (and for each wait on the network)."""


def model_settings(
    host: str = "", model: str = "", timeout: float = DEFAULT_TIMEOUT, *, environ: Mapping[str, str] | None = None
) -> ModelSettings:
    """Settings from the config values, with ``OLLAMA_HOST`` / ``OLLAMA_MODEL`` taking precedence."""
    env = environ or {}
    chosen_host = env.get("OLLAMA_HOST", "").strip() or host.strip() or DEFAULT_HOST
    chosen_model = env.get("OLLAMA_MODEL", "").strip() or model.strip()
    return ModelSettings(host=chosen_host, model=chosen_model, timeout=timeout if timeout > 0 else DEFAULT_TIMEOUT)
