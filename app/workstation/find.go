package workstation

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"folio/app/clinicca"
	"folio/app/lan"
)

// FoundHost is a Folio host that answered on the network, as the join
// screen lists it. What it announced is a hint only (anyone on the network
// can announce anything): Begin checks the authority the host really
// presents against Fingerprint, and the admin compares the pairing code.
type FoundHost struct {
	// Name is its .local name.
	Name string `json:"name"`
	// Address is what to join: one of its addresses, with the port.
	Address string `json:"address"`
	// Fingerprint is the SHA-256 of the authority it announced, and Code
	// that authority's code, which the host's admin screen shows too.
	Fingerprint string `json:"fingerprint"`
	Code        string `json:"code"`
}

// Discover asks the network for Folio hosts (DNS-SD, _folio._tcp) for wait.
func Discover(ctx context.Context, wait time.Duration) ([]FoundHost, error) {
	found, err := lan.Browse(ctx, wait, nil)
	if err != nil {
		return nil, err
	}
	return foundHosts(found), nil
}

// foundHosts lists what answered, each at the address to join it at: an
// IPv4 address if it has one (every PC reaches those; a .local name needs
// the PC's mDNS resolver, and a link-local IPv6 address its interface),
// else its first address. A host with no address or port is left out.
func foundHosts(found []lan.Found) []FoundHost {
	var out []FoundHost
	for _, f := range found {
		if f.Port <= 0 || len(f.Addrs) == 0 {
			continue
		}
		addrs := slices.Clone(f.Addrs)
		slices.SortStableFunc(addrs, func(a, b netip.Addr) int {
			return boolRank(!a.Is4()) - boolRank(!b.Is4())
		})
		h := FoundHost{Name: f.Host, Address: net.JoinHostPort(addrs[0].String(), strconv.Itoa(f.Port)),
			Fingerprint: f.Fingerprint}
		if h.Name == "" {
			h.Name = f.Instance
		}
		h.Code, _ = clinicca.CodeOfFingerprint(f.Fingerprint)
		out = append(out, h)
	}
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
