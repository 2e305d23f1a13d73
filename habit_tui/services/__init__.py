"""Client use-cases: what the command line and the full-screen app both call."""
