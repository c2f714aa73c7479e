// Command test-kubelet serves container logs from files over HTTPS for the
// e2e harness: hack/cluster-up.sh points a Node's kubelet endpoint at it, so
// that `kubectl logs` goes through kube-apiserver to these files.
//
//	test-kubelet --dir DIR [--addr 127.0.0.1:0] [--cert-dir DIR] [--client-ca FILE]
//	             [--kubeconfig FILE] [--port-file FILE] [--poll-interval 50ms]
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/pods-pattern/kubectl-pods-pattern/test/kubelet"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "test-kubelet:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "", "directory of log files, <dir>/<namespace>/<pod>/<container>.log (required)")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on; port 0 picks a free port")
	certDir := flag.String("cert-dir", "", "directory with kubelet.crt and kubelet.key; a self-signed certificate is used when empty")
	clientCA := flag.String("client-ca", "", "CA file: when set, clients must present a certificate it signed (the API server's kubelet client certificate)")
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig to read pods with, so that containers are checked like the kubelet does")
	portFile := flag.String("port-file", "", "file to write the listening port to once serving")
	// The real kubelet is woken by inotify; polling adds up to this much to
	// every followed line's latency, which hack/bench-latency.sh keeps small.
	pollInterval := flag.Duration("poll-interval", 50*time.Millisecond, "how often a follow looks for appended lines")
	flag.Parse()
	if *dir == "" {
		return errors.New("--dir is required")
	}
	if *pollInterval <= 0 {
		return fmt.Errorf("--poll-interval must be positive, got %v", *pollInterval)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}

	tlsConfig, err := serverTLS(*certDir, *clientCA)
	if err != nil {
		return err
	}
	opts := kubelet.Options{Dir: *dir, PollInterval: *pollInterval}
	if *kubeconfig != "" {
		if opts.Pods, err = podGetter(*kubeconfig); err != nil {
			return err
		}
	}
	srv := kubelet.NewServer(opts)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	httpServer := &http.Server{
		Handler:           srv.Handler(),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(os.Stderr, "test-kubelet: ", log.LstdFlags),
	}
	errc := make(chan error, 1)
	go func() { errc <- httpServer.ServeTLS(ln, "", "") }()

	if *portFile != "" {
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, *portFile); err != nil {
			return err
		}
	}
	log.Printf("test-kubelet: serving logs from %s on https://%s", *dir, ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Follow streams never end by themselves: give them a moment, then close.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		_ = httpServer.Close()
	}
	return nil
}

func serverTLS(certDir, clientCA string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if certDir != "" {
		cert, err := tls.LoadX509KeyPair(filepath.Join(certDir, "kubelet.crt"), filepath.Join(certDir, "kubelet.key"))
		if err != nil {
			return nil, fmt.Errorf("load serving certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	} else {
		cert, err := kubelet.SelfSignedCertificate("127.0.0.1", "localhost")
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if clientCA != "" {
		pem, err := os.ReadFile(clientCA)
		if err != nil {
			return nil, fmt.Errorf("read client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate found in %s", clientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

func podGetter(kubeconfig string) (kubelet.PodGetter, error) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
	}
	config.UserAgent = "test-kubelet"
	// Every log request and idle follow asks for the pod: do not queue them
	// behind client-go's default 5 requests/s.
	config.QPS, config.Burst = 200, 400
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
		pod, err := client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return pod, err
	}, nil
}
