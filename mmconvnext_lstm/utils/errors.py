# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Errors a user can fix; the tools print them as one ``error: ...`` line
and exit with status 1, without a traceback."""


class UsageError(Exception):
    """A request the tools cannot run as asked (an option this machine does
    not support, missing data, an unusable checkpoint...)."""


class ConfigError(UsageError, ValueError):
    """A config value the model, dataset or tool cannot run with (also a
    ``ValueError``, as Python code expects of a bad value)."""


class CheckpointError(UsageError):
    """A checkpoint that is missing, damaged, unsafe or another model's."""
