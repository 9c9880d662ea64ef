package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// simulator ties together the controller loop and the four loopback servers.
type simulator struct {
	opts          options
	client        dynamic.Interface
	cache         *objectCache
	caPEM         string
	freezes       *freezeRegistry
	volumes       *volumeStore
	uploads       *uploadRegistry
	exportVolumes *exportRegistry
	served        servedCounter
	exportTokens  tokenCache
	cbt           *changeTracker // changed block tracking and backup jobs (cbt.go, backup.go)
	ports         endpoints
	tlsCert       tls.Certificate
	clientCA      *x509.CertPool
}

// endpoints is written to <state-dir>/endpoints.json once every server listens.
type endpoints struct {
	APIPort     int `json:"apiPort"`     // aggregated subresources.kubevirt.io + upload.cdi.kubevirt.io
	ExportPort  int `json:"exportPort"`  // VirtualMachineExport download server
	UploadPort  int `json:"uploadPort"`  // CDI upload proxy
	ControlPort int `json:"controlPort"` // plain-HTTP test control and records
}

func newSimulator(ctx context.Context, o options) (*simulator, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(o.caCert)
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(o.servingCert, o.servingKey)
	if err != nil {
		return nil, err
	}
	fpPEM, err := os.ReadFile(o.frontProxyCA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(fpPEM) {
		return nil, fmt.Errorf("no certificate in %s", o.frontProxyCA)
	}
	s := &simulator{
		opts:          o,
		client:        client,
		caPEM:         string(caPEM),
		uploads:       newUploadRegistry(),
		exportVolumes: newExportRegistry(),
		cbt:           newChangeTracker(),
		tlsCert:       cert,
		clientCA:      pool,
	}
	s.freezes = newFreezeRegistry(s)
	s.volumes = newVolumeStore(filepath.Join(o.stateDir, "volumes"), s.generatedContent)
	s.cache = newObjectCache(client)
	return s, nil
}

func (s *simulator) run(ctx context.Context) error {
	api, err := s.listen(true)
	if err != nil {
		return err
	}
	export, err := s.listen(false)
	if err != nil {
		return err
	}
	upload, err := s.listen(false)
	if err != nil {
		return err
	}
	control, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.ports = endpoints{port(api), port(export), port(upload), port(control)}

	if err := s.cache.start(ctx); err != nil {
		return err
	}
	servers := map[net.Listener]http.Handler{
		api:     s.apiHandler(),
		export:  s.withBackupEndpoints(s.exportHandler()),
		upload:  s.uploadHandler(),
		control: s.withBackupControl(s.controlHandler()),
	}
	for l, h := range servers {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
				log.Printf("server %s: %v", l.Addr(), err)
			}
		}()
		go func() { <-ctx.Done(); srv.Close() }()
	}
	if err := s.bootstrap(ctx); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if err := s.bootstrapChangedBlockTracking(ctx); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if err := s.writeEndpoints(); err != nil {
		return err
	}
	log.Printf("kvb-sim ready: %+v", s.ports)
	newController(s).run(ctx)
	return nil
}

// listen opens a loopback TLS listener; the aggregated API server also asks
// for the aggregator's front-proxy client certificate.
func (s *simulator) listen(aggregated bool) (net.Listener, error) {
	cfg := &tls.Config{Certificates: []tls.Certificate{s.tlsCert}, MinVersion: tls.VersionTLS12}
	if aggregated {
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
		cfg.ClientCAs = s.clientCA
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return tls.NewListener(l, cfg), nil
}

func port(l net.Listener) int { return l.Addr().(*net.TCPAddr).Port }

func (s *simulator) writeEndpoints() error {
	data, _ := json.MarshalIndent(s.ports, "", "  ")
	tmp := filepath.Join(s.opts.stateDir, "endpoints.json.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.opts.stateDir, "endpoints.json"))
}
