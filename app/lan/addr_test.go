package lan

import (
	"net/netip"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		ip   string
		want Scope
	}{
		{"10.0.0.1", Private},
		{"10.255.255.254", Private},
		{"172.16.0.1", Private},
		{"172.31.255.1", Private},
		{"172.32.0.1", Public}, // just past 172.16/12
		{"172.15.255.1", Public},
		{"192.168.1.20", Private},
		{"192.169.0.1", Public},
		{"fd00::20", Private},
		{"fc00::1", Private},
		{"fe80::1", LinkLocal},
		{"169.254.10.1", LinkLocal},
		{"127.0.0.1", Loopback},
		{"127.5.6.7", Loopback},
		{"::1", Loopback},
		{"::ffff:192.168.1.2", Private}, // IPv4 written as IPv6
		{"100.64.0.1", Public},          // carrier-grade NAT: the carrier's other customers share it
		{"100.127.255.254", Public},
		{"8.8.8.8", Public},
		{"1.1.1.1", Public},
		{"2001:db8::1", Public},  // documentation: nothing says private
		{"192.0.2.2", Public},    // documentation (TEST-NET-1)
		{"2a00:1450::1", Public}, // a real global IPv6
		{"0.0.0.0", NotUnicast},
		{"::", NotUnicast},
		{"224.0.0.251", NotUnicast},
		{"ff02::fb", NotUnicast},
		{"255.255.255.255", NotUnicast},
	}
	for _, tt := range tests {
		if got := Classify(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Classify(%s) = %s, want %s", tt.ip, got, tt.want)
		}
	}
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr        string
		allowPublic bool
		all         bool   // every interface
		listen      string // what net.Listen gets
		err         string // part of the refusal; "" for none
	}{
		{addr: ":8443", all: true, listen: ":8443"},
		{addr: "0.0.0.0:8443", all: true, listen: "0.0.0.0:8443"},
		{addr: "[::]:8443", all: true, listen: "[::]:8443"},
		{addr: "192.168.1.10:8443", listen: "192.168.1.10:8443"},
		{addr: "10.0.0.5:0", listen: "10.0.0.5:0"},
		{addr: "[fd00::2]:8443", listen: "[fd00::2]:8443"},
		{addr: "169.254.3.4:8443", listen: "169.254.3.4:8443"},
		{addr: "127.0.0.1:8443", listen: "127.0.0.1:8443"},
		{addr: "localhost:8443", listen: "127.0.0.1:8443"},
		{addr: "8.8.8.8:8443", err: "public address"},
		{addr: "8.8.8.8:8443", allowPublic: true, listen: "8.8.8.8:8443"},
		{addr: "100.64.1.1:8443", err: "public address"},
		{addr: "[2001:db8::1]:8443", err: "--allow-public"},
		{addr: "224.0.0.251:8443", allowPublic: true, err: "not an address"},
		{addr: "frontdesk.local:8443", err: "as numbers"},
		{addr: "192.168.1.10", err: "not address:port"},
		{addr: "192.168.1.10:http", err: "no valid port"},
		{addr: "192.168.1.10:70000", err: "no valid port"},
		{addr: "[fe80::1%eth0]:8443", err: "zone"},
	}
	for _, tt := range tests {
		l, err := CheckAddr(tt.addr, tt.allowPublic)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("CheckAddr(%q, %v) = %v, want an error with %q", tt.addr, tt.allowPublic, err, tt.err)
			}
		case err != nil:
			t.Errorf("CheckAddr(%q, %v): %v", tt.addr, tt.allowPublic, err)
		case l.All != tt.all || l.Addr != tt.listen:
			t.Errorf("CheckAddr(%q) = %+v, want all %v, listen %q", tt.addr, l, tt.all, tt.listen)
		}
	}
}
