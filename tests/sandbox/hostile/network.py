"""Hostile child: try to reach the network and the grader's loopback listeners.

argv[1]: TCP port, argv[2]: UDP port (both listening on 127.0.0.1 in the grader).
Writes result.json: for each attempt, "ok" or the error it met.
"""
import json
import socket
import sys

tcp_port, udp_port = int(sys.argv[1]), int(sys.argv[2])
result = {}


def attempt(name, action):
    try:
        action()
        result[name] = "ok"
    except OSError as error:
        result[name] = f"{type(error).__name__}: {error}"


def tcp(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(address)
        s.sendall(b"stolen")


def udp(family, address):
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.sendto(b"stolen", address)


attempt("tcp_loopback", lambda: tcp(socket.AF_INET, ("127.0.0.1", tcp_port)))
attempt("udp_loopback", lambda: udp(socket.AF_INET, ("127.0.0.1", udp_port)))
attempt("tcp_ipv6_loopback", lambda: tcp(socket.AF_INET6, ("::1", tcp_port)))
attempt("tcp_internet", lambda: tcp(socket.AF_INET, ("1.1.1.1", 443)))
attempt("udp_dns", lambda: udp(socket.AF_INET, ("8.8.8.8", 53)))
attempt("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW).close())
attempt("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close())
attempt("unix_pair", lambda: [s.close() for s in socket.socketpair()])

with open("result.json", "w") as out:
    json.dump(result, out)
