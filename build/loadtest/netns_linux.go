package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// dialerIn dials from inside the named network namespace (ip netns add
// NAME), while the rest of this process stays where it is: a socket
// belongs to the namespace it was made in, so only the dial needs to be
// there. The load generator reaches a host that runs on another "PC"
// this way, over that PC's own loopback, as it does by default.
func dialerIn(namespace string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		type dialed struct {
			conn net.Conn
			err  error
		}
		done := make(chan dialed, 1)
		go func() {
			// The thread is moved to the namespace and never moved back:
			// a goroutine that ends locked takes its thread with it, so no
			// other goroutine ever runs in the wrong namespace.
			runtime.LockOSThread()
			fd, err := unix.Open(filepath.Join("/run/netns", namespace), unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				done <- dialed{err: fmt.Errorf("open the network namespace %s: %w", namespace, err)}
				return
			}
			err = unix.Setns(fd, unix.CLONE_NEWNET)
			unix.Close(fd)
			if err != nil {
				done <- dialed{err: fmt.Errorf("enter the network namespace %s: %w", namespace, err)}
				return
			}
			var d net.Dialer
			conn, err := d.DialContext(ctx, network, addr)
			done <- dialed{conn, err}
		}()
		r := <-done
		return r.conn, r.err
	}
}
