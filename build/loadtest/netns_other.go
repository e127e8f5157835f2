//go:build !linux

package main

import (
	"context"
	"fmt"
	"net"
)

// dialerIn needs Linux network namespaces (LOADTEST_BROWSER); elsewhere
// every dial says so.
func dialerIn(namespace string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(context.Context, string, string) (net.Conn, error) {
		return nil, fmt.Errorf("network namespaces (for %s) are Linux's; LOADTEST_BROWSER runs on Linux only", namespace)
	}
}
