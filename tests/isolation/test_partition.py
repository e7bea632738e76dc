"""The address-space partition and the service sets the proof works on."""

from __future__ import annotations

from govcloud.isolation import services as sv
from govcloud.isolation.intervals import (
    IPV4_END,
    Classes,
    Partition,
    address_text,
    intersect,
    interval_text,
    merge,
    prefix_interval,
    subtract,
)


def iv(cidr: str) -> tuple[int, int]:
    found = prefix_interval(cidr)
    assert found is not None
    return found


def test_prefix_intervals() -> None:
    assert iv("0.0.0.0/0") == (0, IPV4_END)
    assert iv("10.10.0.0/16") == (0x0A0A0000, 0x0A0B0000)
    assert iv("10.10.48.10") == iv("10.10.48.10/32") == (0x0A0A300A, 0x0A0A300B)
    assert iv("10.10.48.7/24") == iv("10.10.48.0/24")  # host bits ignored, like Neutron
    assert prefix_interval("fd00::/8") is None and prefix_interval("") is None and prefix_interval(None) is None
    assert interval_text(iv("10.10.0.0/16")) == "10.10.0.0/16"
    assert interval_text((iv("10.0.0.0/32")[0], iv("10.0.0.3/32")[1] - 1)) == "10.0.0.0-10.0.0.2"
    assert address_text(0x0A1E010A) == "10.30.1.10"


def test_interval_algebra() -> None:
    a, b = iv("10.0.0.0/8"), iv("10.10.0.0/16")
    assert subtract([a], [b]) == [(a[0], b[0]), (b[1], a[1])]
    assert subtract([b], [a]) == []
    assert intersect([a], [b, iv("192.168.0.0/16")]) == [b]
    assert merge([b, a, iv("11.0.0.0/8")]) == [(a[0], iv("11.0.0.0/8")[1])]


def test_partition_cuts_at_every_boundary() -> None:
    prefixes = [iv("10.0.0.0/8"), iv("10.1.0.0/16"), iv("10.1.2.3/32")]
    p = Partition(prefixes)
    # 0 | 10.0.0.0 | 10.1.0.0 | 10.1.2.3 | 10.1.2.4 | 10.2.0.0 | 11.0.0.0 | 2^32
    assert len(p) == 7
    assert list(p.atoms(iv("10.1.0.0/16"))) == [2, 3, 4]
    assert list(p.atoms(iv("10.1.2.3/32"))) == [3]
    assert p.atom_of(iv("10.1.2.3/32")[0]) == 3
    assert p.atom_of(0) == 0 and p.atom_of(IPV4_END - 1) == 6
    for atom in range(len(p)):  # atoms tile the space without gaps
        assert p.interval(atom)[1] == (p.interval(atom + 1)[0] if atom + 1 < len(p) else IPV4_END)


def test_classes_group_atoms_by_the_labels_covering_them() -> None:
    host_a, host_b = iv("10.1.2.3/32"), iv("10.1.2.9/32")
    labelled = [
        ("zone", [iv("10.0.0.0/8")]),
        ("subnet", [iv("10.1.2.0/24")]),
        ("rule-x", [host_a, host_b]),  # one behaviour naming two hosts: they fall in one class
        ("rule-y", [host_b]),
    ]
    p = Partition([i for _, ints in labelled for i in ints])
    classes = Classes(p, labelled)
    a, b = classes.of_address(host_a[0]), classes.of_address(host_b[0])
    assert classes.labels[a] == frozenset({"zone", "subnet", "rule-x"})
    assert classes.labels[b] == frozenset({"zone", "subnet", "rule-x", "rule-y"})
    rest_of_subnet = classes.of_address(iv("10.1.2.100/32")[0])
    assert rest_of_subnet == classes.of_address(iv("10.1.2.0/32")[0])  # atoms on both sides of the hosts
    assert classes.labels[rest_of_subnet] == frozenset({"zone", "subnet"})
    outside = classes.of_address(iv("8.8.8.8/32")[0])
    assert classes.labels[outside] == frozenset()
    assert outside == classes.of_address(iv("192.168.1.1/32")[0])  # below and above 10/8: one class
    # every atom belongs to exactly one class, and classes are numbered by first atom
    assert sorted(a for atoms in classes.atoms for a in atoms) == list(range(len(p)))
    assert [atoms[0] for atoms in classes.atoms] == sorted(atoms[0] for atoms in classes.atoms)
    assert len(classes) == 5  # outside, zone-only, subnet-only, host a, host b
    assert classes.of_interval(iv("10.1.2.0/24")) == {
        rest_of_subnet: iv("10.1.2.0/24")[0],
        a: host_a[0],
        b: host_b[0],
    }
    assert classes.intervals(b) == [host_b]


def test_service_sets() -> None:
    https = sv.of_spec("443/tcp")
    web = sv.of_rule("tcp", 80, 443)
    assert sv.render(https) == ["443/tcp"]
    assert sv.intersect(https, web) == https
    assert sv.render(sv.subtract(web, https)) == ["80-442/tcp"]
    assert sv.render(sv.union(sv.of_spec("53/udp"), sv.of_spec("53/tcp"))) == ["53/tcp", "53/udp"]
    assert sv.of_rule(None, None, None) == sv.EVERYTHING and sv.render(sv.EVERYTHING) == ["any"]
    assert sv.render(sv.of_rule("tcp", None, None)) == ["all/tcp"]
    assert sv.of_rule("6", 0, 0) == sv.of_rule("tcp", None, None)  # Neutron's "no range"
    assert sv.render(sv.of_rule("icmp", 8, 0)) == ["icmp"]
    assert sv.render(sv.of_rule("gre", None, None)) == ["other"]
    assert not sv.overlaps(sv.of_spec("22/tcp"), sv.of_spec("22/udp"))
    assert sv.subtract(sv.EVERYTHING, sv.EVERYTHING) == sv.NOTHING
    # union over the tcp/udp seam stays canonical: equal sets are equal tuples
    assert sv.union(sv.of_rule("tcp", None, None), sv.of_rule("udp", None, None)) == sv.union(
        sv.of_rule("udp", 0, 65535), sv.of_rule("tcp", 0, 65535)
    )
