"""OS-level protections for the processes that run queries: no network, and their memory use.

``isolate_network`` moves the calling process into a new, empty network namespace (Linux
``unshare(CLONE_NEWNET)``; as an unprivileged user, inside a new user namespace). Sockets the
process already holds (a listening socket, the pipe to its parent) keep working; any socket it
opens afterwards lives in the new namespace, where no interface is up, so every outbound
connection fails with "Network is unreachable", whatever a query asks for. It is the second
of two independent layers against SERVICE requests (the first is ``scan.prepare``) and is used
whenever the ``service_allowlist`` is empty. It must run before the process starts threads.

``resident_bytes`` is a process's resident memory (``/proc/<pid>/statm``, a counter the kernel
keeps, cheap to read several times a second); a query is held to what its process takes on top
of what it held when the query began, so the store a process opened or inherited before (pages
it shares with other processes) is never counted against a query.
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
from pathlib import Path

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
PROBE_ADDRESS = ("127.0.0.1", 9)  # discard port: only whether a connection can be attempted


def _unshare(flags: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) == 0:
        return 0
    return ctypes.get_errno()


def _network_reachable() -> bool:
    """Whether this process can still open a connection to a loopback address."""
    try:
        with socket.create_connection(PROBE_ADDRESS, timeout=0.2):
            return True
    except OSError as exc:
        return exc.errno not in (errno.ENETUNREACH, errno.EADDRNOTAVAIL)


def isolate_network() -> str:
    """Leave the network; return the protection achieved, in words (for the startup log)."""
    if not hasattr(os, "unshare") and not Path("/proc/self/ns/net").exists():
        return "none (this platform has no network namespaces)"
    error = _unshare(CLONE_NEWNET)
    how = "network namespace"
    if error in (errno.EPERM, errno.EACCES):
        uid, gid = os.getuid(), os.getgid()
        error = _unshare(CLONE_NEWUSER | CLONE_NEWNET)
        how = "network namespace inside a user namespace"
        if not error:
            _map_ids(uid, gid)
    if error:
        return f"none (unshare failed: {os.strerror(error)})"
    if _network_reachable():
        return "none (a new network namespace still reached the network)"
    return how


def _map_ids(uid: int, gid: int) -> None:
    """Keep the process's own uid and gid inside its new user namespace (files stay readable)."""
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        pass  # unmapped ids still read what the process could read before


def resident_bytes(pid: int | str = "self") -> int | None:
    """Resident memory of process ``pid``, in bytes; None if it cannot be read."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * PAGE_SIZE


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def machine_memory_bytes() -> int:
    """Physical memory of the machine (or 4 GiB when it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):
        return 4 << 30


def default_query_memory_mb(workers: int) -> int:
    """A query's memory limit sized for the machine: half the memory shared by the workers,
    between 256 MB and 4 GB each."""
    share = machine_memory_bytes() // 2 // max(1, workers) // (1 << 20)
    return int(min(4096, max(256, share)))
