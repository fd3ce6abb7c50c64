"""The ticket workflow around the life cycle: the ticket page, actions, dispatch queue and escalation."""
