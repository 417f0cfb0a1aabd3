"""Figures over time: choices and marketing changes by month (the auditor's charts) and by day
(the console's statistics)."""
