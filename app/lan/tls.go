package lan

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"sync"
	"time"

	"folio/app/clinicca"
)

// TLSConfig serves the authority's current server certificate, asked at
// every handshake so that a renewal takes effect without a restart. TLS 1.3
// only: every browser of the last years speaks it, and it leaves no weak
// cipher to choose.
//
// A paired workstation presents the client certificate the authority
// issued it, checked here against the authority alone; a browser presents
// none and is let through, to sign in as before (the HTTP side tells the
// two apart, and refuses a revoked workstation).
func TLSConfig(ca *clinicca.Authority) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		NextProtos: []string{"h2", "http/1.1"},
		ClientAuth: tls.VerifyClientCertIfGiven,
		ClientCAs:  ca.Pool(),
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := ca.Current(); c != nil {
				return c, nil
			}
			return nil, errors.New("no server certificate yet")
		},
	}
}

// peekTimeout bounds how long a new connection may stay silent before it
// is known to be TLS or plain HTTP.
const peekTimeout = 10 * time.Second

// Listener is one port that speaks HTTPS, and answers plain HTTP on the
// same port with Plain (a redirect or an explanation), never with the app:
// a clinic that types host.local:8443 into a browser, which tries http://
// first, is sent on to https://.
type Listener struct {
	inner      net.Listener
	tls        *tls.Config
	plain      *http.Server
	conns      chan net.Conn
	plainConns chan net.Conn

	closeOnce sync.Once
	done      chan struct{}
	err       error
}

// NewListener wraps inner; Accept gives the TLS connections, and plain
// HTTP is answered by plain.
func NewListener(inner net.Listener, config *tls.Config, plain http.Handler) *Listener {
	l := &Listener{
		inner: inner, tls: config, conns: make(chan net.Conn), plainConns: make(chan net.Conn),
		done:  make(chan struct{}),
		plain: &http.Server{Handler: plain, ReadHeaderTimeout: peekTimeout, IdleTimeout: peekTimeout},
	}
	go l.plain.Serve(&chanListener{conns: l.plainConns, done: l.done, addr: inner.Addr()})
	go l.acceptLoop()
	return l
}

func (l *Listener) acceptLoop() {
	for {
		c, err := l.inner.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			l.closeWith(err)
			return
		}
		go l.sort(c)
	}
}

// sort hands c on by its first byte: 0x16 begins every TLS handshake, a
// letter begins a plain HTTP request.
func (l *Listener) sort(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(peekTimeout))
	r := bufio.NewReader(c)
	first, err := r.Peek(1)
	c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		return
	}
	pc := &peekedConn{Conn: c, r: r}
	var to chan net.Conn
	var conn net.Conn
	if first[0] == 0x16 {
		to, conn = l.conns, tls.Server(pc, l.tls)
	} else {
		to, conn = l.plainConns, pc
	}
	select {
	case to <- conn:
	case <-l.done:
		c.Close()
	}
}

// Accept gives the next TLS connection.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

// Close stops listening, plain HTTP included.
func (l *Listener) Close() error { return l.closeWith(nil) }

// closeWith closes l; Accept then answers acceptErr, if any.
func (l *Listener) closeWith(acceptErr error) error {
	var err error
	l.closeOnce.Do(func() {
		l.err = acceptErr
		close(l.done)
		err = l.inner.Close()
		l.plain.Close()
	})
	return err
}

func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener gives the plain HTTP connections to their own server.
type chanListener struct {
	conns chan net.Conn
	done  chan struct{}
	addr  net.Addr
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

// PlainHTTP answers a plain HTTP request: a page read (GET or HEAD) at one
// of the host's names is sent to the same address over https; anything else
// gets a short page saying what to type. A call with a body is never sent on:
// whatever it carried has already crossed the network in clear, and is
// dropped. A foreign Host is not echoed back.
func PlainHTTP(id *Identity) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Connection", "close")
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && id.Accepts(r.Host) {
			http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.WriteHeader(http.StatusBadRequest)
		where := "https://&lt;the host's name&gt;.local:PORT/"
		if urls := id.URLs(); len(urls) > 0 {
			where = html.EscapeString(urls[0])
		}
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>Folio: use https</title>
<h1>Folio answers only over a secure connection</h1>
<p>Open <b>%s</b> (with <b>https://</b>). If the browser warns about the certificate,
install the clinic's certificate first: your Folio administrator has it, with the steps for this kind of computer.</p>
`, where)
	})
}
