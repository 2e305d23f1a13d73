"""A text input whose editing keys apply in the order they were typed.

Textual 8's ``Input`` inserts a printable key as soon as it arrives, but runs a bound key
(backspace, ctrl+u, enter...) only once the key has bubbled up to the app. Keys that arrive in
one read (a fast typist, a slow ssh link) are then applied out of order: ``ctrl+u 7 enter``
submitted an empty value, which clears the day (Textualize/textual#6605). This input runs its
own bindings where the key arrives, so what is submitted is what was typed.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for key in (event.key, *event.aliases):
                for binding in self._bindings.key_to_bindings.get(key, ()):
                    if binding.priority:
                        continue
                    event.stop()
                    event.prevent_default()
                    await self.run_action(binding.action)
                    return
        await super()._on_key(event)
