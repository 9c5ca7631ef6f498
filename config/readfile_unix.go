//go:build unix

package config

import "syscall"

// syscallNonblock opens FIFOs without waiting for a writer, so that they
// can be refused instead of blocking.
const syscallNonblock = syscall.O_NONBLOCK
