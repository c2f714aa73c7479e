package framework

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
)

// APIProxy stands between a command and the API server and holds the
// requests a test picks until it releases them: the command then waits on
// one request of its choice (the events of describe, the second page of a
// list) while the others go through, which pausing the whole server cannot
// do. It serves with the API server's certificate, so a kubeconfig that
// trusts the cluster's CA trusts it (run the command with --server=URL),
// and forwards every request as admin, whoever the client is.
type APIProxy struct {
	// URL is the proxy's address, for --server.
	URL string

	srv      *httptest.Server
	hold     func(*http.Request) bool
	mu       sync.Mutex
	held     int
	heldCh   chan struct{} // closed at the first held request
	released chan struct{} // closed by Release
	release  sync.Once
}

// StartAPIProxy starts a proxy that holds the requests hold picks.
func (c *Cluster) StartAPIProxy(hold func(*http.Request) bool) (*APIProxy, error) {
	upstream, err := url.Parse(c.APIServerURL)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(c.PKIDir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s/ca.crt", c.PKIDir)
	}
	admin, err := tls.LoadX509KeyPair(filepath.Join(c.PKIDir, "admin.crt"), filepath.Join(c.PKIDir, "admin.key"))
	if err != nil {
		return nil, err
	}
	serving, err := tls.LoadX509KeyPair(filepath.Join(c.PKIDir, "apiserver.crt"), filepath.Join(c.PKIDir, "apiserver.key"))
	if err != nil {
		return nil, err
	}
	p := &APIProxy{hold: hold, heldCh: make(chan struct{}), released: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(upstream)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, Certificates: []tls.Certificate{admin}, MinVersion: tls.VersionTLS12,
	}}
	rp.FlushInterval = -1 // watches and follows stream through
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.hold(r) && !p.wait(r.Context()) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	p.srv.TLS = &tls.Config{Certificates: []tls.Certificate{serving}, MinVersion: tls.VersionTLS12}
	p.srv.StartTLS()
	p.URL = p.srv.URL
	return p, nil
}

// wait holds a request until Release or until its client gives up.
func (p *APIProxy) wait(ctx context.Context) bool {
	p.mu.Lock()
	p.held++
	if p.held == 1 {
		close(p.heldCh)
	}
	p.mu.Unlock()
	select {
	case <-p.released:
		return true
	case <-ctx.Done():
		return false
	}
}

// WaitHeld waits until a request is being held.
func (p *APIProxy) WaitHeld(ctx context.Context) error {
	select {
	case <-p.heldCh:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no request was held: %w", ctx.Err())
	}
}

// Held returns how many requests have been held.
func (p *APIProxy) Held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
}

// Release lets the held requests, and all later ones, through.
func (p *APIProxy) Release() { p.release.Do(func() { close(p.released) }) }

// Close releases the held requests and stops the proxy.
func (p *APIProxy) Close() {
	p.Release()
	p.srv.Close()
}
