package lan

import (
	"net"
	"net/netip"
	"slices"
	"testing"
)

// testIdentity is an identity with a made-up host name and interfaces.
func testIdentity(t *testing.T, l Listen, allowPublic bool, ifaces map[string][]netip.Addr) *Identity {
	t.Helper()
	id := &Identity{listen: l, allowPublic: allowPublic,
		hostname:   func() (string, error) { return "FrontDesk.clinic.lan", nil },
		interfaces: func() (map[string][]netip.Addr, error) { return ifaces, nil }}
	if err := id.Refresh(); err != nil {
		t.Fatal(err)
	}
	return id
}

var addrs = func(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

func TestIdentityAcceptsTheHostsNames(t *testing.T) {
	ifaces := map[string][]netip.Addr{"lo": addrs("127.0.0.1", "::1"), "eth0": addrs("192.168.1.20", "fd00::20"), "wan0": addrs("203.0.113.9")}
	all := testIdentity(t, Listen{All: true, Port: 8443}, false, ifaces)
	tests := []struct {
		host string
		want bool
	}{
		{"frontdesk.local:8443", true},
		{"FRONTDESK.LOCAL:8443", true},
		{"frontdesk.clinic.lan:8443", true},
		{"localhost:8443", true},
		{"192.168.1.20:8443", true},
		{"[fd00::20]:8443", true},
		{"127.0.0.1:8443", true},
		{"[::1]:8443", true},
		{"frontdesk.local", false}, // browsers send the port unless it is 443
		{"frontdesk.local:8765", false},
		{"evil.example:8443", false},
		{"203.0.113.9:8443", false}, // public, not allowed
		{"192.168.1.21:8443", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := all.Accepts(tt.host); got != tt.want {
			t.Errorf("Accepts(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	names := all.Names()
	if !slices.Equal(names.DNS, []string{"frontdesk.clinic.lan", "frontdesk.local", "localhost"}) || len(names.IPs) != 6 {
		t.Errorf("names %v %v", names.DNS, names.IPs)
	}
	// The .local name leads the list the host prints and its plain-HTTP page
	// names: it resolves on a network with no DNS server; the bare name last.
	if urls := all.URLs(); len(urls) < 2 || urls[0] != "https://frontdesk.local:8443/" ||
		urls[len(urls)-1] != "https://frontdesk.clinic.lan:8443/" || slices.Contains(urls, "https://localhost:8443/") {
		t.Errorf("URLs() = %v, want frontdesk.local first, the bare name last, no localhost", urls)
	}
	if !slices.Contains(all.Serving(), netip.MustParseAddr("203.0.113.9")) {
		t.Error("the public address served on every interface is not listed (it must be warned of)")
	}

	// With --allow-public the public address is accepted too.
	public := testIdentity(t, Listen{All: true, Port: 8443}, true, ifaces)
	if !public.Accepts("203.0.113.9:8443") {
		t.Error("--allow-public: the public address is refused")
	}
	// On one address, only that one; on port 443, also without the port.
	one := testIdentity(t, Listen{IP: netip.MustParseAddr("192.168.1.20"), Port: 443}, false, ifaces)
	for host, want := range map[string]bool{"192.168.1.20": true, "192.168.1.20:443": true, "frontdesk.local": true,
		"[fd00::20]:443": false, "127.0.0.1:443": false} {
		if got := one.Accepts(host); got != want {
			t.Errorf("on 192.168.1.20:443, Accepts(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestIdentityFollowsTheAddresses: a new DHCP lease is accepted after a
// refresh, and the old address no longer is.
func TestIdentityFollowsTheAddresses(t *testing.T) {
	ifaces := map[string][]netip.Addr{"eth0": addrs("192.168.1.20")}
	id := testIdentity(t, Listen{All: true, Port: 8443}, false, ifaces)
	ifaces["eth0"] = addrs("192.168.1.77")
	if id.Accepts("192.168.1.77:8443") {
		t.Fatal("accepted before the refresh")
	}
	id.Refresh()
	if !id.Accepts("192.168.1.77:8443") || id.Accepts("192.168.1.20:8443") {
		t.Error("after the refresh the new address is refused or the old one accepted")
	}
	if !slices.ContainsFunc(id.Names().IPs, func(ip net.IP) bool { return ip.Equal(net.ParseIP("192.168.1.77")) }) {
		t.Errorf("the certificate's names lack the new address: %v", id.Names().IPs)
	}
}
