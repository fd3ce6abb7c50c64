"""Bulk hand-over from sibling hotline systems (12315/12319): reading their files, one intake per row."""
