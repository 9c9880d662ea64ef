// Command kvb-sim plays KubeVirt's and CDI's controllers and servers against a
// real kube-apiserver, for the end-to-end tests of kubectl-kvbackup. There is
// no virtualization here: it sets the status fields the product reads, serves
// the subresources.kubevirt.io freeze/unfreeze API behind an APIService, the
// VirtualMachineExport download server and CDI's upload proxy, and records
// what happened so tests can assert it. See scripts/e2e/README.md.
//
// Usage:
//
//	kvb-sim serve --kubeconfig F --state-dir D --ca-cert F --serving-cert F --serving-key F --front-proxy-ca F
//	kvb-sim freeport N     print N free loopback TCP ports
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "serve":
		if err := serve(os.Args[2:]); err != nil {
			log.Fatal(err)
		}
	case "freeport":
		n := 1
		if len(os.Args) > 2 {
			n, _ = strconv.Atoi(os.Args[2])
		}
		if err := printFreePorts(n); err != nil {
			log.Fatal(err)
		}
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kvb-sim serve [flags] | kvb-sim freeport N")
	os.Exit(2)
}

// printFreePorts holds all N listeners open at once so the ports are distinct.
func printFreePorts(n int) error {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ls = append(ls, l)
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

type options struct {
	kubeconfig, stateDir, caCert, servingCert, servingKey, frontProxyCA string
}

func serve(args []string) error {
	var o options
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig with cluster-admin rights")
	fs.StringVar(&o.stateDir, "state-dir", "", "directory for endpoints.json and stored volume data")
	fs.StringVar(&o.caCert, "ca-cert", "", "CA that signed the serving certificate (published in export links)")
	fs.StringVar(&o.servingCert, "serving-cert", "", "TLS certificate for the HTTPS servers")
	fs.StringVar(&o.servingKey, "serving-key", "", "TLS key for the HTTPS servers")
	fs.StringVar(&o.frontProxyCA, "front-proxy-ca", "", "CA of the aggregator's proxy client certificate")
	fs.Parse(args)
	for name, v := range map[string]string{"kubeconfig": o.kubeconfig, "state-dir": o.stateDir, "ca-cert": o.caCert,
		"serving-cert": o.servingCert, "serving-key": o.servingKey, "front-proxy-ca": o.frontProxyCA} {
		if v == "" {
			return fmt.Errorf("--%s is required", name)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	sim, err := newSimulator(ctx, o)
	if err != nil {
		return err
	}
	return sim.run(ctx)
}
