package lan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/mdns"
)

// ServiceType is Folio's DNS-SD service type.
const ServiceType = "_folio._tcp"

// Announcement says which host serves where, for DNS-SD.
type Announcement struct {
	// HostName is the host's name; its first label + .local is announced.
	HostName string
	Port     int
	// IPs are the addresses announced; only local ones are (see Scope).
	IPs []netip.Addr
	// Fingerprint is the clinic authority's SHA-256 fingerprint (as
	// clinicca gives it). It is a hint for the join screen only: anyone on
	// the network can announce anything, so a workstation checks the
	// certificate the host really presents, and the admin the code.
	Fingerprint string
	// Interfaces to announce on; nil: every interface that is up, can
	// multicast and holds one of IPs.
	Interfaces []net.Interface
	// Logger takes the mDNS library's messages (at debug level).
	Logger *slog.Logger
}

// Announcer answers DNS-SD queries for Folio until Stop.
type Announcer struct {
	mu      sync.Mutex
	servers []*mdns.Server
}

// Announce starts answering, on each interface, the queries for
// _folio._tcp.local with the host's port, addresses and the authority's
// fingerprint (TXT "fp=", hex without colons, and "v=1").
func Announce(a Announcement) (*Announcer, error) {
	var ips []net.IP
	for _, ip := range a.IPs {
		if Classify(ip).Local() && !ip.IsLoopback() {
			ips = append(ips, net.IP(ip.AsSlice()))
		}
	}
	if len(ips) == 0 {
		return nil, errors.New("no address of the clinic's network to announce")
	}
	ifaces := a.Interfaces
	if ifaces == nil {
		var err error
		if ifaces, err = interfacesWith(a.IPs); err != nil {
			return nil, err
		}
	}
	if len(ifaces) == 0 {
		return nil, errors.New("no network interface that can announce (multicast) holds the addresses served")
	}
	short, _, _ := strings.Cut(strings.ToLower(strings.TrimSuffix(a.HostName, ".")), ".")
	if short == "" {
		short = "folio"
	}
	txt := []string{"fp=" + strings.ToLower(strings.ReplaceAll(a.Fingerprint, ":", "")), "v=1"}
	zone, err := mdns.NewMDNSService("folio-"+short, ServiceType, "local.", short+".local.", a.Port, ips, txt)
	if err != nil {
		return nil, fmt.Errorf("announce Folio on the network: %w", err)
	}
	an := &Announcer{}
	var failed []string
	for _, iface := range ifaces {
		s, err := mdns.NewServer(&mdns.Config{Zone: zone, Iface: &iface, Logger: mdnsLogger(a.Logger)})
		if err != nil {
			failed = append(failed, iface.Name+": "+err.Error())
			continue
		}
		an.servers = append(an.servers, s)
	}
	if len(an.servers) == 0 {
		return nil, fmt.Errorf("announce Folio on the network: %s", strings.Join(failed, "; "))
	}
	return an, nil
}

// Stop stops answering.
func (an *Announcer) Stop() {
	if an == nil {
		return
	}
	an.mu.Lock()
	defer an.mu.Unlock()
	for _, s := range an.servers {
		s.Shutdown()
	}
	an.servers = nil
}

func mdnsLogger(l *slog.Logger) *log.Logger {
	if l == nil {
		return log.New(io.Discard, "", 0)
	}
	return slog.NewLogLogger(l.Handler(), slog.LevelDebug)
}

// interfacesWith are the interfaces that are up, can multicast, are not
// loopback and hold one of ips.
func interfacesWith(ips []netip.Addr) ([]net.Interface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list the network interfaces: %w", err)
	}
	var out []net.Interface
	for _, iface := range all {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagMulticast == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := iface.Addrs()
		for _, a := range addrs {
			prefix, err := netip.ParsePrefix(a.String())
			if err == nil && (ips == nil || slices.Contains(ips, prefix.Addr().Unmap())) {
				out = append(out, iface)
				break
			}
		}
	}
	return out, nil
}

// Found is a Folio host that answered on the network.
type Found struct {
	Instance string
	// Host is its .local name.
	Host  string
	Port  int
	Addrs []netip.Addr
	// Fingerprint is what the host announced for its authority, as
	// clinicca writes fingerprints; unchecked (see Announcement).
	Fingerprint string
}

// Browse asks the network for Folio hosts for wait, on iface (nil: every
// interface that can multicast), and gives those that answered, sorted by
// name.
func Browse(ctx context.Context, wait time.Duration, iface *net.Interface) ([]Found, error) {
	ifaces := []*net.Interface{iface}
	if iface == nil {
		all, err := interfacesWith(nil)
		if err != nil {
			return nil, err
		}
		ifaces = nil
		for i := range all {
			ifaces = append(ifaces, &all[i])
		}
		if len(ifaces) == 0 {
			return nil, errors.New("this computer has no network connection to look for the Folio host on")
		}
	}
	entries := make(chan *mdns.ServiceEntry, 64)
	var wg sync.WaitGroup
	// IPv4 and IPv6 are asked apart: an interface whose IPv6 is not ready
	// (just plugged in) fails its IPv6 query, which must not cost the IPv4
	// answers.
	errs := make([]error, 2*len(ifaces))
	for i, ifc := range ifaces {
		for v6 := range 2 {
			wg.Go(func() {
				params := mdns.DefaultParams(ServiceType)
				params.Entries, params.Timeout, params.Interface = entries, wait, ifc
				params.DisableIPv4, params.DisableIPv6 = v6 == 1, v6 == 0
				params.Logger = log.New(io.Discard, "", 0)
				errs[2*i+v6] = mdns.QueryContext(ctx, params)
			})
		}
	}
	go func() { wg.Wait(); close(entries) }()
	byName := map[string]*Found{}
	for e := range entries {
		f := byName[e.Name]
		if f == nil {
			f = &Found{Instance: strings.TrimSuffix(e.Name, "."+ServiceType+".local."), Host: strings.TrimSuffix(e.Host, "."), Port: e.Port}
			byName[e.Name] = f
		}
		for _, ip := range []net.IP{e.AddrV4, e.AddrV6} {
			if a, ok := netip.AddrFromSlice(ip); ok && !slices.Contains(f.Addrs, a.Unmap()) {
				f.Addrs = append(f.Addrs, a.Unmap())
			}
		}
		for _, field := range e.InfoFields {
			if fp, ok := strings.CutPrefix(field, "fp="); ok {
				f.Fingerprint = colonHex(fp)
			}
		}
	}
	var found []Found
	for _, f := range byName {
		found = append(found, *f)
	}
	slices.SortFunc(found, func(a, b Found) int { return strings.Compare(a.Instance, b.Instance) })
	if len(found) == 0 {
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("look for the Folio host: %w", err)
		}
	}
	return found, nil
}

// colonHex writes hex as upper-case pairs joined by colons.
func colonHex(hex string) string {
	hex = strings.ToUpper(hex)
	var pairs []string
	for i := 0; i+1 < len(hex); i += 2 {
		pairs = append(pairs, hex[i:i+2])
	}
	return strings.Join(pairs, ":")
}
