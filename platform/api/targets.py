"""Where a webhook may be sent: public addresses only (docs/api.md, "Where events may go").

A project admin types the target URL, and the platform then POSTs to it from inside the
installation's network: without a check, a subscription could reach the platform's own machines
(the database, Redis, the cloud's metadata service at 169.254.169.254) — server-side request
forgery. So the URL is checked twice:

- **on save** (the page and the API): a literal address, or the addresses the name resolves to
  now, must be public. A name that does not resolve yet is accepted (a receiver being set up);
- **at every delivery**, after resolving the name again (it may resolve elsewhere by then: DNS
  rebinding): every address it resolves to must be public, and the connection is made to the
  address that was checked, never by resolving the name a second time. TLS still checks the
  certificate against the name, and the Host header carries it. Redirects are not followed (a
  3xx is a failed attempt): a redirect could point anywhere.

`WEBHOOK_PROXY` (env `PLATFORM_WEBHOOK_PROXY`, e.g. `http://10.0.0.9:3128`): where the
installation's outbound traffic must leave through a proxy, deliveries open an HTTP CONNECT
tunnel through it to the checked address (not the name: the proxy would resolve it again),
then speak TLS to the receiver inside the tunnel, still checking its certificate against the
name. The environment's HTTP_PROXY is not read: a delivery goes where the check said.

`WEBHOOK_ALLOW_PRIVATE_TARGETS` (default False; env `PLATFORM_WEBHOOK_ALLOW_PRIVATE_TARGETS=1`) lets
tests and on-premise installs send to loopback and private networks; plain http is then accepted
to those addresses only. A public address always needs https.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# the resolver, a module attribute so that a test can stand in for DNS (rebinding cannot be staged otherwise)
getaddrinfo = socket.getaddrinfo

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

KIND_WORDS = {
    "loopback": gettext_lazy("this machine itself (a loopback address)"),
    "link_local": gettext_lazy("a link-local address (the cloud's metadata service lives there)"),
    "private": gettext_lazy("a private network"),
    "unspecified": gettext_lazy("an unspecified address"),
    "multicast": gettext_lazy("a multicast address"),
    "reserved": gettext_lazy("a reserved range outside the public internet"),
}


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def address_kind(address: str | Address) -> str | None:
    """Why the address is not on the public internet (a KIND_WORDS key), or None when it is."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        # an IPv4 address carried in IPv6 is judged as itself: ::ffff:127.0.0.1 (mapped), 2002:7f00:1:: (6to4),
        # 64:ff9b::7f00:1 (NAT64's well-known prefix, which a gateway would turn into 127.0.0.1)
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:  # 10/8, 172.16/12, 192.168/16, fc00::/7 and the like
        return "private"
    if not ip.is_global:  # 100.64/10, documentation and benchmark ranges, 240/4 ...
        return "reserved"
    return None


class TargetRefused(Exception):
    """The target's host is, or resolves to, an address webhooks are not sent to."""

    def __init__(self, host: str, address: str, kind: str):
        super().__init__(f"{host} -> {address} ({kind})")
        self.host, self.address, self.kind = host, address, kind

    def message(self) -> str:
        return refusal(self.host, self.address)


def refusal(host: str, address: str) -> str:
    """The words for a refused target, in the current language (also for the delivery log, from its address)."""
    kind = address_kind(address) or "reserved"
    if host == address:
        return _("%(address)s is %(kind)s. Events are sent only to addresses on the public internet, so that a "
                 "subscription cannot reach the platform's own machines. For a receiver inside the office network, "
                 "the platform's operator must allow private addresses.") % {"address": address,
                                                                            "kind": KIND_WORDS[kind]}
    return _("%(host)s resolves to %(address)s, %(kind)s. Events are sent only to addresses on the public internet, "
             "so that a subscription cannot reach the platform's own machines. For a receiver inside the office "
             "network, the platform's operator must allow private addresses.") % {
        "host": host, "address": address, "kind": KIND_WORDS[kind]}


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[str]:
    """The addresses the host stands for (a literal address as it is), in the resolver's order; OSError if none."""
    if (ip := _literal(host)) is not None:
        return [str(ip)]
    found: list[str] = []
    for _family, _type, _proto, _name, sockaddr in getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(ipaddress.ip_address(str(sockaddr[0]).split("%")[0]))  # no IPv6 zone index
        if address not in found:
            found.append(address)
    if not found:
        raise OSError(f"{host} resolves to no address")
    return found


def check_addresses(host: str, addresses: list[str]) -> None:
    """TargetRefused if any address is not public (unless private targets are allowed): a name with one public
    and one private address is refused, or the private one could be picked at the next connection."""
    if allow_private():
        return
    for address in addresses:
        if (kind := address_kind(address)) is not None:
            raise TargetRefused(host, address, kind)


def check_url(url: str) -> str | None:
    """Why the target URL is refused when saved, or None. Checked again at each delivery (`pin`)."""
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        host, port = None, 0
    if parts.scheme not in ("https", "http") or not host:
        return _("Enter an https:// address, e.g. https://finance.example.com/hooks/platform.")
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        addresses = []  # not resolvable now: accepted, and checked when it is sent to
    try:
        check_addresses(host, addresses)
    except TargetRefused as refused:
        return refused.message()
    if parts.scheme == "http" and not (allow_private() and addresses
                                       and all(address_kind(a) is not None for a in addresses)):
        return _("Use an https:// address: events carry customers' deals and are sent only encrypted.")
    return None


@dataclass(frozen=True)
class Target:
    """A URL resolved and checked: the connection goes to `address`, the request names `host`."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def pin(url: str) -> Target:
    """Resolve the URL's host now and check every address (TargetRefused); OSError when it does not resolve."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    check_addresses(host, addresses)
    if parts.scheme != "https" and not (allow_private() and all(address_kind(a) is not None for a in addresses)):
        raise OSError("http:// is sent only to private addresses, where they are allowed; use https://")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses[0])


def _connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    proxy = getattr(settings, "WEBHOOK_PROXY", "")

    def to_the_checked_address(_address, timeout, source_address=None):  # http.client's hook for the socket
        if proxy:
            return _tunnel(proxy, target, timeout)
        return socket.create_connection((target.address, target.port), timeout, source_address)

    # the name stays for TLS (SNI, certificate) and Host; the socket goes to the checked address
    connection._create_connection = to_the_checked_address  # type: ignore[attr-defined]  # http.client's hook, untyped
    return connection


def _tunnel(proxy: str, target: Target, timeout: float) -> socket.socket:
    """A socket to the checked address through the proxy's CONNECT (the proxy never resolves the name)."""
    parts = urlsplit(proxy)
    sock = socket.create_connection((parts.hostname or "", parts.port or 3128), timeout)
    ip = ipaddress.ip_address(target.address)
    where = f"[{ip}]:{target.port}" if ip.version == 6 else f"{ip}:{target.port}"
    try:
        sock.sendall(f"CONNECT {where} HTTP/1.1\r\nHost: {where}\r\n\r\n".encode("ascii"))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk or len(answer) > 16384:
                raise OSError("the proxy closed the tunnel before answering")
            answer += chunk
        status = answer.split(b"\r\n", 1)[0].decode("latin-1")
        if status.split(" ")[1:2] != ["200"]:
            raise OSError(f"the proxy refused the tunnel: {status}")
    except BaseException:
        sock.close()
        raise
    return sock


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """POST the body to the checked address; (status, the first 2000 bytes of the answer). OSError on failure."""
    connection = _connection(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(2000)
    except http.client.HTTPException as error:
        raise OSError(f"{type(error).__name__}: {error}") from error
    finally:
        connection.close()
