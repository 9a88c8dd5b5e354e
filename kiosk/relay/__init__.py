"""Delivery of the outbox to real e-mail and SMS (issue 23)."""
