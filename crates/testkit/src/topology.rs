//! Router configurations shared by tests and benchmarks, so both run the same topology.

/// A VXLAN edge router: host port h0 (10.0.0.1/24, host 10.0.0.10), underlay port u0
/// (192.168.0.1/24 and fd00::1/64, peer VTEP behind 192.168.0.2 / fd00::2, remote
/// endpoints in 172.16.0.0/16 and fd01::/16) and an `external` VXLAN device vx0
/// (10.100.0.1/16, neighbour 10.100.0.2) on the default port.
pub const VXLAN_EDGE: &str = "\
link add h0 address 02:00:00:00:01:01 type port
link add u0 address 02:00:00:00:02:01 type port
link add vx0 address 02:00:00:00:03:01 type vxlan external dstport 4789
link set h0 up
link set u0 up
link set vx0 up
addr add 10.0.0.1/24 dev h0
addr add 192.168.0.1/24 dev u0
addr add fd00::1/64 dev u0
addr add 10.100.0.1/16 dev vx0
neigh add 10.0.0.10 lladdr 02:00:00:00:0a:01 dev h0
neigh add 192.168.0.2 lladdr 02:00:00:00:09:01 dev u0
neigh add fd00::2 lladdr 02:00:00:00:09:01 dev u0
neigh add 10.100.0.2 lladdr 02:00:00:00:0c:01 dev vx0
route add 172.16.0.0/16 via 192.168.0.2 dev u0
-6 route add fd01::/16 via fd00::2 dev u0
";
