"""The citizen's loop after the answer: tracking a ticket on /track and the 回访 follow-up."""
