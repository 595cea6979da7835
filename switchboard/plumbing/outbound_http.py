"""Outbound HTTP to customer URLs (webhooks), guarded against server-side request forgery.

An endpoint URL is checked when it is saved, and again on every connection: the host is
resolved at delivery time and the address actually connected to is checked, so a name
that later re-points (DNS rebinding) at a link-local or cloud-metadata address is refused.

Always refused: unspecified, multicast and broadcast addresses. Refused unless
WEBHOOK_ALLOW_LINK_LOCAL: link-local (169.254.0.0/16, fe80::/10; every cloud's metadata
service lives there) and other metadata addresses (fd00:ec2::254, 100.100.100.200).
Refused only with WEBHOOK_BLOCK_PRIVATE_NETWORKS: loopback, RFC 1918, CGNAT and ULA.
"""

import ipaddress
import socket
from functools import cache

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_net = ipaddress.ip_network

NEVER = [
    _net("0.0.0.0/8"),
    _net("::/128"),
    _net("224.0.0.0/4"),
    _net("255.255.255.255/32"),
    _net("ff00::/8"),
]
LINK_LOCAL_AND_METADATA = [
    _net("169.254.0.0/16"),
    _net("fe80::/10"),
    _net("fd00:ec2::254/128"),
    _net("100.100.100.200/32"),
]
PRIVATE = [
    _net("127.0.0.0/8"),
    _net("::1/128"),
    _net("10.0.0.0/8"),
    _net("172.16.0.0/12"),
    _net("192.168.0.0/16"),
    _net("100.64.0.0/10"),
    _net("fc00::/7"),
]


class RefusedAddress(Exception):
    """The destination resolves to an address webhooks may not reach."""


def _parse_ip(value: str):
    try:
        ip = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip


def refusal(address: str, *, allow_link_local: bool, block_private: bool) -> str | None:
    """Why `address` may not be reached, or None if it may."""
    ip = _parse_ip(address)
    if ip is None:
        return None
    if any(ip in net for net in NEVER if net.version == ip.version):
        return "not a unicast address"
    if not allow_link_local and any(
        ip in net for net in LINK_LOCAL_AND_METADATA if net.version == ip.version
    ):
        return "a link-local or cloud-metadata address"
    if block_private and any(ip in net for net in PRIVATE if net.version == ip.version):
        return "a loopback or private-network address"
    return None


def is_ip_literal(host: str) -> bool:
    return _parse_ip(host) is not None


def check_host(host: str, port: int, *, allow_link_local: bool, block_private: bool) -> None:
    """Resolve `host` and raise RefusedAddress if any of its addresses is refused.
    A name that does not resolve passes: it is resolved and checked again on delivery."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return
    for info in infos:
        address = info[4][0]
        reason = refusal(address, allow_link_local=allow_link_local, block_private=block_private)
        if reason:
            raise RefusedAddress(f"{host} resolves to {address}, {reason}")


class _GuardedConnectionMixin:
    allow_link_local = False
    block_private = False

    def _new_conn(self):
        policy = {"allow_link_local": self.allow_link_local, "block_private": self.block_private}
        check_host(self._dns_host, self.port, **policy)
        sock = super()._new_conn()
        # The check above and the connect resolve separately; the peer is the truth.
        peer = sock.getpeername()[0]
        reason = refusal(peer, **policy)
        if reason:
            sock.close()
            raise RefusedAddress(f"{self._dns_host} connected to {peer}, {reason}")
        return sock


@cache
def _pool_classes(allow_link_local: bool, block_private: bool) -> dict:
    policy = {"allow_link_local": allow_link_local, "block_private": block_private}
    http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), policy)
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), policy)
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


def guarded_session(*, allow_link_local: bool, block_private: bool) -> requests.Session:
    """A requests session that refuses forbidden destinations, ignores proxy environment
    variables (the check must see the real destination) and never retries by itself."""
    session = requests.Session()
    session.trust_env = False
    adapter = HTTPAdapter(max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = _pool_classes(allow_link_local, block_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
