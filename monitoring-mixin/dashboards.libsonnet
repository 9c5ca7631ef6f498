// grafanaDashboards: the four dashboards, their thresholds from _config.
{
  local c = $._config,
  // The figures the dashboards' texts print.
  local f = c {
    sessionNotBadRatioMinPercent: std.round(c.sessionNotBadRatioMin * 100),
    monthlyUsageWarningPercent: std.round(c.monthlyUsageWarningRatio * 100),
    packetLossP95Percent: c.packetLossP95Ratio * 100,
    videoLatencyP95Ms: std.round(c.videoLatencyP95Seconds * 1000),
    controlLatencyP95Ms: std.round(c.controlLatencyP95Seconds * 1000),
    frameGapStutterMs: std.round(c.frameGapStutterSeconds * 1000),
  },
  grafanaDashboards+:: {
    'trro-exporter.json': (import 'dashboards/trro-exporter.libsonnet')(c, f),
    'trro-fleet-overview.json': (import 'dashboards/trro-fleet-overview.libsonnet')(c, f),
    'trro-licenses.json': (import 'dashboards/trro-licenses.libsonnet')(c, f),
    'trro-live-sessions.json': (import 'dashboards/trro-live-sessions.libsonnet')(c, f),
  },
}
