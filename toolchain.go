package main

import (
	goversion "go/version"
	"runtime"
)

// minGo is the oldest Go whose standard library has none of the known
// vulnerabilities an HTTP server like this one reaches (go.mod's toolchain
// line; govulncheck reports 12 under go1.26.8).
const minGo = "go1.27.3"

// toolchainWarning says what is wrong with the Go this binary was built
// with, or "" when nothing is. goVersion is runtime.Version() outside
// tests; a development toolchain ("devel ...") is not judged.
func toolchainWarning(goVersion string) string {
	if !goversion.IsValid(goVersion) || goversion.Compare(goVersion, minGo) >= 0 {
		return ""
	}
	return "built with " + goVersion + ", older than " + minGo + ": its standard library has known vulnerabilities an HTTP server reaches; rebuild with GOTOOLCHAIN=" + minGo
}

var builtWith = runtime.Version()
