// Command generate writes the files rendered from the monitoring mixin
// (`make mixin`), relative to the repository's root.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	mixin "github.com/trro-exporter/trro_exporter/monitoring-mixin"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "mixin:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	m, err := mixin.Evaluate("")
	if err != nil {
		return err
	}
	files, err := m.Files()
	if err != nil {
		return err
	}
	for path, b := range files {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
