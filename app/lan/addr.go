// Package lan puts the Folio host on the clinic's own network: which
// addresses it may listen on, the names it answers to, HTTPS with the
// clinic's certificate (plain HTTP only redirects), and the DNS-SD
// announcement by which workstations find it.
package lan

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Scope is how far an address reaches.
type Scope int

const (
	// Public: reachable from outside the clinic, or not known to be
	// private. Carrier-grade NAT's shared space (100.64.0.0/10) counts as
	// public: the carrier's other customers share it, so it is not the
	// clinic's own network. (A VPN such as Tailscale that uses it needs
	// --allow-public, said plainly.)
	Public Scope = iota
	// Private: RFC 1918 IPv4 (10/8, 172.16/12, 192.168/16) and IPv6
	// unique-local addresses (fc00::/7, in practice fd00::/8).
	Private
	// LinkLocal: 169.254/16 and fe80::/10, reachable on the same cable or
	// Wi-Fi only.
	LinkLocal
	// Loopback: this PC only.
	Loopback
	// NotUnicast: unspecified, multicast or broadcast: no one address to
	// serve on.
	NotUnicast
)

func (s Scope) String() string {
	return [...]string{"public", "private", "link-local", "loopback", "not a unicast address"}[s]
}

// Local says whether the scope stays within the clinic's network.
func (s Scope) Local() bool { return s == Private || s == LinkLocal || s == Loopback }

// Classify says how far ip reaches.
func Classify(ip netip.Addr) Scope {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return NotUnicast
	case ip.IsLoopback():
		return Loopback
	case ip.IsLinkLocalUnicast():
		return LinkLocal
	case ip.IsPrivate():
		return Private
	}
	return Public
}

// Listen is where `folio serve --lan` listens, as CheckAddr worked it out.
type Listen struct {
	// Addr is for net.Listen.
	Addr string
	Port int
	// All: every interface (the host part was empty, 0.0.0.0 or ::).
	All bool
	// IP is the one address listened on, unless All.
	IP netip.Addr
}

// CheckAddr checks an --addr for serving the clinic's network: a port, and
// an address that is the clinic's own (private, link-local or loopback), or
// none to serve on every interface. A public address is refused unless
// allowPublic. Host names other than localhost are refused: a name may stand
// for several addresses, some public, and the choice would be hidden.
func CheckAddr(addr string, allowPublic bool) (Listen, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return Listen{}, fmt.Errorf("the address %q is not address:port, e.g. :8443 (every interface) or 192.168.1.10:8443", addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return Listen{}, fmt.Errorf("the address %q has no valid port, e.g. :8443", addr)
	}
	l := Listen{Addr: addr, Port: port}
	if host == "" || host == "0.0.0.0" || host == "::" {
		l.All = true
		return l, nil
	}
	if strings.EqualFold(host, "localhost") {
		l.IP = netip.MustParseAddr("127.0.0.1")
		l.Addr = net.JoinHostPort("127.0.0.1", portText)
		return l, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return Listen{}, fmt.Errorf("give the address to serve on as numbers (e.g. 192.168.1.10:8443), or :%s for every interface, not the name %q", portText, host)
	}
	if ip.Zone() != "" {
		return Listen{}, fmt.Errorf("the address %s has a zone (%%%s); give one without, or :%s for every interface", host, ip.Zone(), portText)
	}
	l.IP = ip.Unmap()
	switch scope := Classify(l.IP); {
	case scope == NotUnicast:
		return Listen{}, fmt.Errorf("%s is not an address one PC can serve on (it is %s)", host, scope)
	case scope == Public && !allowPublic:
		return Listen{}, fmt.Errorf("%s is a public address: computers outside the clinic could reach Folio there. "+
			"Folio serves the clinic's own network (addresses like 192.168.x.x, 10.x.x.x, 172.16-31.x.x or fd..::); "+
			"give one of those, or add --allow-public if this address really is the clinic's own network", host)
	}
	return l, nil
}

// InterfaceAddrs are the addresses of this PC's interfaces that are up,
// by interface, without IPv6 link-local ones (which need a zone that no
// browser address bar takes).
func InterfaceAddrs() (map[string][]netip.Addr, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list the network interfaces: %w", err)
	}
	out := map[string][]netip.Addr{}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			prefix, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			ip := prefix.Addr().Unmap()
			if ip.Is6() && ip.IsLinkLocalUnicast() {
				continue
			}
			out[iface.Name] = append(out[iface.Name], ip)
		}
	}
	return out, nil
}

// Serving is the addresses l serves on, given the interfaces' addresses.
func (l Listen) Serving(ifaces map[string][]netip.Addr) []netip.Addr {
	if !l.All {
		return []netip.Addr{l.IP}
	}
	var out []netip.Addr
	for _, addrs := range ifaces {
		out = append(out, addrs...)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return slices.Compact(out)
}
