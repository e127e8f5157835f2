package serve

import (
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
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
	return &WorkstationProxy{assets: http.FileServerFS(assets), accepts: func(h string) bool { return hosts[h] },
		proxy: hostProxy(host, transport, explain)}
}

// hostProxy passes a call on to host through transport, answering as
// "unreachable" when the host cannot be reached.
func hostProxy(host string, transport http.RoundTripper, explain func(error) string) *httputil.ReverseProxy {
	upstream := &url.URL{Scheme: "https", Host: host}
	return &httputil.ReverseProxy{
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
}

// apiRoutes are the calls a workstation passes on: the services' methods
// and the screen's change stream (events.go), which the proxy passes on
// event by event, since it is sent as text/event-stream.
func apiRoutes(mux *http.ServeMux, proxy http.Handler) {
	mux.Handle("POST /api/{service}/{method}", proxy)
	mux.Handle("GET /api/events", proxy)
}

// sameSiteOnly refuses requests that other sites' pages make.
func sameSiteOnly(next http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &app.Error{Kind: app.Forbidden, Message: "Requests from other web sites are refused."})
	}))
	return csrf.Handler(next)
}

// Handler is the whole face, with its checks.
func (p *WorkstationProxy) Handler() http.Handler {
	mux := http.NewServeMux()
	apiRoutes(mux, p.proxy)
	mux.Handle("GET /", p.assets)
	checked := securityHeaders(sameSiteOnly(mux))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.accepts(r.Host) {
			writeError(w, &app.Error{Kind: app.Forbidden, Message: "Folio answers only at its own address on this PC."})
			return
		}
		checked.ServeHTTP(w, r)
	})
}

// WindowProxy is the workstation proxy inside the workstation's own desktop
// window: the window serves the bundled UI itself and hands this the page's
// /api calls. They come over the window's own scheme (wails://), which no
// other page can reach, so there is no address to check. The window's web
// view keeps no cookie for that scheme (the host's session cookie is
// Secure and __Host-), so the proxy keeps the session itself, in memory:
// the page never sees it, and nothing of it is written to disk.
type WindowProxy struct {
	handler http.Handler
	jar     *cookiejar.Jar
	host    *url.URL
}

// NewWindowProxy passes the window's calls to host through transport; see
// NewWorkstationProxy.
func NewWindowProxy(host string, transport http.RoundTripper, explain func(error) string) *WindowProxy {
	jar, _ := cookiejar.New(nil) // never fails without options
	mux := http.NewServeMux()
	apiRoutes(mux, hostProxy(host, keptCookies{base: transport, jar: jar}, explain))
	return &WindowProxy{handler: securityHeaders(sameSiteOnly(mux)), jar: jar, host: &url.URL{Scheme: "https", Host: host}}
}

func (p *WindowProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// HasSession says whether the window holds a session with the host (which
// the host may have ended since).
func (p *WindowProxy) HasSession() bool {
	for _, c := range p.jar.Cookies(p.host) {
		if c.Name == CookieName && c.Value != "" {
			return true
		}
	}
	return false
}

// keptCookies is a transport that keeps the host's cookies in jar: it sends
// them with each call, in place of any the page sent, and takes them out
// of the answers.
type keptCookies struct {
	base http.RoundTripper
	jar  http.CookieJar
}

func (k keptCookies) RoundTrip(r *http.Request) (*http.Response, error) {
	out := r.Clone(r.Context())
	out.Header.Del("Cookie")
	for _, c := range k.jar.Cookies(out.URL) {
		out.AddCookie(c)
	}
	resp, err := k.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	if cookies := resp.Cookies(); len(cookies) > 0 {
		k.jar.SetCookies(out.URL, cookies)
		resp.Header.Del("Set-Cookie")
	}
	return resp, nil
}
