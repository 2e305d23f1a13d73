"""Terminal drawings shared by the command line and the full-screen app (rich only, no textual)."""
