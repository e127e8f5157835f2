package serve_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"testing"
	"testing/fstest"

	"folio/app"
	"folio/app/serve"
)

// TestProxyHostGone: a workstation whose host does not answer says so as
// "unreachable" (502), which the UI reads as no answer (it keeps a save and
// sends it again), not as a server error with a message.
func TestProxyHostGone(t *testing.T) {
	// A port nobody listens on any more: the host is off.
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostAddr := gone.Addr().String()
	gone.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := serve.NewWorkstationProxy(fstest.MapFS{"index.html": {Data: []byte(indexHTML)}}, ln.Addr(), hostAddr,
		http.DefaultTransport, nil)
	srv := &http.Server{Handler: p.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/Chart/AddAllergy", bytes.NewReader([]byte("[]")))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(serve.RequestIDHeader, "abc-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e app.Error
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadGateway || e.Kind != "unreachable" || e.Message == "" {
		t.Errorf("got %s %+v, want 502 unreachable", resp.Status, e)
	}
}
