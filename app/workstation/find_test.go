package workstation

import (
	"net/netip"
	"testing"

	"folio/app/clinicca"
	"folio/app/lan"
)

// TestFoundHosts: each host that answered is listed at an address every PC
// can reach (IPv4 first), with the code of the authority it announced; one
// that gave no address or port cannot be joined and is left out.
func TestFoundHosts(t *testing.T) {
	ca, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "frontdesk"})
	if err != nil {
		t.Fatal(err)
	}
	v6, v4 := netip.MustParseAddr("fd00::20"), netip.MustParseAddr("192.168.1.20")
	for _, tt := range []struct {
		name  string
		found lan.Found
		want  []FoundHost
	}{
		{"IPv4 before IPv6", lan.Found{Instance: "folio-frontdesk", Host: "frontdesk.local", Port: 8443,
			Addrs: []netip.Addr{v6, v4}, Fingerprint: ca.Fingerprint()},
			[]FoundHost{{Name: "frontdesk.local", Address: "192.168.1.20:8443", Fingerprint: ca.Fingerprint(), Code: ca.Code()}}},
		{"IPv6 only, no name", lan.Found{Instance: "folio-x", Port: 9000, Addrs: []netip.Addr{v6}},
			[]FoundHost{{Name: "folio-x", Address: "[fd00::20]:9000"}}},
		{"no address", lan.Found{Instance: "folio-y", Port: 8443}, nil},
		{"no port", lan.Found{Instance: "folio-z", Addrs: []netip.Addr{v4}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := foundHosts([]lan.Found{tt.found})
			if len(got) != len(tt.want) || (len(got) == 1 && got[0] != tt.want[0]) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
