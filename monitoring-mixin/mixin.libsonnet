// trro_exporter's monitoring mixin: alerts, recording rules and Grafana
// dashboards, with their parameters in config.libsonnet.
(import 'config.libsonnet') +
(import 'alerts.libsonnet') +
(import 'rules.libsonnet') +
(import 'dashboards.libsonnet')
