# Copyright (c) mmconvnext_lstm contributors. All rights reserved.
"""A command stuck the way a distributed worker can be, for
``acceptance.py --inject-hang STEP``: it starts a child in a session of its
own, both ignore SIGTERM, and it waits for the child forever. Only a
SIGKILL to each of them ends it."""
import signal
import subprocess

signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the child inherits this
child = subprocess.Popen(['sleep', '1000000'], start_new_session=True)
print(
    f'hang.py: child {child.pid} in a session of its own, both ignoring '
    'SIGTERM',
    flush=True)
child.wait()
