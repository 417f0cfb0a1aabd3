"""WSGI entry point: gunicorn service.wsgi:app (what `lupa serve` runs).

The production checks of `lupa serve` hold here too, so that gunicorn started by hand cannot
serve with placeholder secrets, without LUPA_PUBLIC_URL, or with an encryption key that does
not open the stored identifiers: the worker fails to boot with the reasons. Without
LUPA_SMS_URL no SMS code is sent (the console is the demo's)."""

import os

from service.app import create_app
from service.cli.serve import stored_keys_problems
from service.config import ConfigError
from service.secret_checks import serve_problems

if problems := serve_problems(os.environ):
    raise ConfigError("refusing to start: " + "; ".join(problems))

app = create_app()
app.config["LUPA_SMS_CONSOLE"] = False  # no LUPA_SMS_URL: no codes sent, never printed

with app.app_context():
    if problems := stored_keys_problems():
        raise ConfigError("refusing to start: " + "; ".join(problems))
