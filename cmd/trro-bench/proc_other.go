//go:build !linux

package main

import "os/exec"

// dieWithParent: only Linux has a parent-death signal; elsewhere the
// deferred cancel is the only cleanup.
func dieWithParent(*exec.Cmd) {}
