"""Migrate a fresh database, create the demo site with its notice and a key per role.

Prints the keys as JSON (used by run_schemathesis.sh and bench/ scripts)."""

from __future__ import annotations

import json

from flask_migrate import upgrade

from service.app import create_app
from service.cli.demo import ensure_demo_site


def main() -> None:
    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        keys = ensure_demo_site()
    print(json.dumps(keys))


if __name__ == "__main__":
    main()
