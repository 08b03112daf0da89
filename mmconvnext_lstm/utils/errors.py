# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Errors a user can fix from the command line."""


class UsageError(Exception):
    """A request the tools cannot run as asked (an option this machine does
    not support, missing data, an unusable checkpoint...).

    The tools print its message as one ``error: ...`` line and exit with
    status 1, without a traceback, because the message alone says what to
    change. Anything else that goes wrong keeps its traceback.
    """


class ConfigError(UsageError, ValueError):
    """A config value the model, dataset or tool cannot run with (an unknown
    arch, an out-of-range rate, a missing data folder...).

    A ``ValueError`` too, so code that catches bad values the Python way
    still catches it.
    """


class CheckpointError(UsageError):
    """A checkpoint file that is missing, corrupt, or holds the weights of a
    different model."""
