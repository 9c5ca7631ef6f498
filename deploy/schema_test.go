package deploy_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	grafana "github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Every dashboard decodes strictly against Grafana's own schema (the
// foundation SDK's generated types), panels and queries included: no
// required field missing, no unknown one.
func TestDashboardsPassGrafanaSchema(t *testing.T) {
	// Every panel plugin and query type Grafana ships: a panel of any
	// type is checked against its own options.
	plugins.RegisterDefaultPlugins()
	files, _ := filepath.Glob("../grafana/dashboards/*.json")
	if len(files) != 4 {
		t.Fatalf("%d dashboards, want 4", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		//lint:ignore SA1019 the dashboards are Grafana's classic JSON model, the one users import; dashboardv2 is the v2 API's.
		var d grafana.Dashboard
		err = d.UnmarshalJSONStrict(raw)
		// The SDK hands back an empty BuildErrors, not nil, on success.
		var be cog.BuildErrors
		if errors.As(err, &be) && len(be) == 0 {
			err = nil
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if len(d.Panels) == 0 {
			t.Errorf("%s: no panels decoded", f)
		}
		// Each links the others (tag "trro"), keeping time and variables.
		linked := false
		for _, l := range d.Links {
			linked = linked || (l.Type == grafana.DashboardLinkTypeDashboards && slices.Contains(l.Tags, "trro") && l.KeepTime && l.IncludeVars)
		}
		if !linked || !slices.Contains(d.Tags, "trro") {
			t.Errorf("%s: no tag link to the other TRRO dashboards keeping time and variables", f)
		}
	}
}
