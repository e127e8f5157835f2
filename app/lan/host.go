package lan

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"folio/app/clinicca"
)

// Identity is what the host is called on the network right now: its names
// and the addresses it serves. Refresh looks again (a new DHCP lease, a
// cable plugged in); the HTTP side asks Accepts on every request.
type Identity struct {
	listen      Listen
	allowPublic bool
	hostname    func() (string, error)
	interfaces  func() (map[string][]netip.Addr, error)

	mu      sync.RWMutex
	names   clinicca.Names
	serving []netip.Addr
	hosts   map[string]bool
}

// NewIdentity is the identity of this PC serving at l (with the port
// net.Listen picked, if l asked for port 0).
func NewIdentity(l Listen, allowPublic bool) (*Identity, error) {
	id := &Identity{listen: l, allowPublic: allowPublic, hostname: os.Hostname, interfaces: InterfaceAddrs}
	return id, id.Refresh()
}

// Refresh looks up the host's names and addresses again.
func (id *Identity) Refresh() error {
	hostname, err := id.hostname()
	if err != nil {
		hostname = ""
	}
	ifaces, err := id.interfaces()
	if err != nil {
		return err
	}
	serving := id.listen.Serving(ifaces)
	names := clinicca.Names{DNS: hostNames(hostname)}
	for _, ip := range serving {
		if Classify(ip).Local() || id.allowPublic {
			names.IPs = append(names.IPs, net.IP(ip.AsSlice()))
		}
	}
	if id.listen.All {
		// Every interface includes loopback, whether or not it is listed.
		names.IPs = append(names.IPs, net.IPv4(127, 0, 0, 1), net.IPv6loopback)
	}
	port := strconv.Itoa(id.listen.Port)
	hosts := map[string]bool{}
	for _, name := range names.DNS {
		hosts[net.JoinHostPort(name, port)] = true
	}
	for _, ip := range names.IPs {
		hosts[net.JoinHostPort(ip.String(), port)] = true
	}
	if port == "443" {
		// Browsers leave out the default port.
		for _, name := range names.DNS {
			hosts[name] = true
		}
		for _, ip := range names.IPs {
			if ip.To4() != nil {
				hosts[ip.String()] = true
			} else {
				hosts["["+ip.String()+"]"] = true
			}
		}
	}
	id.mu.Lock()
	defer id.mu.Unlock()
	id.names, id.serving, id.hosts = names, serving, hosts
	return nil
}

// hostNames are the names a host called hostname answers to: its name as
// set, its mDNS name (first label + .local) and localhost.
func hostNames(hostname string) []string {
	hostname = strings.ToLower(strings.TrimSuffix(hostname, "."))
	names := []string{"localhost"}
	if hostname != "" && hostname != "localhost" {
		short, _, _ := strings.Cut(hostname, ".")
		names = append(names, hostname, short+".local")
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Names are what the server certificate must hold.
func (id *Identity) Names() clinicca.Names {
	id.mu.RLock()
	defer id.mu.RUnlock()
	return id.names
}

// Serving is every address the host serves on, public ones included.
func (id *Identity) Serving() []netip.Addr {
	id.mu.RLock()
	defer id.mu.RUnlock()
	return id.serving
}

// Accepts says whether a request's Host header names this host (with the
// port): anything else may be a DNS rebinding attack from a web page.
func (id *Identity) Accepts(host string) bool {
	id.mu.RLock()
	defer id.mu.RUnlock()
	return id.hosts[strings.ToLower(host)]
}

// URLs are the addresses to type in a browser, names first.
func (id *Identity) URLs() []string {
	id.mu.RLock()
	defer id.mu.RUnlock()
	port := strconv.Itoa(id.listen.Port)
	// The .local name first: it resolves by mDNS on a clinic network with no
	// DNS server, where the bare host name often does not; the plain-HTTP
	// page and the printed list lead with it.
	var local, bare []string
	for _, name := range id.names.DNS {
		u := "https://" + net.JoinHostPort(name, port) + "/"
		switch {
		case name == "localhost":
		case strings.HasSuffix(name, ".local"):
			local = append(local, u)
		default:
			bare = append(bare, u)
		}
	}
	urls := local
	for _, ip := range id.serving {
		urls = append(urls, "https://"+net.JoinHostPort(ip.String(), port)+"/")
	}
	return append(urls, bare...)
}
