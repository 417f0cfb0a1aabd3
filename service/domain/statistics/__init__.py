"""Figures over time for the auditor's charts: choices and marketing changes by month."""
