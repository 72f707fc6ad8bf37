"""Test "machines" on one box: network namespaces joined to the services by veth links.

The services (Redis, PostgreSQL, SeaweedFS) listen on the bridge's address in the root
namespace; each worker host is a namespace whose only way out is its veth link to the bridge.
Taking a link down cuts that host off, as a pulled cable or a dead switch port would.

The addresses are from 198.18.0.0/15, the range reserved for network benchmark tests
(RFC 2544): they exist only inside the namespaces this module makes. Needs root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field

SUBNET_PREFIX = "198.18.0"
SERVICE_IP = f"{SUBNET_PREFIX}.1"


def netns_supported() -> str | None:
    """Why this box cannot run the multi-host tests, or None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed (scripts/install-system-deps)"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@dataclass
class Host:
    name: str  # namespace name
    ip: str
    link: str  # root-side end of its veth pair

    @property
    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def cut(self) -> None:
        _ip("link", "set", self.link, "down")

    def reconnect(self) -> None:
        _ip("link", "set", self.link, "up")


@dataclass
class HostNetwork:
    """A bridge holding :data:`SERVICE_IP`, and worker hosts added with :meth:`add_host`.
    Names carry a random tag, so runs side by side do not collide; :meth:`close` removes all."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    hosts: list[Host] = field(default_factory=list)

    @property
    def bridge(self) -> str:
        return f"ocrbr{self.tag}"

    def open(self) -> HostNetwork:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{SERVICE_IP}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        return self

    def add_host(self) -> Host:
        n = len(self.hosts) + 1
        host = Host(name=f"ocrhost{n}-{self.tag}", ip=f"{SUBNET_PREFIX}.{10 + n}",
                    link=f"ocrv{n}{self.tag}")
        inner = f"ocri{n}{self.tag}"
        _ip("netns", "add", host.name)
        self.hosts.append(host)
        _ip("link", "add", host.link, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", host.name)
        _ip("link", "set", host.link, "master", self.bridge)
        _ip("link", "set", host.link, "up")
        ns = ["netns", "exec", host.name, "ip"]
        _ip(*ns, "addr", "add", f"{host.ip}/24", "dev", inner)
        _ip(*ns, "link", "set", inner, "up")
        _ip(*ns, "link", "set", "lo", "up")
        return host

    def close(self) -> None:
        for host in self.hosts:
            subprocess.run(["ip", "link", "del", host.link], capture_output=True, timeout=30)
            subprocess.run(["ip", "netns", "del", host.name], capture_output=True, timeout=30)
        self.hosts.clear()
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, timeout=30)

    def __enter__(self) -> HostNetwork:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
