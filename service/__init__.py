"""Lupa: a self-hosted consent and cookie-preference service."""
