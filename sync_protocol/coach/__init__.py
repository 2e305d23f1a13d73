"""Coaching for at-risk habits, shared by the client and the server.

* :mod:`~sync_protocol.coach.facts` - why a habit is at risk, as numbers (pure).
* :mod:`~sync_protocol.coach.rules` - the built-in coach: advice from those facts, offline.
* :mod:`~sync_protocol.coach.prompt` - what a model is told: habit facts only, no personal data.
* :mod:`~sync_protocol.coach.coach` - ``Coach``: asks Ollama (imported lazily), streams its answer,
  falls back to the rules and says which source answered.
* :mod:`~sync_protocol.coach.milestones` - what a check-in just reached (first, 7/30/100/365, best).
"""
