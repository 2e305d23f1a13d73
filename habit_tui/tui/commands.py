"""The command palette's commands, shown as plain text.

Textual reads a system command's title as markup; ours hold habit names ("Open Plan [/b]"), so
this provider shows every title as typed, and highlights what matches the query by position.
"""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Matcher
from textual.content import Content
from textual.system_commands import SystemCommandsProvider


def highlight(matcher: Matcher, title: str) -> Content:
    """``title`` as plain text, with the characters the query matched in the match style."""
    content = Content(title)
    score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    if not score:
        return content
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class PlainSystemCommands(SystemCommandsProvider):
    """:meth:`App.get_system_commands`, listed and searched with their titles as plain text."""

    async def discover(self) -> Hits:
        commands = sorted(self.app.get_system_commands(self.screen), key=lambda command: command[0])
        for title, help_text, callback, discover in commands:
            if discover:
                yield DiscoveryHit(Content(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback, *_ in self.app.get_system_commands(self.screen):
            if (score := matcher.match(title)) > 0:
                yield Hit(score, highlight(matcher, title), callback, text=title, help=help_text)
