// Test infrastructure only: helpers for scripts/registry.sh.
//
//	regtool htpasswd USER   prints one htpasswd line (user:bcrypt-hash) for the registry's
//	                        basic auth, reading the password from stdin so it never shows
//	                        in a process list
//	regtool freeport        prints a TCP port on 127.0.0.1 that is free now
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "htpasswd":
		htpasswd(os.Args[2])
	case len(os.Args) == 2 && os.Args[1] == "freeport":
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fail(err)
		}
		fmt.Println(listener.Addr().(*net.TCPAddr).Port)
		listener.Close()
	default:
		fmt.Fprintln(os.Stderr, "usage: regtool htpasswd USER <password | regtool freeport")
		os.Exit(2)
	}
}

func htpasswd(user string) {
	password, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && password == "" {
		fail(fmt.Errorf("no password on stdin"))
	}
	// The registry checks the hash on every request: the lowest cost keeps a test
	// registry fast (a login for tests, not a password store).
	hash, err := bcrypt.GenerateFromPassword([]byte(strings.TrimRight(password, "\r\n")), bcrypt.MinCost)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%s:%s\n", user, hash)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "regtool:", err)
	os.Exit(1)
}
