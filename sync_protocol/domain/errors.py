"""Errors raised by the domain when given invalid input."""


class DomainError(ValueError):
    """An input violates a domain rule; the message is meant for the user."""
