// Package chartcheck holds the Helm chart's tests: helm lint and helm
// template over the default and the CI values, every rendered object
// decoded strictly into its Kubernetes or Prometheus Operator API type, and
// the chart's rules and dashboards equal to what the monitoring mixin
// renders. A module of its own, so that the exporter's go.mod does not
// carry the Kubernetes API modules. Run by `make helm`.
package chartcheck
