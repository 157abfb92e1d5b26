"""`kb serve`'s address: checked before the first build, which can take a minute.

MkDocs opens its port only after building the site, so a port another server
holds was reported (as a bare "Address already in use") after all that work.
"""
from __future__ import annotations

import errno
import socket


class PortBusy(OSError):
    """The address `kb serve` was asked to listen on is taken (or cannot be used)."""


def split_address(dev_addr: str) -> tuple[str, int]:
    """'IP:PORT' (or '[IPv6]:PORT') as (host, port); ValueError when it is not one."""
    host, sep, port = dev_addr.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{dev_addr}' is not an address IP:PORT (e.g. 127.0.0.1:8000)")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def check_free(dev_addr: str) -> None:
    """Raise PortBusy, with what to do, unless a server could listen on `dev_addr` now."""
    try:
        host, port = split_address(dev_addr)
    except ValueError as e:
        raise PortBusy(str(e)) from None
    hint = f"pick another port, e.g. kb serve -a {host}:{port + 1 if port < 65535 else 8000}"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise PortBusy(f"cannot listen on {dev_addr}: {e.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As MkDocs' server does: a port left in TIME_WAIT by an earlier server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise PortBusy(f"{dev_addr} is already in use (another kb serve or mkdocs serve?); {hint}") from None
            raise PortBusy(f"cannot listen on {dev_addr}: {e.strerror}; {hint}") from None
