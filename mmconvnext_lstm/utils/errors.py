# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Errors a user can fix from the command line."""


class UsageError(Exception):
    """A request the tools cannot run as asked (an option this machine does
    not support, missing data, an unusable checkpoint...).

    The tools print its message and exit with status 1, without a traceback,
    because the message alone says what to change.
    """


class CheckpointError(UsageError):
    """A checkpoint file that is missing, corrupt, or holds the weights of a
    different model."""
