"""The demo city: its reference data comes from hotline.seed, its past from `history`."""
