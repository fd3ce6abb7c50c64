"""The unit's workbench: its inbox, reply templates, attachments and remaining time."""
