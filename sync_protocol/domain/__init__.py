"""Pure habit domain: habits, schedules, check-ins, streaks, scores, at-risk and merge.

Nothing here performs I/O, so the client and the server compute identical results.
"""
