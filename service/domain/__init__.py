"""Domain rules. No Flask request objects here; callers commit."""
