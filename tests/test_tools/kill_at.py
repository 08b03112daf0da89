# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""Run a script and SIGKILL it at an exact moment: at the Nth call of an
``os`` function (``replace``, ``remove``...) whose last argument is a file
of the given name, before the call takes effect.

Usage: python kill_at.py FUNCTION FILE_NAME N SCRIPT [ARGS...]
"""
import os
import os.path as osp
import runpy
import signal
import sys


def main():
    function, file_name, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
    original = getattr(os, function)
    calls = []

    def kill_at_nth_call(*args, **kwargs):
        if osp.basename(str(args[-1])) == file_name:
            calls.append(args)
            if len(calls) == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(os, function, kill_at_nth_call)
    sys.argv = sys.argv[4:]
    # As `python SCRIPT` does: the script's folder first on sys.path, so
    # that it imports the modules beside it.
    sys.path[0] = osp.dirname(osp.abspath(sys.argv[0]))
    runpy.run_path(sys.argv[0], run_name='__main__')


if __name__ == '__main__':
    main()
