package serve

import (
	"io/fs"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"

	"folio/app"
)

// hostUnreachable is the kind of a call the workstation could not pass on
// to the host: the UI keeps what is typed and tries again when the host is
// back, as when the browser itself cannot reach the host.
const hostUnreachable app.Kind = "unreachable"

// WorkstationProxy is Folio's HTTP face on a paired workstation (folio
// serve --workstation, and the workstation's window): the bundled UI from
// this PC, and every call passed on to the host over the transport (TLS
// pinned to the clinic's authority, with the workstation's certificate).
// The UI runs unchanged in its HTTP mode, and nothing of a chart is kept
// here. The proxy takes the same care as New against other sites' pages
// and DNS rebinding, since it is what they would reach on this PC.
type WorkstationProxy struct {
	assets  http.Handler
	accepts func(host string) bool
	proxy   *httputil.ReverseProxy
}

// NewWorkstationProxy serves at addr (the listener's actual address) and
// passes calls to host (address:port) through transport. explain turns a
// failure to reach the host into the user's words.
func NewWorkstationProxy(assets fs.FS, addr net.Addr, host string, transport http.RoundTripper,
	explain func(error) string) *WorkstationProxy {
	_, port, _ := net.SplitHostPort(addr.String())
	hosts := map[string]bool{}
	for _, h := range []string{"127.0.0.1", "localhost", "[::1]"} {
		hosts[h+":"+port] = true
	}
	upstream := &url.URL{Scheme: "https", Host: host}
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.Out.Host = host
			// Checked here already; towards the host the proxy is the
			// client, from its own origin.
			for _, h := range []string{"Origin", "Referer", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"} {
				pr.Out.Header.Del(h)
			}
		},
		Transport: transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			msg := "The host cannot be reached; check that it is on and on the network, then try again."
			if explain != nil {
				msg = explain(err)
			}
			writeError(w, &app.Error{Kind: hostUnreachable, Message: msg})
		},
	}
	return &WorkstationProxy{assets: http.FileServerFS(assets), accepts: func(h string) bool { return hosts[h] }, proxy: p}
}

// Handler is the whole face, with its checks.
func (p *WorkstationProxy) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /api/{service}/{method}", p.proxy)
	// The screen's change stream (events.go); the proxy passes each event
	// on as it comes, since it is sent as text/event-stream.
	mux.Handle("GET /api/events", p.proxy)
	mux.Handle("GET /", p.assets)
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &app.Error{Kind: app.Forbidden, Message: "Requests from other web sites are refused."})
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.accepts(r.Host) {
			writeError(w, &app.Error{Kind: app.Forbidden, Message: "Folio answers only at its own address on this PC."})
			return
		}
		securityHeaders(csrf.Handler(mux)).ServeHTTP(w, r)
	})
}
