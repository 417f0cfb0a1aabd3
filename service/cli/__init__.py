"""The `lupa` command line, one module per noun; `init_app` adds the commands to the app's CLI.

The console script's entry point is `service.cli.entry:main`, the only module here that
imports the app factory."""

from __future__ import annotations

from flask import Flask

from service.cli.audit import audit_group
from service.cli.check import check_command, import_optouts_command
from service.cli.demo import demo_command
from service.cli.encryption import encryption_group
from service.cli.key import key_group
from service.cli.notice import notice_group
from service.cli.report import report_group
from service.cli.request import request_group
from service.cli.retention import retention_group
from service.cli.scan import scan_command
from service.cli.serve import serve_command
from service.cli.site import site_group
from service.cli.subject import subject_group

COMMANDS = (site_group, key_group, notice_group, demo_command, serve_command,
            audit_group, report_group, retention_group, check_command, import_optouts_command,
            subject_group, encryption_group, scan_command, request_group)


def init_app(app: Flask) -> None:
    for cmd in COMMANDS:
        app.cli.add_command(cmd)
