"""Whether a process recorded as `hostname:pid` (a claim, a worker's heartbeat) has ended."""

import os
import socket


def gone_from_this_machine(hostname: str, pid: int | str) -> bool:
    """True only when `hostname` is this machine and no process `pid` exists on it (a
    worker killed a moment ago). A process on another machine cannot be asked: False."""
    if hostname != socket.gethostname() or not str(pid).isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: does the process exist?
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, run by someone else
    return False
