"""Ticket domain: pure rules with no I/O, so they are unit-tested in microseconds."""
