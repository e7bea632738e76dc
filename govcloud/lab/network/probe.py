"""Listeners and TCP probes run inside a lab network namespace (standard library only: run as a script).

probe.py listen PORT...   accept (and close) connections on every port until stdin closes;
                          prints one JSON line {"bound": [...], "busy": [...]} when ready
                          (busy: something already listens there, e.g. sshd on 22)
probe.py connect TIMEOUT  reads [[source address, destination, port], ...] as JSON on stdin,
                          tries every connection at once, prints the outcomes as a JSON list:
                          connected | refused (a RST: the packet got through) |
                          unreachable (ICMP or no route) | timeout | error:<errno name>
"""

from __future__ import annotations

import errno
import json
import os
import resource
import selectors
import socket
import sys
import time


def _raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def _outcome(code: int) -> str:
    if code == 0:
        return "connected"
    if code == errno.ECONNREFUSED:
        return "refused"
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM):
        return "unreachable"
    if code == errno.ETIMEDOUT:
        return "timeout"
    return f"error:{errno.errorcode.get(code, str(code))}"


def listen(ports: list[int]) -> None:
    _raise_fd_limit(len(ports) + 64)
    selector = selectors.DefaultSelector()
    bound: list[int] = []
    busy: list[int] = []
    for port in ports:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError as exc:
            sock.close()
            if exc.errno != errno.EADDRINUSE:
                raise
            busy.append(port)
            continue
        sock.listen(256)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        bound.append(port)
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ, data="stdin")
    print(json.dumps({"bound": bound, "busy": busy}), flush=True)
    while True:
        for key, _ in selector.select():
            if key.data == "stdin":
                if not os.read(sys.stdin.fileno(), 4096):
                    return
                continue
            server = key.fileobj
            assert isinstance(server, socket.socket)
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                pass


def connect(attempts: list[list[object]], timeout: float) -> list[str]:
    _raise_fd_limit(len(attempts) + 64)
    outcomes: list[str] = ["timeout"] * len(attempts)
    selector = selectors.DefaultSelector()
    pending = 0
    for index, (source, destination, port) in enumerate(attempts):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            if source:
                sock.bind((str(source), 0))
            code = sock.connect_ex((str(destination), int(str(port))))
        except OSError as exc:
            code = exc.errno or -1
        if code == errno.EINPROGRESS:
            selector.register(sock, selectors.EVENT_WRITE, data=index)
            pending += 1
        else:
            outcomes[index] = _outcome(code)
            sock.close()
    deadline = time.monotonic() + timeout
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for key, _ in selector.select(left):
            done = key.fileobj
            assert isinstance(done, socket.socket)
            outcomes[key.data] = _outcome(done.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
            selector.unregister(done)
            done.close()
            pending -= 1
    for key in list(selector.get_map().values()):
        left_open = key.fileobj
        assert isinstance(left_open, socket.socket)
        left_open.close()
    return outcomes


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "listen":
        listen([int(p) for p in argv[1:]])
        return 0
    if len(argv) == 2 and argv[0] == "connect":
        attempts = json.loads(sys.stdin.read() or "[]")
        print(json.dumps(connect(attempts, float(argv[1]))), flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
